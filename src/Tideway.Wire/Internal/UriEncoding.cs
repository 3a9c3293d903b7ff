using System.Buffers;
using System.Text;

namespace Tideway.Wire.Internal;

/// <summary>RFC 3986 percent-encoding as SigV4 canonicalization and form bodies need it, over UTF-8 bytes.</summary>
internal static class UriEncoding
{
    private static readonly SearchValues<byte> Unreserved = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"u8);

    private static ReadOnlySpan<byte> UpperHex => "0123456789ABCDEF"u8;

    /// <summary>True for the RFC 3986 unreserved characters <c>A-Z a-z 0-9 - . _ ~</c>.</summary>
    public static bool IsUnreserved(byte value) => Unreserved.Contains(value);

    /// <summary>Appends <paramref name="value"/> percent-encoded (uppercase hex) unless it is unreserved.</summary>
    public static void AppendEncoded(ref ByteBuilder builder, byte value)
    {
        if (Unreserved.Contains(value))
        {
            builder.Append(value);
            return;
        }

        var span = builder.AppendSpan(3);
        span[0] = (byte)'%';
        span[1] = UpperHex[value >> 4];
        span[2] = UpperHex[value & 0xF];
    }

    /// <summary>Appends every byte of <paramref name="value"/> percent-encoded unless unreserved.</summary>
    public static void AppendEncoded(ref ByteBuilder builder, scoped ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            var run = value.IndexOfAnyExcept(Unreserved);
            if (run < 0)
            {
                builder.Append(value);
                return;
            }

            builder.Append(value[..run]);
            AppendEncoded(ref builder, value[run]);
            value = value[(run + 1)..];
        }
    }

    /// <summary>Appends the UTF-8 bytes of <paramref name="value"/> percent-encoded unless unreserved.</summary>
    public static void AppendEncoded(ref ByteBuilder builder, scoped ReadOnlySpan<char> value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        while (!value.IsEmpty)
        {
            var c = value[0];
            if (c < 0x80)
            {
                AppendEncoded(ref builder, (byte)c);
                value = value[1..];
                continue;
            }

            _ = Rune.DecodeFromUtf16(value, out var rune, out var consumed);
            var written = rune.EncodeToUtf8(utf8);
            AppendEncoded(ref builder, utf8[..written]);
            value = value[consumed..];
        }
    }

    /// <summary>
    /// Decodes one query-string component leniently (<c>+</c> is a space, an invalid escape is a literal
    /// <c>%</c>) and appends it re-encoded in SigV4's canonical form.
    /// </summary>
    public static void AppendCanonicalComponent(ref ByteBuilder builder, scoped ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'+')
            {
                b = (byte)' ';
            }
            else if (b == (byte)'%' && i + 2 < raw.Length && TryHexPair(raw[i + 1], raw[i + 2], out var decoded))
            {
                b = decoded;
                i += 2;
            }

            AppendEncoded(ref builder, b);
        }
    }

    /// <summary>
    /// Decodes an <c>application/x-www-form-urlencoded</c> component strictly: <c>+</c> is a space,
    /// <c>%XX</c> a byte; false (with the offset of the bad <c>%</c>) when an escape is invalid.
    /// <paramref name="destination"/> must be at least as long as <paramref name="raw"/>.
    /// </summary>
    public static bool TryDecodeForm(ReadOnlySpan<byte> raw, Span<byte> destination, out int written, out int errorOffset)
    {
        written = 0;
        errorOffset = -1;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'+')
            {
                b = (byte)' ';
            }
            else if (b == (byte)'%')
            {
                if (i + 2 >= raw.Length || !TryHexPair(raw[i + 1], raw[i + 2], out b))
                {
                    errorOffset = i;
                    return false;
                }

                i += 2;
            }

            destination[written++] = b;
        }

        return true;
    }

    private static bool TryHexPair(byte high, byte low, out byte value)
    {
        var h = Hex.Value(high);
        var l = Hex.Value(low);
        value = (byte)((h << 4) | l);
        return (h | l) >= 0;
    }
}
