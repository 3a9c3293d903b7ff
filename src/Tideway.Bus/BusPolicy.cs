using System.Text;
using System.Text.Json;
using Tideway.Primitives;

namespace Tideway.Bus;

/// <summary>
/// An event bus resource policy, parsed once: which accounts may call which actions on the bus. Only the
/// parts EventBridge uses are read: Effect, Principal (<c>"*"</c>, an account id or an
/// <c>arn:aws:iam::ACCOUNT:root</c>), Action (<c>events:PutEvents</c>, <c>events:*</c>, lists) and
/// Resource (the bus ARN, wildcards). A statement with a Condition is never satisfied here (Tideway has
/// no organizations), so it neither allows nor denies. Deny wins over Allow.
/// </summary>
internal sealed class BusPolicy
{
    private readonly List<Statement> _statements;

    private BusPolicy(List<Statement> statements) => _statements = statements;

    /// <summary>The statement ids, for PutPermission and RemovePermission.</summary>
    public IEnumerable<string?> StatementIds => _statements.Select(s => s.Sid);

    private sealed record Statement(string? Sid, bool Allow, string[] Principals, string[] Actions, string[] Resources, bool Conditional);

    /// <summary>Parses a policy document; false with a reason when it is not one.</summary>
    public static bool TryParse(string json, out BusPolicy? policy, out string? error)
    {
        policy = null;
        error = null;
        if (JsonStrings.InvalidText(Encoding.UTF8.GetBytes(json)) is not null)
        {
            // Refused before it is stored: reading such a member later (even one this class ignores) would fail.
            error = "The policy holds a string that is not Unicode text (an escaped surrogate with no pair).";
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Statement", out var statements))
            {
                error = "The policy must be a JSON object with a Statement.";
                return false;
            }
            var list = new List<Statement>();
            foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToArray() : [statements])
            {
                if (statement.ValueKind != JsonValueKind.Object)
                {
                    error = "Each policy statement must be a JSON object.";
                    return false;
                }
                var effect = Text(statement, "Effect");
                if (effect is not ("Allow" or "Deny"))
                {
                    error = "Each policy statement needs an Effect of Allow or Deny.";
                    return false;
                }
                list.Add(new Statement(Text(statement, "Sid"), effect == "Allow", Principals(statement), Strings(statement, "Action"), Strings(statement, "Resource"),
                    statement.TryGetProperty("Condition", out var condition) && condition.ValueKind == JsonValueKind.Object && condition.EnumerateObject().Any()));
            }
            policy = new BusPolicy(list);
            return true;
        }
        catch (JsonException e)
        {
            error = "The policy is not valid JSON: " + e.Message;
            return false;
        }
    }

    /// <summary>True when the policy allows <paramref name="account"/> to call <paramref name="action"/> on <paramref name="resourceArn"/>.</summary>
    public bool Allows(string account, string action, string resourceArn)
    {
        var allowed = false;
        foreach (var statement in _statements)
        {
            if (statement.Conditional || !Matches(statement.Principals, account) || !statement.Actions.Any(a => Wildcard(a, action)) || !statement.Resources.Any(r => Wildcard(r, resourceArn)))
            {
                continue;
            }
            if (!statement.Allow)
            {
                return false;
            }
            allowed = true;
        }
        return allowed;
    }

    private static bool Matches(string[] principals, string account)
    {
        foreach (var principal in principals)
        {
            if (principal == "*" || principal == account || principal == $"arn:aws:iam::{account}:root")
            {
                return true;
            }
        }
        return false;
    }

    private static bool Wildcard(string pattern, string value)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal) && !pattern.Contains('?', StringComparison.Ordinal))
        {
            return string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase);
        }
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(value, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Strings(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return [];
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)],
            _ => [],
        };
    }

    private static string[] Principals(JsonElement statement)
    {
        if (!statement.TryGetProperty("Principal", out var principal))
        {
            return [];
        }
        if (principal.ValueKind == JsonValueKind.String)
        {
            return [principal.GetString()!];
        }
        return principal.ValueKind == JsonValueKind.Object ? Strings(principal, "AWS") : [];
    }
}
