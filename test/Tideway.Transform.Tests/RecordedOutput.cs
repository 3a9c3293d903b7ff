using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tideway.Transform.Tests;

/// <summary>
/// Compares a rendered output with one recorded from EventBridge, reading the recording's
/// placeholders (SOURCES.md) as wildcards: <c>date</c> (a whole word) is an ISO-8601 timestamp,
/// <c>&lt;uuid:N&gt;</c> a UUID (the same N the same value), <c>&lt;ingestion-time&gt;</c> any value,
/// and the account, region, partition, bus and rule names the values <see cref="TestEvents"/> used.
/// </summary>
internal sealed partial class RecordedOutput
{
    private const string IsoTimestamp = @"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})";
    private const string Uuid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    private readonly Dictionary<string, string> _uuids = new(StringComparer.Ordinal);

    /// <summary>Whether an exact recorded body matches the output, byte for byte apart from placeholders.</summary>
    public bool MatchesExactly(string recorded, string actual, out string why)
    {
        if (MatchesText(recorded, actual))
        {
            why = string.Empty;
            return true;
        }

        why = $"expected (with placeholders) {recorded}\n  but got {actual}";
        return false;
    }

    /// <summary>Whether the output parses as JSON equal to a recorded (parsed) body, key order included.</summary>
    public bool MatchesJson(JsonElement recorded, string actual, out string why)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(actual);
        }
        catch (JsonException e)
        {
            why = $"the output is not JSON ({e.Message}): {actual}";
            return false;
        }

        using (document)
        {
            var problem = Compare(recorded, document.RootElement, "$");
            why = problem is null ? string.Empty : problem + "\n  output: " + actual;
            return problem is null;
        }
    }

    private string? Compare(JsonElement expected, JsonElement actual, string at)
    {
        if (expected.ValueKind == JsonValueKind.String && expected.GetString() == "<ingestion-time>")
        {
            return null;
        }

        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{at}: expected a {expected.ValueKind}, got {actual.GetRawText()}";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).ToList();
                if (!expectedNames.SequenceEqual(actualNames))
                {
                    return $"{at}: expected keys [{string.Join(", ", expectedNames)}] in this order, got [{string.Join(", ", actualNames)}]";
                }

                foreach (var property in expected.EnumerateObject())
                {
                    var problem = Compare(property.Value, actual.GetProperty(property.Name), at + "." + property.Name);
                    if (problem is not null)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{at}: expected {expected.GetArrayLength()} elements, got {actual.GetRawText()}";
                }

                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    var problem = Compare(expected[i], actual[i], $"{at}[{i}]");
                    if (problem is not null)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.String:
                return MatchesText(expected.GetString()!, actual.GetString()!) ? null : $"{at}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            case JsonValueKind.Number:
                return expected.GetRawText() == actual.GetRawText() ? null : $"{at}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            default:
                return null;
        }
    }

    private bool MatchesText(string recorded, string actual)
    {
        var pattern = new StringBuilder(@"\A");
        var groups = new List<(string Group, string Token)>();
        var last = 0;
        foreach (Match token in Placeholder().Matches(recorded))
        {
            pattern.Append(Regex.Escape(recorded[last..token.Index]));
            last = token.Index + token.Length;
            switch (token.Value)
            {
                case "date":
                    pattern.Append(IsoTimestamp);
                    break;
                case "<ingestion-time>":
                    pattern.Append(".*?");
                    break;
                case "<region>":
                    pattern.Append(Regex.Escape(TestEvents.Region));
                    break;
                case "<partition>":
                    pattern.Append("aws");
                    break;
                case "<bus-name>":
                    pattern.Append(Regex.Escape(TestEvents.BusName));
                    break;
                case "<rule-name>":
                    pattern.Append(Regex.Escape(TestEvents.RuleName));
                    break;
                case TestEvents.Account:
                    pattern.Append(TestEvents.Account);
                    break;
                default:
                    var group = "u" + groups.Count;
                    groups.Add((group, token.Value));
                    pattern.Append($"(?<{group}>{Uuid})");
                    break;
            }
        }

        pattern.Append(Regex.Escape(recorded[last..])).Append(@"\z");
        var match = Regex.Match(actual, pattern.ToString(), RegexOptions.CultureInvariant);
        if (!match.Success)
        {
            return false;
        }

        foreach (var (group, token) in groups)
        {
            var value = match.Groups[group].Value;
            if (_uuids.TryGetValue(token, out var seen) && seen != value)
            {
                return false;
            }

            _uuids[token] = value;
        }

        return true;
    }

    [GeneratedRegex(@"<uuid:\d+>|<ingestion-time>|<region>|<partition>|<bus-name>|<rule-name>|111111111111|\bdate\b", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
