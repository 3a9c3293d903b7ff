using System.Diagnostics.CodeAnalysis;
using Tideway.Primitives;

namespace Tideway.Logs;

/// <summary>The form of a filter pattern.</summary>
public enum FilterPatternKind
{
    /// <summary>Empty pattern: every event matches.</summary>
    MatchAll,

    /// <summary>Terms for unstructured events: <c>ERROR</c>, <c>"Failed to connect"</c>, <c>?ERROR ?WARN</c>, <c>ERROR -Exiting</c>.</summary>
    Terms,

    /// <summary>A standalone regular expression between percent signs: <c>%ERROR [0-9]+%</c>.</summary>
    Regex,

    /// <summary>A JSON pattern: <c>{ $.level = "ERROR" &amp;&amp; $.latency &gt; 100 }</c>.</summary>
    Json,

    /// <summary>A space-delimited pattern: <c>[ip, user, ..., status_code = 4*, bytes &gt; 1000]</c>.</summary>
    SpaceDelimited,
}

/// <summary>
/// A compiled CloudWatch Logs filter pattern (the language of FilterLogEvents, metric filters, subscription filters
/// and Live Tail). Immutable and safe to share between threads.
/// </summary>
public sealed class FilterPattern
{
    private static readonly IReadOnlyDictionary<string, string> NoValues = new Dictionary<string, string>();

    private readonly LogFilter _filter;

    private FilterPattern(string text, FilterPatternKind kind, LogFilter filter)
    {
        Text = text;
        Kind = kind;
        _filter = filter;
    }

    /// <summary>The pattern that matches every event.</summary>
    public static FilterPattern MatchAll { get; } = new(string.Empty, FilterPatternKind.MatchAll, MatchAllFilter.Instance);

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>Which form of the language the pattern uses.</summary>
    public FilterPatternKind Kind { get; }

    /// <summary>Parses a pattern; an invalid one throws <c>InvalidParameterException</c> with AWS's message.</summary>
    public static FilterPattern Parse(string? text) =>
        TryParse(text, out var pattern, out var error) ? pattern : throw new ServiceException(LogsErrors.InvalidParameter, error);

    /// <summary>Parses a pattern, or gives the AWS error message.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out FilterPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            pattern = MatchAll;
            error = null;
            return true;
        }
        try
        {
            var filter = FilterPatternParser.Parse(text, out var kind);
            pattern = new FilterPattern(text, kind, filter);
            error = null;
            return true;
        }
        catch (FilterPatternException e)
        {
            pattern = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Whether a log event message matches.</summary>
    public bool Matches(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _filter.Matches(message, null);
    }

    /// <summary>Whether a message matches, with the fields a space-delimited pattern extracts (<c>$name</c>, or <c>$position</c> for unnamed fields).</summary>
    public bool Matches(string message, out IReadOnlyDictionary<string, string> extractedValues)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Kind != FilterPatternKind.SpaceDelimited)
        {
            extractedValues = NoValues;
            return _filter.Matches(message, null);
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var matched = _filter.Matches(message, values);
        extractedValues = matched ? values : NoValues;
        return matched;
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
