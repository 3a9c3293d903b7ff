namespace Tideway.Wire.Internal;

/// <summary>Lowercase hexadecimal over spans, as the AWS wire formats want it.</summary>
internal static class Hex
{
    private static ReadOnlySpan<byte> Digits => "0123456789abcdef"u8;

    /// <summary>Writes two lowercase hex digits (ASCII) per byte of <paramref name="source"/>.</summary>
    public static void EncodeLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[2 * i] = Digits[source[i] >> 4];
            destination[(2 * i) + 1] = Digits[source[i] & 0xF];
        }
    }

    /// <summary>Returns the lowercase hex string of <paramref name="source"/>.</summary>
    public static string ToLowerString(ReadOnlySpan<byte> source) => Convert.ToHexStringLower(source);

    /// <summary>Decodes hex digits of either case; false when a character is not a hex digit.</summary>
    public static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination)
    {
        if (source.Length != 2 * destination.Length)
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            var high = Value(source[2 * i]);
            var low = Value(source[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            destination[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>The value of one hex digit, or -1.</summary>
    public static int Value(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
