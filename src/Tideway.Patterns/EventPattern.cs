using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Tideway.Patterns;

/// <summary>
/// A valid Amazon EventBridge event pattern. Parsing validates it with the rules and messages of
/// EventBridge; <see cref="Matches(ReadOnlySpan{byte})"/> tests one event against it. To test many
/// patterns against each event, add them to a <see cref="PatternMatcher{TRule}"/>.
/// </summary>
public sealed class EventPattern
{
    private PatternMatcher<int>? _single;

    private EventPattern(string json, ParsedPattern parsed)
    {
        Json = json;
        Parsed = parsed;
    }

    /// <summary>The pattern's JSON text as it was given.</summary>
    public string Json { get; }

    internal ParsedPattern Parsed { get; }

    /// <summary>Parses and validates a pattern.</summary>
    /// <param name="json">The pattern's JSON text.</param>
    /// <returns>The pattern.</returns>
    /// <exception cref="InvalidEventPatternException">The pattern is not valid; the message is EventBridge's.</exception>
    public static EventPattern Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new EventPattern(json, PatternParser.Parse(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>Parses and validates a pattern given as UTF-8 bytes.</summary>
    /// <param name="utf8Json">The pattern's JSON text as UTF-8.</param>
    /// <returns>The pattern.</returns>
    /// <exception cref="InvalidEventPatternException">The pattern is not valid; the message is EventBridge's.</exception>
    public static EventPattern Parse(ReadOnlySpan<byte> utf8Json) =>
        new(Encoding.UTF8.GetString(utf8Json), PatternParser.Parse(utf8Json));

    /// <summary>Parses and validates a pattern without throwing.</summary>
    /// <param name="json">The pattern's JSON text.</param>
    /// <param name="pattern">The pattern when it is valid.</param>
    /// <param name="error">EventBridge's message when it is not.</param>
    /// <returns>Whether the pattern is valid.</returns>
    public static bool TryParse(string json, [NotNullWhen(true)] out EventPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        try
        {
            pattern = Parse(json);
            error = null;
            return true;
        }
        catch (InvalidEventPatternException e)
        {
            pattern = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Tests one event.</summary>
    /// <param name="utf8Event">The event's JSON as UTF-8; it must be a JSON object.</param>
    /// <returns>Whether the pattern matches the event.</returns>
    /// <exception cref="InvalidEventException">The event is not a JSON object.</exception>
    public bool Matches(ReadOnlySpan<byte> utf8Event)
    {
        var matcher = _single;
        if (matcher is null)
        {
            var created = new PatternMatcher<int>();
            created.Add(0, this);
            matcher = Interlocked.CompareExchange(ref _single, created, null);
            if (matcher is null)
            {
                matcher = created;
            }
            else
            {
                created.Dispose();
            }
        }

        return matcher.MatchesAny(utf8Event);
    }

    /// <summary>Tests one event given as text.</summary>
    /// <param name="eventJson">The event's JSON; it must be a JSON object.</param>
    /// <returns>Whether the pattern matches the event.</returns>
    /// <exception cref="InvalidEventException">The event is not a JSON object.</exception>
    public bool Matches(string eventJson)
    {
        ArgumentNullException.ThrowIfNull(eventJson);
        return Matches(Encoding.UTF8.GetBytes(eventJson));
    }

    /// <inheritdoc />
    public override string ToString() => Json;
}
