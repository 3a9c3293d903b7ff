using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Tideway.Transform;

/// <summary>Where a placeholder's value comes from.</summary>
internal enum VariableSource : byte
{
    /// <summary>A variable of <c>InputPathsMap</c>: the value of its path in the event.</summary>
    Path,

    /// <summary><c>aws.events.rule-arn</c>.</summary>
    RuleArn,

    /// <summary><c>aws.events.rule-name</c>.</summary>
    RuleName,

    /// <summary><c>aws.events.event.ingestion-time</c>.</summary>
    IngestionTime,

    /// <summary><c>aws.events.event</c>: the event without <c>detail</c>, as EventBridge's own object.</summary>
    Event,

    /// <summary><c>aws.events.event.json</c>: the whole event as JSON.</summary>
    EventJson,
}

/// <summary>A run of template text, or one placeholder and whether it stands inside a JSON string.</summary>
internal readonly record struct TemplatePart(byte[]? Literal, VariableSource Source, int PathId, bool InString, string? Name);

/// <summary>
/// An <c>InputTemplate</c> cut into literal text and placeholders, each placeholder marked with
/// whether it stands inside a double-quoted string of the template. Rendering copies the text of
/// a string template as given (whitespace and line breaks included) and that of a JSON template
/// minified (the user guide: the JSON passed to the target is minified), and writes each value by
/// its place:
/// <list type="bullet">
/// <item>outside quotes, the value as JSON: a string with its quotes, a number, boolean, null,
/// object or array as it is (compact); a path that selects nothing gives <c>""</c>;</item>
/// <item>inside quotes, the value as text: a string without its quotes (escaped as in the event),
/// a number, boolean or null as its literal; nothing for a path that selects nothing. An object or
/// array inside quotes is written without the quotes of its strings (<c>{a:b}</c>) in a string
/// template, and makes the output undeliverable in a JSON template.</item>
/// </list>
/// A template is a JSON template when its first character other than whitespace is <c>{</c>.
/// </summary>
internal sealed class CompiledTemplate
{
    public const string RuleArnName = "aws.events.rule-arn";
    public const string RuleNameName = "aws.events.rule-name";
    public const string IngestionTimeName = "aws.events.event.ingestion-time";
    public const string EventName = "aws.events.event";
    public const string EventJsonName = "aws.events.event.json";

    // aws.events.event: the event's fields in the order and with the names EventBridge writes them.
    private static readonly string[] EventFieldPaths = ["$.id", "$.account", "$.detail-type", "$.time", "$.source", "$.region", "$.resources", "$.version"];
    private static readonly byte[][] EventFieldKeys = [.. new[] { "id", "account", "detailType", "time", "source", "region", "resources", "version" }.Select(k => Encoding.UTF8.GetBytes(k))];

    private readonly TemplatePart[] _parts;
    private readonly int[] _eventFieldPathIds;

    private CompiledTemplate(TemplatePart[] parts, bool isJson, int[] eventFieldPathIds)
    {
        _parts = parts;
        IsJson = isJson;
        _eventFieldPathIds = eventFieldPathIds;
    }

    /// <summary>Whether the template is a JSON object (its first character other than whitespace is <c>{</c>).</summary>
    public bool IsJson { get; }

    /// <summary>Cuts a template into parts and checks it as PutTargets does.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="variables">The <c>InputPathsMap</c> variables and the ids of their paths.</param>
    /// <param name="paths">Where the paths <c>aws.events.event</c> needs are added.</param>
    /// <param name="targetId">The target's Id, for messages.</param>
    /// <param name="compiled">The template when it is valid.</param>
    /// <param name="error">EventBridge's message when it is not.</param>
    public static bool TryCompile(
        string template,
        IReadOnlyDictionary<string, int> variables,
        EventSelectorBuilder paths,
        string? targetId,
        [NotNullWhen(true)] out CompiledTemplate? compiled,
        [NotNullWhen(false)] out string? error)
    {
        compiled = null;
        var isJson = IsJsonTemplate(template);
        var parts = new List<TemplatePart>();
        var literal = new StringBuilder();

        // The template as JSON with each placeholder outside quotes standing for a value, to check a JSON template's shape.
        var shape = new StringBuilder(template.Length);
        var inString = false;
        var escaped = false;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '<' && TryReadPlaceholder(template, i, out var name))
            {
                escaped = false;
                VariableSource source;
                var pathId = -1;
                if (variables.TryGetValue(name, out var id))
                {
                    source = VariableSource.Path;
                    pathId = id;
                }
                else if (!TryGetPredefined(name, out source))
                {
                    error = ValidationMessages.InvalidPlaceholder(targetId, name);
                    return false;
                }

                if (literal.Length > 0)
                {
                    parts.Add(Literal(literal.ToString()));
                    literal.Clear();
                }

                parts.Add(new TemplatePart(null, source, pathId, inString, name));
                if (!inString)
                {
                    shape.Append("null");
                }

                i += name.Length + 1;
                continue;
            }

            shape.Append(c);

            // A JSON template is delivered minified: whitespace between its tokens is left out.
            if (isJson && !inString && c is ' ' or '\t' or '\n' or '\r')
            {
                continue;
            }

            literal.Append(c);

            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
        }

        if (literal.Length > 0)
        {
            parts.Add(Literal(literal.ToString()));
        }

        var usesEvent = false;
        foreach (var part in parts)
        {
            if (part.Literal is not null)
            {
                continue;
            }

            if (part.Source == VariableSource.EventJson && (!isJson || part.InString))
            {
                error = ValidationMessages.EventJsonOutsideJsonTemplate(targetId);
                return false;
            }

            usesEvent |= part.Source == VariableSource.Event;
        }

        if (isJson && !JsonText.IsOneJsonValue(Encoding.UTF8.GetBytes(shape.ToString())))
        {
            error = ValidationMessages.TemplateNotJson(targetId);
            return false;
        }

        var eventFieldPathIds = Array.Empty<int>();
        if (usesEvent)
        {
            eventFieldPathIds = new int[EventFieldPaths.Length];
            for (var i = 0; i < EventFieldPaths.Length; i++)
            {
                if (!JsonPath.TryParse(EventFieldPaths[i], out var path))
                {
                    throw new UnreachableException();
                }

                eventFieldPathIds[i] = paths.Add(path);
            }
        }

        compiled = new CompiledTemplate([.. parts], isJson, eventFieldPathIds);
        error = null;
        return true;
    }

    /// <summary>Writes the template for one event whose paths <paramref name="captures"/> holds.</summary>
    public bool TryRender(
        ReadOnlySpan<byte> utf8Event,
        CaptureList captures,
        EventSelector selector,
        in TransformContext context,
        IBufferWriter<byte> destination,
        [NotNullWhen(false)] out string? error)
    {
        // Check first, so that nothing is written for an output that cannot be delivered.
        if (IsJson)
        {
            foreach (var part in _parts)
            {
                if (part.Literal is null && part.InString && IsContainer(part, captures, selector))
                {
                    error = $"InputTemplate places <{part.Name}>, whose value is a JSON object or array, inside a JSON string; EventBridge does not deliver such an output.";
                    return false;
                }
            }
        }

        foreach (var part in _parts)
        {
            if (part.Literal is not null)
            {
                JsonText.Write(destination, part.Literal);
                continue;
            }

            switch (part.Source)
            {
                case VariableSource.RuleArn:
                    JsonText.WriteString(destination, context.RuleArn ?? string.Empty, withQuotes: !part.InString);
                    break;
                case VariableSource.RuleName:
                    JsonText.WriteString(destination, context.RuleName ?? string.Empty, withQuotes: !part.InString);
                    break;
                case VariableSource.IngestionTime:
                    JsonText.WriteString(destination, context.IngestionTime ?? string.Empty, withQuotes: !part.InString);
                    break;
                case VariableSource.EventJson:
                    JsonText.CopyCompact(destination, utf8Event, dropQuotes: false);
                    break;
                case VariableSource.Event:
                    WriteEvent(utf8Event, captures, destination, unquoted: part.InString);
                    break;
                default:
                    WritePathValue(utf8Event, captures, selector[part.PathId], part.PathId, destination, part.InString);
                    break;
            }
        }

        error = null;
        return true;
    }

    /// <summary>Writes a path's value by its place in a template (see the type's summary).</summary>
    public static void WritePathValue(ReadOnlySpan<byte> utf8Event, CaptureList captures, JsonPath path, int pathId, IBufferWriter<byte> destination, bool inString)
    {
        if (!path.IsDefinite)
        {
            WriteList(utf8Event, captures, pathId, destination, unquoted: inString);
            return;
        }

        if (!captures.TryGetLast(pathId, out var capture))
        {
            if (!inString)
            {
                JsonText.Write(destination, "\"\""u8);
            }

            return;
        }

        var raw = utf8Event.Slice(capture.Start, capture.Length);
        switch (capture.TokenType)
        {
            case JsonTokenType.String:
                JsonText.Write(destination, inString ? raw[1..^1] : raw);
                break;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                JsonText.CopyCompact(destination, raw, dropQuotes: inString);
                break;
            default:
                JsonText.Write(destination, raw);
                break;
        }
    }

    /// <summary>Writes every value an indefinite path selected, as a JSON array in document order.</summary>
    public static void WriteList(ReadOnlySpan<byte> utf8Event, CaptureList captures, int pathId, IBufferWriter<byte> destination, bool unquoted)
    {
        JsonText.Write(destination, (byte)'[');
        var first = true;
        foreach (var capture in captures.Items)
        {
            if (capture.PathId != pathId)
            {
                continue;
            }

            if (!first)
            {
                JsonText.Write(destination, (byte)',');
            }

            first = false;
            JsonText.CopyCompact(destination, utf8Event.Slice(capture.Start, capture.Length), unquoted);
        }

        JsonText.Write(destination, (byte)']');
    }

    private static bool IsContainer(in TemplatePart part, CaptureList captures, EventSelector selector)
    {
        switch (part.Source)
        {
            case VariableSource.Event or VariableSource.EventJson:
                return true;
            case VariableSource.Path:
                if (!selector[part.PathId].IsDefinite)
                {
                    return true;
                }

                return captures.TryGetLast(part.PathId, out var capture)
                    && capture.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray;
            default:
                return false;
        }
    }

    private void WriteEvent(ReadOnlySpan<byte> utf8Event, CaptureList captures, IBufferWriter<byte> destination, bool unquoted)
    {
        JsonText.Write(destination, (byte)'{');
        var first = true;
        for (var i = 0; i < _eventFieldPathIds.Length; i++)
        {
            if (!captures.TryGetLast(_eventFieldPathIds[i], out var capture))
            {
                continue;
            }

            if (!first)
            {
                JsonText.Write(destination, (byte)',');
            }

            first = false;
            if (!unquoted)
            {
                JsonText.Write(destination, (byte)'"');
            }

            JsonText.Write(destination, EventFieldKeys[i]);
            if (!unquoted)
            {
                JsonText.Write(destination, (byte)'"');
            }

            JsonText.Write(destination, (byte)':');
            JsonText.CopyCompact(destination, utf8Event.Slice(capture.Start, capture.Length), unquoted);
        }

        JsonText.Write(destination, (byte)'}');
    }

    private static TemplatePart Literal(string text) => new(Encoding.UTF8.GetBytes(text), VariableSource.Path, -1, false, null);

    /// <summary>
    /// Reads <c>&lt;name&gt;</c> at <paramref name="start"/>. A name is made of letters, digits,
    /// <c>_</c>, <c>-</c> and <c>.</c> (the keys InputPathsMap allows, and the predefined names);
    /// anything else between angle brackets is text.
    /// </summary>
    private static bool TryReadPlaceholder(string template, int start, [NotNullWhen(true)] out string? name)
    {
        var i = start + 1;
        while (i < template.Length && (char.IsAsciiLetterOrDigit(template[i]) || template[i] is '_' or '-' or '.'))
        {
            i++;
        }

        if (i == start + 1 || i >= template.Length || template[i] != '>')
        {
            name = null;
            return false;
        }

        name = template[(start + 1)..i];
        return true;
    }

    private static bool TryGetPredefined(string name, out VariableSource source)
    {
        source = name switch
        {
            RuleArnName => VariableSource.RuleArn,
            RuleNameName => VariableSource.RuleName,
            IngestionTimeName => VariableSource.IngestionTime,
            EventName => VariableSource.Event,
            EventJsonName => VariableSource.EventJson,
            _ => VariableSource.Path,
        };
        return source != VariableSource.Path;
    }

    private static bool IsJsonTemplate(string template)
    {
        foreach (var c in template)
        {
            if (c is not (' ' or '\t' or '\n' or '\r'))
            {
                return c == '{';
            }
        }

        return false;
    }
}
