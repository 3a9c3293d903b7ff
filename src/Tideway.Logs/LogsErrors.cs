using System.Globalization;
using System.Text.RegularExpressions;
using Tideway.Primitives;

namespace Tideway.Logs;

/// <summary>The error codes and messages of the CloudWatch Logs API.</summary>
public static class LogsErrors
{
    /// <summary>Error code for bad input.</summary>
    public const string InvalidParameter = "InvalidParameterException";

    /// <summary>Error code for a missing group, stream or resource.</summary>
    public const string ResourceNotFound = "ResourceNotFoundException";

    /// <summary>Error code for a group or stream that exists already.</summary>
    public const string ResourceAlreadyExists = "ResourceAlreadyExistsException";

    /// <summary>Error code of TagResource when a group would have more than 50 tags.</summary>
    public const string TooManyTags = "TooManyTagsException";

    /// <summary>Message of a missing log group.</summary>
    public const string LogGroupNotFound = "The specified log group does not exist.";

    /// <summary>Message of a missing log stream.</summary>
    public const string LogStreamNotFound = "The specified log stream does not exist.";

    /// <summary>Message of a duplicate log group.</summary>
    public const string LogGroupExists = "The specified log group already exists";

    /// <summary>Message of a duplicate log stream.</summary>
    public const string LogStreamExists = "The specified log stream already exists";

    /// <summary>Message of a token that this server did not issue.</summary>
    public const string InvalidNextToken = "The specified nextToken is invalid.";

    /// <summary>Message of an invalid filter pattern.</summary>
    public const string InvalidFilterPattern = "Invalid filter pattern";

    /// <summary>Message of PutLogEvents when timestamps go backwards.</summary>
    public const string NotChronological = "Log events in a single PutLogEvents request must be in chronological order.";

    /// <summary>Message of PutLogEvents when the accepted events span more than 24 hours.</summary>
    public const string SpanTooLong = "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.";

    internal static ServiceException Invalid(string message) => new(InvalidParameter, message);

    internal static ServiceException GroupNotFound() => new(ResourceNotFound, LogGroupNotFound);

    internal static ServiceException StreamNotFound() => new(ResourceNotFound, LogStreamNotFound);
}

/// <summary>
/// Collects constraint violations in the wording of AWS's request validation
/// (<c>1 validation error detected: Value 'x' at 'logGroupName' failed to satisfy constraint: ...</c>) and throws
/// them as one <c>InvalidParameterException</c>.
/// </summary>
internal sealed partial class Validation
{
    public const string LogGroupNamePattern = @"[\.\-_/#A-Za-z0-9]+";
    public const string LogGroupNamePatternOrEmpty = @"[\.\-_/#A-Za-z0-9]*";
    public const string LogStreamNamePattern = "[^:*]*";
    public const string LogGroupIdentifierPattern = @"[\w#+=/:,.@-]*";
    public const string TagKeyPattern = @"^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$";
    public const string TagValuePattern = @"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

    private List<string>? _errors;

    public bool HasErrors => _errors is not null;

    [GeneratedRegex(@"^[\.\-_/#A-Za-z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex GroupNameRegex();

    [GeneratedRegex(@"^[^:*]*$", RegexOptions.CultureInvariant)]
    private static partial Regex StreamNameRegex();

    [GeneratedRegex(@"^[\w#+=/:,.@-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex GroupIdentifierRegex();

    [GeneratedRegex(@"^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TagKeyRegex();

    [GeneratedRegex(@"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex TagValueRegex();

    public void Add(string value, string member, string constraint) =>
        (_errors ??= []).Add($"Value {value} at '{member}' failed to satisfy constraint: {constraint}");

    public static string Quote(string value) => "'" + value + "'";

    public static string Quote(long value) => "'" + value.ToString(CultureInfo.InvariantCulture) + "'";

    /// <summary>A required string: not null, length within bounds.</summary>
    public bool Required(string? value, string member, int min, int max)
    {
        if (value is null)
        {
            Add("null", member, "Member must not be null");
            return false;
        }
        return Length(value, member, min, max);
    }

    /// <summary>An optional string: when present, length within bounds.</summary>
    public bool Length(string? value, string member, int min, int max)
    {
        if (value is null)
        {
            return true;
        }
        var ok = true;
        if (value.Length < min)
        {
            Add(Quote(value), member, $"Member must have length greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}");
            ok = false;
        }
        if (value.Length > max)
        {
            Add(Quote(value), member, $"Member must have length less than or equal to {max.ToString(CultureInfo.InvariantCulture)}");
            ok = false;
        }
        return ok;
    }

    public void Range(long? value, string member, long min, long max)
    {
        if (value is not { } v)
        {
            return;
        }
        if (v < min)
        {
            Add(Quote(v), member, $"Member must have value greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}");
        }
        if (v > max)
        {
            Add(Quote(v), member, $"Member must have value less than or equal to {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>The size of a list or map; the value is shown as <c>[]</c> when empty and <c>[...]</c> otherwise.</summary>
    public void Count(int count, string member, int min, int max)
    {
        if (count < min)
        {
            Add(count == 0 ? "'[]'" : "'[...]'", member, $"Member must have length greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}");
        }
        if (count > max)
        {
            Add("'[...]'", member, $"Member must have length less than or equal to {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>A required log group name: 1–512 characters of <c>[\.\-_/#A-Za-z0-9]</c>.</summary>
    public void GroupName(string? value, string member = "logGroupName")
    {
        Required(value, member, 1, 512);
        if (value is not null && (value.Length == 0 || !GroupNameRegex().IsMatch(value)))
        {
            Add(Quote(value), member, "Member must satisfy regular expression pattern: " + LogGroupNamePattern);
        }
    }

    /// <summary>An optional log group name or name prefix: when present, validated like a name.</summary>
    public void OptionalGroupName(string? value, string member)
    {
        if (value is not null)
        {
            GroupName(value, member);
        }
    }

    public void GroupNamePattern(string? value, string member)
    {
        if (value is not null && Length(value, member, 0, 512))
        {
            Pattern(value, member, GroupNameRegex(), LogGroupNamePatternOrEmpty);
        }
    }

    public void GroupIdentifier(string? value, string member = "logGroupIdentifier")
    {
        if (value is not null && Length(value, member, 1, 2048))
        {
            Pattern(value, member, GroupIdentifierRegex(), LogGroupIdentifierPattern);
        }
    }

    /// <summary>A required log stream name: 1–512 characters, no <c>:</c> or <c>*</c>.</summary>
    public void StreamName(string? value, string member = "logStreamName")
    {
        if (value is null)
        {
            Add("null", member, "Member must not be null");
            return;
        }
        OptionalStreamName(value, member);
    }

    public void OptionalStreamName(string? value, string member)
    {
        if (value is null)
        {
            return;
        }
        Length(value, member, 1, 512);
        Pattern(value, member, StreamNameRegex(), LogStreamNamePattern);
    }

    public void NextToken(string? value, string member = "nextToken") => Length(value, member, 1, int.MaxValue);

    public void Tags(IReadOnlyDictionary<string, string>? tags, string member, bool required)
    {
        if (tags is null)
        {
            if (required)
            {
                Add("null", member, "Member must not be null");
            }
            return;
        }
        Count(tags.Count, member, required ? 1 : 0, 50);
        foreach (var (key, value) in tags)
        {
            TagKey(key, member);
            if (value is null || value.Length > 256 || !TagValueRegex().IsMatch(value))
            {
                Add(Quote(value ?? "null"), member,
                    $"Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: {TagValuePattern}]");
            }
        }
    }

    public void TagKeys(IReadOnlyList<string>? keys, string member)
    {
        if (keys is null)
        {
            Add("null", member, "Member must not be null");
            return;
        }
        Count(keys.Count, member, 1, 50);
        foreach (var key in keys)
        {
            TagKey(key, member);
        }
    }

    private void TagKey(string? key, string member)
    {
        if (key is null || key.Length is < 1 or > 128 || !TagKeyRegex().IsMatch(key))
        {
            Add(Quote(key ?? "null"), member,
                $"Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: {TagKeyPattern}]");
        }
    }

    private void Pattern(string value, string member, Regex regex, string patternText)
    {
        if (!regex.IsMatch(value))
        {
            Add(Quote(value), member, "Member must satisfy regular expression pattern: " + patternText);
        }
    }

    /// <summary>Throws the collected violations, if any, as one InvalidParameterException.</summary>
    public void ThrowIfAny()
    {
        if (_errors is null)
        {
            return;
        }
        var count = _errors.Count.ToString(CultureInfo.InvariantCulture);
        var noun = _errors.Count == 1 ? "error" : "errors";
        throw LogsErrors.Invalid($"{count} validation {noun} detected: {string.Join("; ", _errors)}");
    }
}
