using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Tideway.Transform;

/// <summary>What one step of a <see cref="JsonPath"/> selects.</summary>
internal enum PathSegmentKind : byte
{
    /// <summary>A member of an object, by name (<c>.name</c>).</summary>
    Name,

    /// <summary>An element of an array, by position (<c>[2]</c>).</summary>
    Index,

    /// <summary>Every member of an object or element of an array (<c>.*</c> or <c>[*]</c>).</summary>
    Wildcard,
}

/// <summary>One step of a <see cref="JsonPath"/>.</summary>
internal readonly struct PathSegment
{
    private PathSegment(PathSegmentKind kind, byte[]? utf8Name, int index)
    {
        Kind = kind;
        Utf8Name = utf8Name;
        Index = index;
    }

    public PathSegmentKind Kind { get; }

    /// <summary>The member name as UTF-8, for <see cref="PathSegmentKind.Name"/>.</summary>
    public byte[]? Utf8Name { get; }

    /// <summary>The array position, for <see cref="PathSegmentKind.Index"/>.</summary>
    public int Index { get; }

    public static PathSegment ForName(string name) => new(PathSegmentKind.Name, Encoding.UTF8.GetBytes(name), 0);

    public static PathSegment ForIndex(int index) => new(PathSegmentKind.Index, null, index);

    public static PathSegment Wildcard { get; } = new(PathSegmentKind.Wildcard, null, 0);
}

/// <summary>
/// The JSONPath subset EventBridge accepts in <c>InputPath</c> and <c>InputPathsMap</c>: a path
/// rooted at <c>$</c>, dot notation with names of letters, digits, <c>-</c>, <c>_</c>, <c>/</c> and
/// <c>:</c>, array positions (<c>[0]</c>) and wildcards (<c>.*</c>, <c>[*]</c>). Quoted bracket
/// notation (<c>$['a']</c>), deep scan (<c>..</c>), filters and slices are refused, as EventBridge
/// refuses them. A path with a wildcard is indefinite: it selects a list, as in Jayway JsonPath.
/// </summary>
internal sealed class JsonPath
{
    private JsonPath(string text, PathSegment[] segments, bool isDefinite)
    {
        Text = text;
        Segments = segments;
        IsDefinite = isDefinite;
    }

    public string Text { get; }

    public PathSegment[] Segments { get; }

    /// <summary>Whether the path selects at most one value (it has no wildcard).</summary>
    public bool IsDefinite { get; }

    public static bool TryParse(string text, [NotNullWhen(true)] out JsonPath? path)
    {
        path = null;
        if (text.Length == 0 || text[0] != '$')
        {
            return false;
        }

        var segments = new List<PathSegment>();
        var definite = true;
        var i = 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '.')
            {
                i++;
                if (i < text.Length && text[i] == '*')
                {
                    segments.Add(PathSegment.Wildcard);
                    definite = false;
                    i++;
                    continue;
                }

                var start = i;
                while (i < text.Length && IsNameChar(text[i]))
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }

                segments.Add(PathSegment.ForName(text[start..i]));
            }
            else if (c == '[')
            {
                i++;
                if (i < text.Length && text[i] == '*')
                {
                    i++;
                    if (i >= text.Length || text[i] != ']')
                    {
                        return false;
                    }

                    segments.Add(PathSegment.Wildcard);
                    definite = false;
                    i++;
                    continue;
                }

                var index = 0;
                var start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    index = (index * 10) + (text[i] - '0');
                    if (index > 100_000_000)
                    {
                        return false;
                    }

                    i++;
                }

                if (i == start || i >= text.Length || text[i] != ']')
                {
                    return false;
                }

                segments.Add(PathSegment.ForIndex(index));
                i++;
            }
            else
            {
                return false;
            }
        }

        path = new JsonPath(text, [.. segments], definite);
        return true;
    }

    private static bool IsNameChar(char c) =>
        char.IsLetterOrDigit(c) || c is '-' or '_' or '/' or ':';
}
