using System.Globalization;
using System.Text.Json;

namespace Tideway.Patterns;

/// <summary>One field condition of a clause: a path and the tests of which any one must hold.</summary>
internal sealed class Condition(string[] path, IReadOnlyList<ValueTest> tests, bool allowsAbsence)
{
    /// <summary>The field's path; keys containing dots are split so that <c>a.b</c> and <c>a</c> → <c>b</c> are one path.</summary>
    public string[] Path { get; } = path;

    public IReadOnlyList<ValueTest> Tests { get; } = tests;

    /// <summary>True when the condition also holds where the field has no leaf value (<c>exists: false</c>).</summary>
    public bool AllowsAbsence { get; } = allowsAbsence;
}

/// <summary>A parsed pattern in disjunctive normal form: it matches when any clause's conditions all hold.</summary>
internal sealed class ParsedPattern(IReadOnlyList<IReadOnlyList<Condition>> clauses)
{
    public IReadOnlyList<IReadOnlyList<Condition>> Clauses { get; } = clauses;
}

/// <summary>
/// Parses and validates event patterns, with the reasons Amazon EventBridge gives for invalid ones.
/// Control-plane code: it may allocate freely.
/// </summary>
internal static class PatternParser
{
    /// <summary>Patterns expand <c>$or</c> into at most this many clauses.</summary>
    public const int MaxClauses = 10_000;

    /// <summary>...and at most this many conditions over all its clauses.</summary>
    public const int MaxExpandedConditions = 100_000;

    private const int MaxDepth = 2048;

    public static ParsedPattern Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
            // As EventBridge's parser does, read the first value and ignore what follows it.
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw Invalid(JsonSyntaxReason(utf8, e), e);
        }

        using (document)
        {
            try
            {
                return ParseDocument(document.RootElement);
            }
            catch (InvalidOperationException e)
            {
                // A string with a lone surrogate escape (\ud800) or invalid UTF-8 cannot be read as text.
                throw Invalid("Invalid character in a string: " + e.Message, e);
            }
        }
    }

    private static ParsedPattern ParseDocument(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("Filter is not an object");
        }

        var clauses = ParseObject(root, []);
        var total = 0L;
        foreach (var clause in clauses)
        {
            total += clause.Count;
        }

        if (total > MaxExpandedConditions)
        {
            throw Invalid("Rule is too complex - try using fewer $or relationships");
        }

        KeepLastConditionPerPath(clauses);
        CheckComplexity(clauses);
        return new ParsedPattern(clauses);
    }

    private static List<List<Condition>> ParseObject(JsonElement obj, string[] prefix)
    {
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Invalid("The pattern nests objects too deeply");
        }

        var members = new List<KeyValuePair<string, JsonElement>>();
        foreach (var property in obj.EnumerateObject())
        {
            members.Add(new(property.Name, property.Value));
        }

        if (members.Count == 0)
        {
            throw Invalid("Empty objects are not allowed");
        }

        var result = new List<List<Condition>> { new() };
        foreach (var (name, value) in members)
        {
            if (name == "$or" && IsOrList(value))
            {
                var alternatives = new List<List<Condition>>();
                foreach (var element in value.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Object)
                    {
                        throw Invalid("Only JSON object is allowed in array of $or relationship.");
                    }

                    alternatives.AddRange(ParseObject(element, prefix));
                }

                result = Cross(result, alternatives);
                continue;
            }

            var path = Append(prefix, name);
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    result = Cross(result, ParseObject(value, path));
                    break;
                case JsonValueKind.Array:
                    var condition = ParseValueArray(value, path);
                    foreach (var clause in result)
                    {
                        clause.Add(condition);
                    }

                    break;
                default:
                    throw Invalid("\"" + name + "\" must be an object or an array");
            }
        }

        return result;
    }

    /// <summary>
    /// A field path given twice (a key repeated in one object, or <c>a.b</c> beside <c>a</c> → <c>b</c>):
    /// the later condition replaces the earlier, per path, as event-ruler does. Different paths under a
    /// repeated key all stay, and a repeated <c>$or</c> is crossed like any other.
    /// </summary>
    private static void KeepLastConditionPerPath(List<List<Condition>> clauses)
    {
        foreach (var clause in clauses)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = clause.Count - 1; i >= 0; i--)
            {
                if (!seen.Add(string.Join('\u0001', clause[i].Path)))
                {
                    clause.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// Whether a <c>$or</c> key is the or-relationship keyword. It is, with EventBridge's errors, unless its
    /// value is an object, or an array of match expressions or of plain values: then <c>$or</c> is a
    /// plain field name (as event-ruler's legacy compiler reads it, and as issue 2 asks).
    /// </summary>
    private static bool IsOrList(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return false;
            case JsonValueKind.Array:
                break;
            default:
                throw Invalid("It must be an Array followed with $or.");
        }

        var elements = value.EnumerateArray().ToList();
        if (elements.Count == 0)
        {
            throw Invalid("There must have at least 2 Objects in $or relationship.");
        }

        if (elements[0].ValueKind != JsonValueKind.Object)
        {
            if (elements.Exists(e => e.ValueKind == JsonValueKind.Object))
            {
                throw Invalid("Only JSON object is allowed in array of $or relationship.");
            }

            return false;
        }

        using (var first = elements[0].EnumerateObject())
        {
            if (first.MoveNext() && IsMatchType(first.Current.Name))
            {
                return false;
            }
        }

        foreach (var element in elements)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("Only JSON object is allowed in array of $or relationship.");
            }

            CheckNoReservedNames(element);
        }

        if (elements.Count < 2)
        {
            throw Invalid("There must have at least 2 Objects in $or relationship.");
        }

        return true;
    }

    /// <summary>Inside a <c>$or</c> branch, no key at any depth may be a match-type word.</summary>
    private static void CheckNoReservedNames(JsonElement branch)
    {
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Invalid("The pattern nests objects too deeply");
        }

        foreach (var property in branch.EnumerateObject())
        {
            if (IsReservedInOr(property.Name))
            {
                throw Invalid(property.Name + " is Ruler reserved fieldName which cannot be used inside $or.");
            }

            if (property.Value.ValueKind == JsonValueKind.Object && property.Name != "$or")
            {
                CheckNoReservedNames(property.Value);
            }
        }
    }

    private static bool IsReservedInOr(string name) => IsMatchType(name) || name is "=" or "<" or "<=" or ">" or ">=" or "regex"
        or "not-wildcard" or "not-equals-ignore-case" or "date-after" or "date-on-or-after" or "date-before" or "date-on-or-before"
        or "in-date-range" or "ip-address-in-range" or "ip-address-not-in-range";

    private static bool IsMatchType(string name) => name is "prefix" or "suffix" or "equals-ignore-case" or "wildcard"
        or "anything-but" or "numeric" or "exists" or "cidr" or "exactly";

    private static List<List<Condition>> Cross(List<List<Condition>> left, List<List<Condition>> right)
    {
        long conditions = 0;
        foreach (var l in left)
        {
            conditions += (long)l.Count * right.Count;
        }

        foreach (var r in right)
        {
            conditions += (long)r.Count * left.Count;
        }

        if ((long)left.Count * right.Count > MaxClauses || conditions > MaxExpandedConditions)
        {
            throw Invalid("Rule is too complex - try using fewer $or relationships");
        }

        var result = new List<List<Condition>>(left.Count * right.Count);
        foreach (var l in left)
        {
            foreach (var r in right)
            {
                var clause = new List<Condition>(l.Count + r.Count);
                clause.AddRange(l);
                clause.AddRange(r);
                result.Add(clause);
            }
        }

        return result;
    }

    private static string[] Append(string[] prefix, string name)
    {
        var parts = name.Split('.');
        var path = new string[prefix.Length + parts.Length];
        prefix.CopyTo(path, 0);
        parts.CopyTo(path, prefix.Length);
        return path;
    }

    private static Condition ParseValueArray(JsonElement array, string[] path)
    {
        if (array.GetArrayLength() == 0)
        {
            throw Invalid("Empty arrays are not allowed");
        }

        var tests = new List<ValueTest>();
        var allowsAbsence = false;
        foreach (var element in array.EnumerateArray())
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    tests.Add(ValueTest.ExactString(element.GetString()!));
                    break;
                case JsonValueKind.Number:
                    tests.Add(ValueTest.ExactNumber(ReadNumber(element)));
                    break;
                case JsonValueKind.True:
                    tests.Add(ValueTest.Literal(TestKind.ExactTrue));
                    break;
                case JsonValueKind.False:
                    tests.Add(ValueTest.Literal(TestKind.ExactFalse));
                    break;
                case JsonValueKind.Null:
                    tests.Add(ValueTest.Literal(TestKind.ExactNull));
                    break;
                case JsonValueKind.Object:
                    var test = ParseMatchExpression(element);
                    if (test is null)
                    {
                        allowsAbsence = true;
                    }
                    else
                    {
                        tests.Add(test);
                    }

                    break;
                default:
                    throw Invalid("Match value must be String, number, true, false, or null");
            }
        }

        return new Condition(path, tests, allowsAbsence);
    }

    /// <summary>Parses one match expression; returns null for <c>exists: false</c>.</summary>
    private static ValueTest? ParseMatchExpression(JsonElement obj)
    {
        using var properties = obj.EnumerateObject();
        if (!properties.MoveNext())
        {
            throw Invalid("Match expression name not found");
        }

        var property = properties.Current;
        var value = property.Value;
        ValueTest? test = property.Name switch
        {
            "exactly" => value.ValueKind == JsonValueKind.String
                ? ValueTest.ExactString(value.GetString()!)
                : throw Invalid("exact match pattern must be a string"),
            "prefix" => ParsePrefixOrSuffix(value, TestKind.Prefix, TestKind.PrefixIgnoreCase, "prefix"),
            "suffix" => ParsePrefixOrSuffix(value, TestKind.Suffix, TestKind.SuffixIgnoreCase, "suffix"),
            "equals-ignore-case" => value.ValueKind == JsonValueKind.String
                ? ValueTest.ForText(TestKind.EqualsIgnoreCase, value.GetString()!)
                : throw Invalid("equals-ignore-case match pattern must be a string"),
            "wildcard" => value.ValueKind == JsonValueKind.String
                ? ValueTest.ForWildcard(TestKind.Wildcard, ParseWildcard(value.GetString()!))
                : throw Invalid("wildcard match pattern must be a string"),
            "anything-but" => ParseAnythingBut(value),
            "numeric" => ParseNumeric(value),
            "exists" => value.ValueKind switch
            {
                JsonValueKind.True => ValueTest.Exists(),
                JsonValueKind.False => null,
                _ => throw Invalid("exists match pattern must be either true or false."),
            },
            "cidr" => ParseCidr(value),
            _ => throw Invalid("Unrecognized match type " + property.Name),
        };

        if (properties.MoveNext())
        {
            throw Invalid(ExtraKeyReason(property.Name));
        }

        return test;
    }

    private static string ExtraKeyReason(string matchType) => matchType is "numeric" or "anything-but"
        ? "Too many elements in numeric expression"
        : "Only one key allowed in match expression";

    private static ValueTest ParsePrefixOrSuffix(JsonElement value, TestKind kind, TestKind ignoreCaseKind, string name)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return ValueTest.ForText(kind, value.GetString()!);
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var title = char.ToUpperInvariant(name[0]) + name[1..];
            using var properties = value.EnumerateObject();
            if (!properties.MoveNext())
            {
                throw Invalid(title + " expression name not found");
            }

            if (properties.Current.Name != "equals-ignore-case")
            {
                throw Invalid("Unsupported " + name + " pattern: " + properties.Current.Name);
            }

            var inner = properties.Current.Value;
            if (inner.ValueKind != JsonValueKind.String)
            {
                throw Invalid("equals-ignore-case match pattern must be a string");
            }

            if (properties.MoveNext())
            {
                throw Invalid("Only one key allowed in match expression");
            }

            return ValueTest.ForText(ignoreCaseKind, inner.GetString()!);
        }

        throw Invalid(name + " match pattern must be a string");
    }

    private static WildcardPattern ParseWildcard(string source) =>
        WildcardPattern.TryParse(source, out var reason) ?? throw Invalid(reason!);

    /// <summary>Rejects a rule whose wildcards on one field would make the automaton explode.</summary>
    private static void CheckComplexity(List<List<Condition>> clauses)
    {
        var byField = new Dictionary<string, HashSet<string>>();
        var patterns = new Dictionary<string, List<WildcardPattern>>();
        foreach (var clause in clauses)
        {
            foreach (var condition in clause)
            {
                foreach (var test in condition.Tests)
                {
                    if (test.Kind != TestKind.Wildcard)
                    {
                        continue;
                    }

                    var field = string.Join('\u0001', condition.Path);
                    if (!byField.TryGetValue(field, out var sources))
                    {
                        byField[field] = sources = [];
                        patterns[field] = [];
                    }

                    if (sources.Add(test.Wildcard!.Source))
                    {
                        patterns[field].Add(test.Wildcard);
                    }
                }
            }
        }

        foreach (var group in patterns.Values)
        {
            if (WildcardComplexity.IsTooComplex(group))
            {
                throw Invalid("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character");
            }
        }
    }

    private static ValueTest ParseAnythingBut(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return ValueTest.AnythingBut([value.GetString()!], []);
            case JsonValueKind.Number:
                return ValueTest.AnythingBut([], [ReadNumber(value)]);
            case JsonValueKind.Array:
                {
                    var strings = new List<string>();
                    var numbers = new List<double>();
                    foreach (var element in value.EnumerateArray())
                    {
                        switch (element.ValueKind)
                        {
                            case JsonValueKind.String:
                                strings.Add(element.GetString()!);
                                break;
                            case JsonValueKind.Number:
                                numbers.Add(ReadNumber(element));
                                break;
                            default:
                                throw Invalid("Inside anything but list, start|null|boolean is not supported.");
                        }
                    }

                    if ((strings.Count == 0) == (numbers.Count == 0))
                    {
                        throw Invalid("Inside anything but list, either all values are number or string, mixed type is not supported");
                    }

                    return ValueTest.AnythingBut(strings, numbers);
                }

            case JsonValueKind.Object:
                return ParseAnythingButObject(value);
            default:
                throw Invalid("Value of anything-but must be an array or single string/number value.");
        }
    }

    private static ValueTest ParseAnythingButObject(JsonElement obj)
    {
        using var properties = obj.EnumerateObject();
        if (!properties.MoveNext())
        {
            throw Invalid("Anything-But expression name not found");
        }

        var property = properties.Current;
        var value = property.Value;
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Object
            && property.Name is "prefix" or "suffix" or "equals-ignore-case" or "wildcard")
        {
            throw Invalid("Value of anything-but must be an array or single string/number value.");
        }

        ValueTest test;
        switch (property.Name)
        {
            case "prefix":
            case "suffix":
                {
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        throw Invalid("Value of anything-but must be an array or single string/number value.");
                    }

                    var affixes = ReadStringOrStrings(value, "prefix/suffix match pattern must be a string");
                    if (affixes.Exists(a => a.Length == 0))
                    {
                        throw Invalid("Null prefix/suffix not allowed");
                    }

                    test = ValueTest.AnythingButAffix(property.Name == "prefix" ? TestKind.AnythingButPrefix : TestKind.AnythingButSuffix, affixes);
                    break;
                }

            case "equals-ignore-case":
                test = ValueTest.AnythingButIgnoreCase(ReadStringOrStrings(value, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."));
                break;
            case "wildcard":
                test = ValueTest.AnythingButWildcards(ReadStringOrStrings(value, "wildcard match pattern must be a string").ConvertAll(ParseWildcard));
                break;
            default:
                throw Invalid("Unsupported anything-but pattern: " + property.Name);
        }

        if (properties.MoveNext())
        {
            throw Invalid("Too many elements in numeric expression");
        }

        return test;
    }

    private static List<string> ReadStringOrStrings(JsonElement value, string reason)
    {
        var result = new List<string>();
        if (value.ValueKind == JsonValueKind.String)
        {
            result.Add(value.GetString()!);
            return result;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(reason);
        }

        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                throw Invalid(reason);
            }

            result.Add(element.GetString()!);
        }

        return result;
    }

    /// <summary>Parses <c>[op, n]</c> or <c>[&gt;|&gt;=, n, &lt;|&lt;=, n]</c>, checking in event-ruler's order.</summary>
    private static ValueTest ParseNumeric(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("Value of numeric must be an array.");
        }

        var items = value.EnumerateArray().ToList();
        if (items.Count == 0 || items[0].ValueKind != JsonValueKind.String)
        {
            throw Invalid("Invalid member in numeric match: " + (items.Count == 0 ? "]" : TokenText(items[0])));
        }

        var first = items[0].GetString()!;
        var bound = OperandOf(items, 1, first);
        switch (first)
        {
            case "=":
            case "<":
            case "<=":
                if (items.Count > 2)
                {
                    throw Invalid("Too many elements in numeric expression");
                }

                return ValueTest.ForRange(first == "="
                    ? NumericRange.Equal(bound)
                    : new NumericRange(double.NegativeInfinity, false, bound, first == "<="));
            case ">":
            case ">=":
                break;
            default:
                throw Invalid("Unrecognized numeric range operator: " + first);
        }

        if (items.Count == 2)
        {
            return ValueTest.ForRange(new NumericRange(bound, first == ">=", double.PositiveInfinity, false));
        }

        if (items[2].ValueKind != JsonValueKind.String)
        {
            throw Invalid("Bad value in numeric range: " + TokenText(items[2]));
        }

        var second = items[2].GetString()!;
        if (second is not ("<" or "<="))
        {
            throw Invalid("Bad numeric range operator: " + second);
        }

        var top = OperandOf(items, 3, second);
        if (items.Count > 4)
        {
            throw Invalid("Too many terms in numeric range expression");
        }

        if (!(bound < top))
        {
            throw Invalid("Bottom must be less than top");
        }

        return ValueTest.ForRange(new NumericRange(bound, first == ">=", top, second == "<="));
    }

    private static double OperandOf(List<JsonElement> items, int index, string op)
    {
        if (index < items.Count && items[index].ValueKind == JsonValueKind.Number)
        {
            return ReadNumber(items[index]);
        }

        if (op is "=" or "<" or "<=" or ">" or ">=")
        {
            throw Invalid("Value of " + (op == "=" ? "equals" : op) + " must be numeric");
        }

        throw Invalid("Unrecognized numeric range operator: " + op);
    }

    private static string TokenText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{",
        JsonValueKind.Array => "[",
        JsonValueKind.String => element.GetString()!,
        _ => element.GetRawText(),
    };

    private static ValueTest ParseCidr(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid("prefix match pattern must be a string");
        }

        if (!CidrBlock.TryParse(value.GetString()!, out var block, out var reason))
        {
            throw Invalid(reason!);
        }

        return ValueTest.ForCidr(block);
    }

    private static double ReadNumber(JsonElement element)
    {
        var raw = element.GetRawText();
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || double.IsInfinity(number))
        {
            throw Invalid("Value " + raw + " is out of the range of numbers");
        }

        return number;
    }

    private static string JsonSyntaxReason(ReadOnlySpan<byte> utf8, JsonException e)
    {
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(utf8);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return "Invalid UTF-8 in the pattern";
        }

        return JsonSyntax.Describe(text) ?? e.Message;
    }

    public static InvalidEventPatternException Invalid(string reason) => new(reason);

    private static InvalidEventPatternException Invalid(string reason, Exception inner) => new(reason, inner);
}
