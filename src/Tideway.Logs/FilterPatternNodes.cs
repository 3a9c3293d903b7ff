using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tideway.Logs;

/// <summary>A compiled pattern form.</summary>
internal abstract class LogFilter
{
    /// <summary>Whether the message matches; a space-delimited filter fills <paramref name="extracted"/> when given.</summary>
    public abstract bool Matches(string message, Dictionary<string, string>? extracted);
}

internal sealed class MatchAllFilter : LogFilter
{
    public static readonly MatchAllFilter Instance = new();

    public override bool Matches(string message, Dictionary<string, string>? extracted) => true;
}

/// <summary>
/// Unstructured terms, matched as case-sensitive substrings: every plain term must occur, at least one
/// <c>?term</c> must occur when there are any, and no <c>-term</c> may occur.
/// </summary>
internal sealed class TermsFilter(string[] all, string[] any, string[] none) : LogFilter
{
    public override bool Matches(string message, Dictionary<string, string>? extracted)
    {
        foreach (var term in none)
        {
            if (message.Contains(term, StringComparison.Ordinal))
            {
                return false;
            }
        }
        foreach (var term in all)
        {
            if (!message.Contains(term, StringComparison.Ordinal))
            {
                return false;
            }
        }
        if (any.Length == 0)
        {
            return true;
        }
        foreach (var term in any)
        {
            if (message.Contains(term, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

internal sealed class RegexFilter(Regex regex) : LogFilter
{
    public override bool Matches(string message, Dictionary<string, string>? extracted) => regex.IsMatch(message);
}

internal enum CompareOp
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

internal enum ValueKind
{
    String,
    Number,
    Regex,
}

internal enum WildcardKind
{
    Exact,
    Prefix,
    Suffix,
    Contains,
    Any,
}

/// <summary>
/// The right-hand side of a comparison: a string (a leading and/or trailing <c>*</c> is a wildcard; a <c>*</c>
/// elsewhere is literal), a number, or a regular expression.
/// </summary>
internal sealed class PatternValue
{
    private PatternValue(ValueKind kind, string text, double number, WildcardKind wildcard, string core, Regex? regex)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Wildcard = wildcard;
        Core = core;
        Regex = regex;
    }

    public ValueKind Kind { get; }

    /// <summary>The literal as written (unquoted).</summary>
    public string Text { get; }

    public double Number { get; }

    public WildcardKind Wildcard { get; }

    /// <summary>The string without its wildcard stars.</summary>
    public string Core { get; }

    public Regex? Regex { get; }

    public static PatternValue ForString(string text)
    {
        if (text == "*")
        {
            return new PatternValue(ValueKind.String, text, 0, WildcardKind.Any, string.Empty, null);
        }
        var leading = text.Length > 0 && text[0] == '*';
        var trailing = text.Length > 1 && text[^1] == '*';
        var (kind, core) = (leading, trailing) switch
        {
            (true, true) => (WildcardKind.Contains, text[1..^1]),
            (true, false) => (WildcardKind.Suffix, text[1..]),
            (false, true) => (WildcardKind.Prefix, text[..^1]),
            _ => (WildcardKind.Exact, text),
        };
        return new PatternValue(ValueKind.String, text, 0, kind, core, null);
    }

    public static PatternValue ForNumber(double number, string text) =>
        new(ValueKind.Number, text, number, WildcardKind.Exact, text, null);

    public static PatternValue ForRegex(Regex regex) =>
        new(ValueKind.Regex, regex.ToString(), 0, WildcardKind.Exact, string.Empty, regex);

    /// <summary>String equality with the wildcards applied.</summary>
    public bool MatchesText(string text) => Wildcard switch
    {
        WildcardKind.Any => true,
        WildcardKind.Prefix => text.StartsWith(Core, StringComparison.Ordinal),
        WildcardKind.Suffix => text.EndsWith(Core, StringComparison.Ordinal),
        WildcardKind.Contains => text.Contains(Core, StringComparison.Ordinal),
        _ => string.Equals(text, Core, StringComparison.Ordinal),
    };

    /// <summary>
    /// A number as the language writes it: an optional sign, digits with an optional decimal part, and an optional
    /// exponent (<c>500</c>, <c>+1000</c>, <c>55.5</c>, <c>10e-3</c>).
    /// </summary>
    public static bool TryParseNumber(string s, out double value)
    {
        value = 0;
        var i = 0;
        if (i < s.Length && s[i] is '+' or '-')
        {
            i++;
        }
        var digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
            digits++;
        }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                digits++;
            }
        }
        if (digits == 0)
        {
            return false;
        }
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-')
            {
                i++;
            }
            var exponent = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                exponent++;
            }
            if (exponent == 0)
            {
                return false;
            }
        }
        return i == s.Length && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>An operator and a value.</summary>
internal sealed class Comparison(CompareOp op, PatternValue value)
{
    public CompareOp Op { get; } = op;

    public PatternValue Value { get; } = value;

    /// <summary>
    /// Compares a text field (a space-delimited field, or the text of a JSON scalar). Against a number: numeric
    /// when the text is a number, otherwise only <c>=</c>/<c>!=</c> by the literal's text.
    /// </summary>
    public bool EvaluateText(string text, double? numeric)
    {
        switch (Value.Kind)
        {
            case ValueKind.Number:
                if (numeric is { } n)
                {
                    return Op switch
                    {
                        CompareOp.Equal => n == Value.Number,
                        CompareOp.NotEqual => n != Value.Number,
                        CompareOp.Less => n < Value.Number,
                        CompareOp.LessOrEqual => n <= Value.Number,
                        CompareOp.Greater => n > Value.Number,
                        _ => n >= Value.Number,
                    };
                }
                return Op switch
                {
                    CompareOp.Equal => string.Equals(text, Value.Text, StringComparison.Ordinal),
                    CompareOp.NotEqual => !string.Equals(text, Value.Text, StringComparison.Ordinal),
                    _ => false,
                };
            case ValueKind.Regex:
                return Value.Regex!.IsMatch(text) == (Op == CompareOp.Equal);
            default:
                return Value.MatchesText(text) == (Op == CompareOp.Equal);
        }
    }
}

// ---- JSON ------------------------------------------------------------------------------------------------------

/// <summary>A selector step: a property name, or (when <see cref="Name"/> is null) an array index.</summary>
internal readonly record struct JsonPathStep(string? Name, int Index);

internal enum JsonTestKind
{
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

internal abstract class JsonExpression
{
    public abstract bool Evaluate(JsonElement root);

    protected static bool TryResolve(JsonElement root, JsonPathStep[] path, out JsonElement element)
    {
        element = root;
        foreach (var step in path)
        {
            if (step.Name is { } name)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return false;
                }
            }
            else if (element.ValueKind != JsonValueKind.Array || step.Index >= element.GetArrayLength())
            {
                return false;
            }
            else
            {
                element = element[step.Index];
            }
        }
        return true;
    }
}

internal sealed class JsonOr(JsonExpression left, JsonExpression right) : JsonExpression
{
    public override bool Evaluate(JsonElement root) => left.Evaluate(root) || right.Evaluate(root);
}

internal sealed class JsonAnd(JsonExpression left, JsonExpression right) : JsonExpression
{
    public override bool Evaluate(JsonElement root) => left.Evaluate(root) && right.Evaluate(root);
}

/// <summary><c>IS NULL</c>, <c>IS TRUE</c>, <c>IS FALSE</c>, <c>NOT EXISTS</c>.</summary>
internal sealed class JsonTest(JsonPathStep[] path, JsonTestKind kind) : JsonExpression
{
    public override bool Evaluate(JsonElement root)
    {
        var found = TryResolve(root, path, out var element);
        return kind switch
        {
            JsonTestKind.NotExists => !found,
            JsonTestKind.IsNull => found && element.ValueKind == JsonValueKind.Null,
            JsonTestKind.IsTrue => found && element.ValueKind == JsonValueKind.True,
            _ => found && element.ValueKind == JsonValueKind.False,
        };
    }
}

/// <summary>
/// A selector compared with a value. The selector must reach a scalar (string, number or boolean): a missing
/// property, <c>null</c>, an object or an array makes both <c>=</c> and <c>!=</c> false.
/// </summary>
internal sealed class JsonComparison(JsonPathStep[] path, Comparison comparison) : JsonExpression
{
    public override bool Evaluate(JsonElement root)
    {
        if (!TryResolve(root, path, out var element))
        {
            return false;
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return comparison.EvaluateText(element.GetString()!, null);
            case JsonValueKind.Number:
                return comparison.EvaluateText(element.GetRawText(), element.TryGetDouble(out var d) ? d : null);
            case JsonValueKind.True:
                return comparison.EvaluateText("true", null);
            case JsonValueKind.False:
                return comparison.EvaluateText("false", null);
            default:
                return false;
        }
    }
}

/// <summary>A JSON pattern: only messages that are JSON objects can match.</summary>
internal sealed class JsonFilter(JsonExpression root) : LogFilter
{
    public override bool Matches(string message, Dictionary<string, string>? extracted)
    {
        var trimmed = message.AsSpan().TrimStart();
        if (trimmed.Length == 0 || trimmed[0] != '{')
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement.ValueKind == JsonValueKind.Object && root.Evaluate(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string in it that is not Unicode text (an escaped surrogate with no pair): no match.
            return false;
        }
    }
}

// ---- space-delimited -------------------------------------------------------------------------------------------

/// <summary>A condition on a named field of a space-delimited pattern.</summary>
internal sealed record FieldCondition(string Field, Comparison Comparison);

/// <summary>
/// One slot of a space-delimited pattern: <c>...</c> (any number of fields), or one field with an optional name and
/// conditions in disjunctive normal form (an OR of ANDs).
/// </summary>
internal sealed record DelimitedSlot(string? Name, FieldCondition[][]? Conditions, bool IsEllipsis)
{
    public static readonly DelimitedSlot Ellipsis = new(null, null, true);
}

/// <summary>
/// A space-delimited pattern. The message is split at spaces; characters between double quotes or square
/// brackets form one field (without the delimiters). Without <c>...</c> the field counts must be equal.
/// </summary>
internal sealed class DelimitedFilter(DelimitedSlot[] slots) : LogFilter
{
    public override bool Matches(string message, Dictionary<string, string>? extracted)
    {
        var fields = Split(message);
        var starts = new int[slots.Length];
        if (!Bind(fields, starts, 0, 0))
        {
            return false;
        }
        if (extracted is not null)
        {
            var owners = new string?[fields.Count];
            for (var s = 0; s < slots.Length; s++)
            {
                if (!slots[s].IsEllipsis)
                {
                    owners[starts[s]] = slots[s].Name;
                }
            }
            for (var f = 0; f < fields.Count; f++)
            {
                extracted["$" + (owners[f] ?? (f + 1).ToString(CultureInfo.InvariantCulture))] = fields[f];
            }
        }
        return true;
    }

    /// <summary>Assigns fields to slots (backtracking over ellipses) until one assignment satisfies every condition.</summary>
    private bool Bind(List<string> fields, int[] starts, int slot, int field)
    {
        if (slot == slots.Length)
        {
            return field == fields.Count && Satisfied(fields, starts);
        }
        starts[slot] = field;
        if (slots[slot].IsEllipsis)
        {
            for (var next = field; next <= fields.Count; next++)
            {
                if (Bind(fields, starts, slot + 1, next))
                {
                    return true;
                }
            }
            return false;
        }
        return field < fields.Count && Bind(fields, starts, slot + 1, field + 1);
    }

    private bool Satisfied(List<string> fields, int[] starts)
    {
        foreach (var slot in slots)
        {
            if (slot.Conditions is not { } ors)
            {
                continue;
            }
            var any = false;
            foreach (var ands in ors)
            {
                var all = true;
                foreach (var condition in ands)
                {
                    var text = fields[starts[Array.FindIndex(slots, s => s.Name == condition.Field)]];
                    double? numeric = PatternValue.TryParseNumber(text, out var d) ? d : null;
                    if (!condition.Comparison.EvaluateText(text, numeric))
                    {
                        all = false;
                        break;
                    }
                }
                if (all)
                {
                    any = true;
                    break;
                }
            }
            if (!any)
            {
                return false;
            }
        }
        return true;
    }

    internal static List<string> Split(string message)
    {
        var fields = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < message.Length && message[i] is ' ' or '\t')
            {
                i++;
            }
            if (i >= message.Length)
            {
                return fields;
            }
            var close = message[i] switch
            {
                '"' => '"',
                '[' => ']',
                _ => '\0',
            };
            if (close != '\0')
            {
                var end = message.IndexOf(close, i + 1);
                if (end < 0)
                {
                    fields.Add(message[(i + 1)..]);
                    return fields;
                }
                fields.Add(message[(i + 1)..end]);
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < message.Length && message[i] is not (' ' or '\t'))
            {
                i++;
            }
            fields.Add(message[start..i]);
        }
    }
}
