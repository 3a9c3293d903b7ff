using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text;

namespace Tideway.Patterns;

/// <summary>
/// Moves over JSON the matcher does not need to read: strings, numbers and whole subtrees that no
/// rule mentions. Containers are skipped 32 bytes at a time with vector compares that find quotes
/// and brackets, a prefix-xor of the quote mask that tells which bytes are inside strings, and
/// bracket counting on what is left (the technique of simdjson's stage 1, without the index).
/// </summary>
internal static class JsonSkipper
{
    private static readonly SearchValues<byte> QuoteOrBackslash = SearchValues.Create("\"\\"u8);

    /// <summary>Returns the index of the quote that closes a string whose content starts at <paramref name="start"/>.</summary>
    public static int FindStringEnd(ReadOnlySpan<byte> json, int start, out bool escaped)
    {
        escaped = false;
        var pos = start;

        // Most keys and values are short: look at the first bytes one by one before paying for a vector search.
        var quick = Math.Min(json.Length, start + 24);
        while (pos < quick)
        {
            var c = json[pos];
            if (c == (byte)'"')
            {
                return pos;
            }

            if (c == (byte)'\\')
            {
                escaped = true;
                pos += 2;
                continue;
            }

            pos++;
        }

        while (true)
        {
            if (pos >= json.Length)
            {
                MatchContext.ThrowInvalid("Unterminated string.");
            }

            var offset = json[pos..].IndexOfAny(QuoteOrBackslash);
            if (offset < 0)
            {
                MatchContext.ThrowInvalid("Unterminated string.");
            }

            pos += offset;
            if (json[pos] == (byte)'"')
            {
                return pos;
            }

            escaped = true;
            pos += 2;
        }
    }

    /// <summary>
    /// Like <see cref="FindStringEnd"/> for a field name, also telling whether it holds a dot (a
    /// dotted key names a nested path) or an escape.
    /// </summary>
    public static int FindKeyEnd(ReadOnlySpan<byte> json, int start, out bool escaped, out bool dotted)
    {
        escaped = false;
        dotted = false;
        var pos = start;
        while (pos < json.Length)
        {
            var c = json[pos];
            if (c == (byte)'"')
            {
                return pos;
            }

            if (c == (byte)'.')
            {
                dotted = true;
            }
            else if (c == (byte)'\\')
            {
                escaped = true;
                pos++;
            }

            pos++;
        }

        MatchContext.ThrowInvalid("Unterminated string.");
        return -1;
    }

    /// <summary>Returns the position after a number's characters (no validation beyond the character set).</summary>
    public static int SkipNumber(ReadOnlySpan<byte> json, int pos)
    {
        while (pos < json.Length)
        {
            var c = json[pos];
            if ((c >= (byte)'0' && c <= (byte)'9') || c == (byte)'-' || c == (byte)'+' || c == (byte)'.' || c == (byte)'e' || c == (byte)'E')
            {
                pos++;
                continue;
            }

            break;
        }

        return pos;
    }

    /// <summary>Returns the position after the value that starts at <paramref name="pos"/>.</summary>
    public static int SkipValue(ReadOnlySpan<byte> json, int pos)
    {
        if (pos >= json.Length)
        {
            MatchContext.ThrowInvalid("Expected a value.");
        }

        var c = json[pos];
        switch (c)
        {
            case (byte)'"':
                return FindStringEnd(json, pos + 1, out _) + 1;
            case (byte)'{':
            case (byte)'[':
                return SkipContainer(json, pos);
            case (byte)'t':
                return Literal(json, pos, "true"u8);
            case (byte)'f':
                return Literal(json, pos, "false"u8);
            case (byte)'n':
                return Literal(json, pos, "null"u8);
            default:
                var end = SkipNumber(json, pos);
                if (end == pos)
                {
                    MatchContext.ThrowInvalid("Unexpected character in a value.");
                }

                return end;
        }
    }

    private static int Literal(ReadOnlySpan<byte> json, int pos, ReadOnlySpan<byte> literal)
    {
        if (!json[pos..].StartsWith(literal))
        {
            MatchContext.ThrowInvalid("Unexpected character in a value.");
        }

        return pos + literal.Length;
    }

    /// <summary>Skips an object or array starting at <paramref name="pos"/>; returns the position after it.</summary>
    public static int SkipContainer(ReadOnlySpan<byte> json, int pos)
    {
        var depth = 0;
        var inString = false;
        if (Vector256.IsHardwareAccelerated)
        {
            var quote = Vector256.Create((byte)'"');
            var backslash = Vector256.Create((byte)'\\');
            var openBrace = Vector256.Create((byte)'{');
            var closeBrace = Vector256.Create((byte)'}');
            var openBracket = Vector256.Create((byte)'[');
            var closeBracket = Vector256.Create((byte)']');
            while (pos + 32 <= json.Length)
            {
                var block = Vector256.Create(json.Slice(pos, 32));
                if (Vector256.EqualsAny(block, backslash))
                {
                    // Escapes are rare in skipped data: do this block a byte at a time.
                    var end = ScalarStep(json, ref pos, pos + 32, ref depth, ref inString);
                    if (end >= 0)
                    {
                        return end;
                    }

                    continue;
                }

                var quotes = Vector256.Equals(block, quote).ExtractMostSignificantBits();
                var opens = (Vector256.Equals(block, openBrace) | Vector256.Equals(block, openBracket)).ExtractMostSignificantBits();
                var closes = (Vector256.Equals(block, closeBrace) | Vector256.Equals(block, closeBracket)).ExtractMostSignificantBits();

                // Bit i of 'strings' is set when byte i is inside a string (opening quote included).
                var strings = PrefixXor(quotes);
                if (inString)
                {
                    strings = ~strings;
                }

                opens &= ~strings;
                closes &= ~strings;
                inString = (strings & 0x8000_0000u) != 0;

                var closeCount = BitOperations.PopCount(closes);
                if (closeCount < depth)
                {
                    depth += BitOperations.PopCount(opens) - closeCount;
                    pos += 32;
                    continue;
                }

                var brackets = opens | closes;
                while (brackets != 0)
                {
                    var bit = BitOperations.TrailingZeroCount(brackets);
                    brackets &= brackets - 1;
                    if ((opens & (1u << bit)) != 0)
                    {
                        depth++;
                    }
                    else if (--depth == 0)
                    {
                        return pos + bit + 1;
                    }
                }

                pos += 32;
            }
        }

        var result = ScalarStep(json, ref pos, json.Length, ref depth, ref inString);
        if (result < 0)
        {
            MatchContext.ThrowInvalid("Unterminated object or array.");
        }

        return result;
    }

    /// <summary>Inclusive prefix xor: bit i is the parity of the set bits at or below i.</summary>
    private static uint PrefixXor(uint x)
    {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        return x;
    }

    /// <summary>
    /// Scans bytes until <paramref name="limit"/> (it may run past it to finish an escape); returns
    /// the position after the container when its depth reaches zero, else -1.
    /// </summary>
    private static int ScalarStep(ReadOnlySpan<byte> json, ref int pos, int limit, ref int depth, ref bool inString)
    {
        while (pos < limit)
        {
            var c = json[pos];
            if (inString)
            {
                if (c == (byte)'\\')
                {
                    pos += 2;
                    continue;
                }

                if (c == (byte)'"')
                {
                    inString = false;
                }

                pos++;
                continue;
            }

            switch (c)
            {
                case (byte)'"':
                    inString = true;
                    break;
                case (byte)'{':
                case (byte)'[':
                    depth++;
                    break;
                case (byte)'}':
                case (byte)']':
                    if (--depth == 0)
                    {
                        return pos + 1;
                    }

                    break;
            }

            pos++;
        }

        if (pos > json.Length)
        {
            MatchContext.ThrowInvalid("Unterminated string.");
        }

        return -1;
    }

    /// <summary>Decodes JSON string escapes into <paramref name="destination"/>; returns bytes written, or -1 when an escape is invalid.</summary>
    public static int Unescape(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c != (byte)'\\')
            {
                destination[written++] = c;
                i++;
                continue;
            }

            if (i + 1 >= source.Length)
            {
                return -1;
            }

            var e = source[i + 1];
            i += 2;
            switch (e)
            {
                case (byte)'"': destination[written++] = (byte)'"'; break;
                case (byte)'\\': destination[written++] = (byte)'\\'; break;
                case (byte)'/': destination[written++] = (byte)'/'; break;
                case (byte)'b': destination[written++] = 0x08; break;
                case (byte)'f': destination[written++] = 0x0C; break;
                case (byte)'n': destination[written++] = (byte)'\n'; break;
                case (byte)'r': destination[written++] = (byte)'\r'; break;
                case (byte)'t': destination[written++] = (byte)'\t'; break;
                case (byte)'u':
                    if (!TryHex4(source, i, out var unit))
                    {
                        return -1;
                    }

                    i += 4;
                    var scalar = (int)unit;
                    if (char.IsHighSurrogate((char)unit) && i + 6 <= source.Length && source[i] == (byte)'\\' && source[i + 1] == (byte)'u'
                        && TryHex4(source, i + 2, out var low) && char.IsLowSurrogate((char)low))
                    {
                        scalar = char.ConvertToUtf32((char)unit, (char)low);
                        i += 6;
                    }
                    else if (char.IsSurrogate((char)unit))
                    {
                        scalar = 0xFFFD;
                    }

                    written += new Rune(scalar).EncodeToUtf8(destination[written..]);
                    break;
                default:
                    return -1;
            }
        }

        return written;
    }

    private static bool TryHex4(ReadOnlySpan<byte> source, int at, out uint value)
    {
        value = 0;
        if (at + 4 > source.Length)
        {
            return false;
        }

        for (var k = 0; k < 4; k++)
        {
            var h = source[at + k];
            uint digit = h switch
            {
                >= (byte)'0' and <= (byte)'9' => (uint)(h - '0'),
                >= (byte)'a' and <= (byte)'f' => (uint)(h - 'a' + 10),
                >= (byte)'A' and <= (byte)'F' => (uint)(h - 'A' + 10),
                _ => 16,
            };
            if (digit == 16)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }
}
