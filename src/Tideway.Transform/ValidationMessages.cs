using System.Text;

namespace Tideway.Transform;

/// <summary>
/// The messages of the <c>ValidationException</c> EventBridge returns from PutTargets. Messages that
/// name the target say <c>for target &lt;Id&gt;</c>; without an Id that part is left out. Request-model
/// constraint messages name the member relative to the target (<c>inputTransformer.inputPathsMap</c>);
/// EventBridge prefixes the target's position (<c>targets.1.member.</c>), which only the caller knows.
/// </summary>
internal static class ValidationMessages
{
    public const int MaxInputLength = 8192;
    public const int MaxInputPathLength = 256;
    public const int MaxInputTemplateLength = 8192;
    public const int MaxInputPathsMapEntries = 100;
    public const int MaxInputPathsMapKeyLength = 256;
    public const int MaxInputPathsMapValueLength = 256;

    public static string OnlyOneInputKind(string? targetId) =>
        $"Only one of Input, InputPath, or InputTransformer must be provided{ForTarget(targetId)}.";

    public static string InputNotJson(string? targetId) => $"JSON syntax error in input{ForTarget(targetId)}.";

    public static string InputPathInvalid(string? targetId) => $"InputPath{ForTarget(targetId)} is invalid.";

    public static string InvalidPlaceholder(string? targetId, string name) =>
        $"InputTemplate{ForTarget(targetId)} contains invalid placeholder {name}.";

    public static string EventJsonOutsideJsonTemplate(string? targetId) =>
        $"InputTemplate{ForTarget(targetId)} contains placeholder aws.events.event.json valid only for JSON template.";

    public static string TemplateNotJson(string? targetId) => $"Input{ForTarget(targetId)} is not a valid JSON text.";

    public static string TooLong(string member, string value, int max) =>
        $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}";

    public static string TooShort(string member, string value, int min) =>
        $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}";

    public static string TemplateMissing() =>
        "1 validation error detected: Value null at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must not be null";

    public static string TooManyEntries(IReadOnlyDictionary<string, string> map) =>
        $"1 validation error detected: Value '{Describe(map)}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: Member must have length less than or equal to {MaxInputPathsMapEntries}";

    public static string InvalidKey(IReadOnlyDictionary<string, string> map, string key)
    {
        var failed = new List<string>();
        if (key.Length > MaxInputPathsMapKeyLength)
        {
            failed.Add($"Member must have length less than or equal to {MaxInputPathsMapKeyLength}");
        }

        if (key.Length < 1)
        {
            failed.Add("Member must have length greater than or equal to 1");
        }

        if (!IsValidKey(key))
        {
            failed.Add(@"Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+");
        }

        return $"1 validation error detected: Value '{Describe(map)}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: [{string.Join(", ", failed)}]";
    }

    public static string ValueTooLong(IReadOnlyDictionary<string, string> map) =>
        $"1 validation error detected: Value '{Describe(map)}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to {MaxInputPathsMapValueLength}]";

    /// <summary>Whether an <c>InputPathsMap</c> key fits the request model: 1 to 256 of <c>[A-Za-z0-9_-]</c>.</summary>
    public static bool IsValidKey(string key)
    {
        if (key.Length is < 1 or > MaxInputPathsMapKeyLength)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                return false;
            }
        }

        return true;
    }

    private static string ForTarget(string? targetId) => targetId is null ? string.Empty : " for target " + targetId;

    // The request model prints a map the way Java prints one: {key=value, key=value}.
    private static string Describe(IReadOnlyDictionary<string, string> map)
    {
        var text = new StringBuilder("{");
        foreach (var (key, value) in map)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append(key).Append('=').Append(value);
        }

        return text.Append('}').ToString();
    }
}
