using System.Text;

namespace Tideway.Patterns;

/// <summary>
/// Case folding for <c>equals-ignore-case</c> and the other ignore-case forms: each code point is
/// mapped through its simple upper-case and then lower-case mapping (invariant culture), so that
/// every case variant of a letter, across Unicode, folds to one form.
/// </summary>
internal static class CaseFolding
{
    public static string Fold(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            builder.Append(Rune.ToLowerInvariant(Rune.ToUpperInvariant(rune)).ToString());
        }

        return builder.ToString();
    }

    /// <summary>The most bytes <see cref="FoldUtf8"/> can write for an input of a given length.</summary>
    public static int MaxFoldedLength(int utf8Length) => (utf8Length * 3) + 4;

    /// <summary>Folds UTF-8 text into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int FoldUtf8(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        // ASCII (nearly all text in practice) folds to lower case; short values a byte at a time.
        var i = 0;
        if (source.Length > 32)
        {
            if (System.Text.Ascii.ToLower(source, destination, out var lowered) == System.Buffers.OperationStatus.Done)
            {
                return lowered;
            }
        }
        else
        {
            while (i < source.Length)
            {
                var b = source[i];
                if (b >= 0x80)
                {
                    break;
                }

                destination[i] = (byte)((uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20 : b);
                i++;
            }

            if (i == source.Length)
            {
                return i;
            }
        }

        var written = i;
        while (i < source.Length)
        {
            var b = source[i];
            if (b < 0x80)
            {
                destination[written++] = (byte)((uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20 : b);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf8(source[i..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                // Not valid UTF-8: keep the byte as it is.
                destination[written++] = b;
                i++;
                continue;
            }

            var folded = Rune.ToLowerInvariant(Rune.ToUpperInvariant(rune));
            written += folded.EncodeToUtf8(destination[written..]);
            i += consumed;
        }

        return written;
    }
}
