using System.Text;

namespace Tideway.Patterns;

/// <summary>
/// A compiled <c>wildcard</c> pattern: literal segments separated by <c>*</c>. <c>\*</c> and <c>\\</c>
/// stand for a literal star and backslash. Matching is greedy left to right, which is exact for a
/// language whose only operator is "any run of characters".
/// </summary>
internal sealed class WildcardPattern
{
    private readonly byte[][] _segments;

    private WildcardPattern(string source, byte[][] segments)
    {
        Source = source;
        _segments = segments;
    }

    public string Source { get; }

    /// <summary>The number of <c>*</c> wildcards.</summary>
    public int WildcardCount => _segments.Length - 1;

    /// <summary>Parses a wildcard pattern; on failure returns null and the AWS reason.</summary>
    public static WildcardPattern? TryParse(string source, out string? reason)
    {
        var segments = new List<byte[]>();
        var current = new StringBuilder();
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c == '\\')
            {
                if (i + 1 < source.Length && source[i + 1] is '*' or '\\')
                {
                    current.Append(source[i + 1]);
                    i++;
                    continue;
                }

                reason = "Invalid escape character at pos " + QuotedBytePosition(source, i);
                return null;
            }

            if (c == '*')
            {
                if (i + 1 < source.Length && source[i + 1] == '*')
                {
                    reason = "Consecutive wildcard characters at pos " + QuotedBytePosition(source, i);
                    return null;
                }

                segments.Add(Encoding.UTF8.GetBytes(current.ToString()));
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        segments.Add(Encoding.UTF8.GetBytes(current.ToString()));
        reason = null;
        return new WildcardPattern(source, [.. segments]);
    }

    /// <summary>EventBridge's error positions: the UTF-8 byte offset in the value with its opening quote.</summary>
    private static int QuotedBytePosition(string source, int charIndex) => Encoding.UTF8.GetByteCount(source.AsSpan(0, charIndex)) + 1;

    /// <summary>The literal text between wildcards, first to last.</summary>
    public IReadOnlyList<byte[]> Segments => _segments;

    public bool IsMatch(ReadOnlySpan<byte> text)
    {
        var segments = _segments;
        if (segments.Length == 1)
        {
            return text.SequenceEqual(segments[0]);
        }

        var first = segments[0];
        var last = segments[^1];
        if (text.Length < first.Length + last.Length || !text.StartsWith(first) || !text.EndsWith(last))
        {
            return false;
        }

        var middle = text[first.Length..(text.Length - last.Length)];
        for (var s = 1; s < segments.Length - 1; s++)
        {
            var segment = segments[s];
            if (segment.Length == 0)
            {
                continue;
            }

            var at = middle.IndexOf(segment);
            if (at < 0)
            {
                return false;
            }

            middle = middle[(at + segment.Length)..];
        }

        return true;
    }
}
