using System.Globalization;
using System.Text.Json;
using Tideway.Primitives;

namespace Tideway.Queues;

/// <summary>The queue attributes SQS knows: which are settable, their ranges and defaults.</summary>
public static class QueueAttributes
{
    /// <summary>Default maximum message size: 256 KiB, as the issue and the SQS quota page before August 2025 state.</summary>
    public const int MaximumMessageSizeLimit = 262_144;

    /// <summary>Attribute names returned by <c>All</c>, in the order GetQueueAttributes lists them.</summary>
    public static readonly string[] ReadOnly =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ];

    private static readonly (string Name, int Min, int Max, int Default)[] Ranges =
    [
        ("DelaySeconds", 0, 900, 0),
        ("MaximumMessageSize", 1024, MaximumMessageSizeLimit, MaximumMessageSizeLimit),
        ("MessageRetentionPeriod", 60, 1_209_600, 345_600),
        ("ReceiveMessageWaitTimeSeconds", 0, 20, 0),
        ("VisibilityTimeout", 0, 43_200, 30),
        ("KmsDataKeyReusePeriodSeconds", 60, 86_400, 300),
    ];

    private static readonly string[] FifoOnly = ["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

    private static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout",
        "KmsDataKeyReusePeriodSeconds", "Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled",
        "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    };

    /// <summary>True when <paramref name="name"/> is any attribute SQS knows (settable or read-only).</summary>
    public static bool IsKnown(string name) => Settable.Contains(name) || Array.IndexOf(ReadOnly, name) >= 0;

    /// <summary>
    /// The attributes of a new queue: defaults overlaid with the validated given ones. <paramref name="deadLetterAttributes"/>
    /// gives the attributes of the queue an ARN names, or null when there is none (for a RedrivePolicy's target).
    /// </summary>
    public static Dictionary<string, string> ForNewQueue(string queueName, string queueArn, IReadOnlyDictionary<string, string> given,
        Func<string, IReadOnlyDictionary<string, string>?> deadLetterAttributes, string? existingRedrivePolicy = null)
    {
        var fifo = queueName.EndsWith(".fifo", StringComparison.Ordinal);
        if (given.TryGetValue("FifoQueue", out var fifoValue))
        {
            if (!bool.TryParse(fifoValue, out var fifoFlag))
            {
                throw Invalid("FifoQueue");
            }
            if (fifoFlag != fifo)
            {
                throw new ServiceException("InvalidParameterValue", fifoFlag
                    ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                    : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
            }
        }
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, _, _, value) in Ranges)
        {
            // The Kms* attributes appear only once set (AWS's All lists none of them on a new queue).
            if (name != "KmsDataKeyReusePeriodSeconds")
            {
                attributes[name] = value.ToString(CultureInfo.InvariantCulture);
            }
        }
        attributes["SqsManagedSseEnabled"] = "true";
        if (fifo)
        {
            attributes["FifoQueue"] = "true";
            attributes["ContentBasedDeduplication"] = "false";
            attributes["DeduplicationScope"] = "queue";
            attributes["FifoThroughputLimit"] = "perQueue";
        }
        Apply(attributes, given, fifo, creating: true, queueArn, deadLetterAttributes, existingRedrivePolicy);
        return attributes;
    }

    /// <summary>Validates <paramref name="changes"/> and applies them to <paramref name="attributes"/>.</summary>
    /// <remarks>
    /// A RedrivePolicy must be allowed by its dead-letter queue's RedriveAllowPolicy unless it is the queue's current one
    /// (<paramref name="existingRedrivePolicy"/> for a CreateQueue of a queue that exists): a queue already redriving keeps
    /// doing so, and tools that send every attribute again do not fail.
    /// </remarks>
    public static void Apply(Dictionary<string, string> attributes, IReadOnlyDictionary<string, string> changes, bool fifo, bool creating, string queueArn,
        Func<string, IReadOnlyDictionary<string, string>?> deadLetterAttributes, string? existingRedrivePolicy = null)
    {
        var current = creating ? existingRedrivePolicy : attributes.GetValueOrDefault("RedrivePolicy");
        foreach (var (name, value) in changes)
        {
            if (!Settable.Contains(name))
            {
                throw new ServiceException("InvalidAttributeName", $"Unknown Attribute {name}.");
            }
            if (!fifo && Array.IndexOf(FifoOnly, name) >= 0)
            {
                throw new ServiceException("InvalidAttributeName", $"Unknown Attribute {name}.");
            }
            if (name == "FifoQueue")
            {
                if (!creating)
                {
                    if (!fifo)
                    {
                        throw new ServiceException("InvalidAttributeName", $"Unknown Attribute {name}.");
                    }
                    if (value != "true")
                    {
                        // SQS: a FIFO queue stays FIFO; "true" is accepted and ignored.
                        throw new ServiceException("InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
                    }
                }
                continue;
            }
            attributes[name] = Normalize(name, value, fifo, queueArn, deadLetterAttributes, current);
        }
    }

    private static string Normalize(string name, string value, bool fifo, string queueArn, Func<string, IReadOnlyDictionary<string, string>?> deadLetterAttributes,
        string? currentRedrivePolicy)
    {
        foreach (var (rangeName, min, max, _) in Ranges)
        {
            if (rangeName == name)
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
                {
                    throw Invalid(name);
                }
                return number.ToString(CultureInfo.InvariantCulture);
            }
        }
        switch (name)
        {
            case "SqsManagedSseEnabled":
            case "ContentBasedDeduplication":
                return bool.TryParse(value, out var flag) ? (flag ? "true" : "false") : throw Invalid(name);
            case "DeduplicationScope":
                return value is "messageGroup" or "queue" ? value : throw Invalid(name);
            case "FifoThroughputLimit":
                return value is "perQueue" or "perMessageGroupId" ? value : throw Invalid(name);
            case "RedrivePolicy":
                return value.Length == 0 ? value : NormalizeRedrivePolicy(value, fifo, queueArn, deadLetterAttributes, currentRedrivePolicy);
            case "RedriveAllowPolicy":
                return value.Length == 0 ? value : CheckRedriveAllowPolicy(value);
            case "Policy":
                if (value.Length > 0 && !IsJsonObject(value))
                {
                    throw Invalid(name);
                }
                return value;
            default:
                return value;
        }
    }

    private static string NormalizeRedrivePolicy(string value, bool fifo, string queueArn, Func<string, IReadOnlyDictionary<string, string>?> deadLetterAttributes,
        string? currentRedrivePolicy)
    {
        string? arn = null;
        int? maxReceive = null;
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw RedriveInvalid(value, "Invalid value for RedrivePolicy.");
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "deadLetterTargetArn" when property.Value.ValueKind == JsonValueKind.String:
                        arn = property.Value.GetString();
                        break;
                    case "maxReceiveCount":
                        maxReceive = property.Value.ValueKind switch
                        {
                            JsonValueKind.Number when property.Value.TryGetInt32(out var n) => n,
                            JsonValueKind.String when int.TryParse(property.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                            _ => throw RedriveInvalid(value, "Invalid value for maxReceiveCount."),
                        };
                        break;
                    default:
                        throw RedriveInvalid(value, $"Unknown attribute {property.Name} in RedrivePolicy.");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not Unicode text (an escaped surrogate with no pair).
            throw RedriveInvalid(value, "Invalid value for RedrivePolicy.");
        }
        if (arn is null)
        {
            throw RedriveInvalid(value, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
        }
        if (maxReceive is null)
        {
            throw RedriveInvalid(value, "Redrive policy does not contain mandatory attribute: maxReceiveCount.");
        }
        if (maxReceive < 1 || maxReceive > 1000)
        {
            throw RedriveInvalid(value, "Invalid value for maxReceiveCount: " + maxReceive.Value.ToString(CultureInfo.InvariantCulture) + ", valid values are from 1 to 1000 both inclusive.");
        }
        var arnParts = arn.Split(':');
        if (arnParts.Length != 6 || arnParts[0] != "arn" || arnParts[2] != "sqs" || arnParts[5].Length == 0)
        {
            throw RedriveInvalid(value, "Invalid value for deadLetterTargetArn.");
        }
        if (arn.EndsWith(".fifo", StringComparison.Ordinal) != fifo)
        {
            throw RedriveInvalid(value, "Dead-letter queue must be same type of queue as the source.");
        }
        var deadLetter = deadLetterAttributes(arn) ?? throw RedriveInvalid(value, "Dead letter target does not exist.");
        var normalized = "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":" + maxReceive.Value.ToString(CultureInfo.InvariantCulture) + "}";
        if (normalized != currentRedrivePolicy && !RedriveAllows(deadLetter.GetValueOrDefault("RedriveAllowPolicy"), queueArn))
        {
            throw RedriveInvalid(value, $"The RedriveAllowPolicy of the dead-letter queue {arn} does not allow {queueArn} as a source queue.");
        }
        return normalized;
    }

    /// <summary>The most source queues a <c>byQueue</c> RedriveAllowPolicy names.</summary>
    private const int MaxRedriveSourceQueues = 10;

    /// <summary>
    /// Validates a RedriveAllowPolicy and returns it as given: <c>redrivePermission</c> <c>allowAll</c> (also when
    /// absent), <c>denyAll</c> or <c>byQueue</c>; <c>sourceQueueArns</c>, 1 to 10 queue ARNs, with <c>byQueue</c> only
    /// and required by it.
    /// </summary>
    private static string CheckRedriveAllowPolicy(string value)
    {
        var policy = ReadRedriveAllowPolicy(value, out var reason);
        return policy is null ? throw new ServiceException("InvalidParameterValue", $"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: {reason}") : value;
    }

    /// <summary>Whether a dead-letter queue's RedriveAllowPolicy (null or empty: none) lets <paramref name="sourceArn"/> name it.</summary>
    private static bool RedriveAllows(string? allowPolicy, string sourceArn)
    {
        if (string.IsNullOrEmpty(allowPolicy) || ReadRedriveAllowPolicy(allowPolicy, out _) is not { } policy)
        {
            // None, or one stored before policies were checked: SQS's default, allowAll.
            return true;
        }
        return policy.Permission switch
        {
            "denyAll" => false,
            "byQueue" => Array.IndexOf(policy.SourceQueueArns, sourceArn) >= 0,
            _ => true,
        };
    }

    private static (string Permission, string[] SourceQueueArns)? ReadRedriveAllowPolicy(string value, out string reason)
    {
        string permission = "allowAll";
        string[]? sources = null;
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                reason = "Invalid value for RedriveAllowPolicy.";
                return null;
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "redrivePermission" when property.Value.ValueKind == JsonValueKind.String
                        && property.Value.GetString() is "allowAll" or "denyAll" or "byQueue":
                        permission = property.Value.GetString()!;
                        break;
                    case "redrivePermission":
                        reason = "Invalid value for redrivePermission: valid values are allowAll, denyAll and byQueue.";
                        return null;
                    case "sourceQueueArns" when property.Value.ValueKind == JsonValueKind.Array
                        && property.Value.EnumerateArray().All(static arn => arn.ValueKind == JsonValueKind.String):
                        sources = [.. property.Value.EnumerateArray().Select(static arn => arn.GetString()!)];
                        break;
                    case "sourceQueueArns":
                        reason = "sourceQueueArns must be a list of queue ARNs.";
                        return null;
                    default:
                        reason = $"Unknown attribute {property.Name} in RedriveAllowPolicy.";
                        return null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not Unicode text (an escaped surrogate with no pair).
            reason = "Invalid value for RedriveAllowPolicy.";
            return null;
        }
        if (permission == "byQueue" && (sources is null || sources.Length == 0))
        {
            reason = "sourceQueueArns is required when redrivePermission is byQueue.";
            return null;
        }
        if (permission != "byQueue" && sources is not null)
        {
            reason = "sourceQueueArns can be given only when redrivePermission is byQueue.";
            return null;
        }
        if (sources is { Length: > MaxRedriveSourceQueues })
        {
            reason = $"sourceQueueArns names {sources.Length} queues; at most {MaxRedriveSourceQueues} are allowed (use allowAll for more).";
            return null;
        }
        reason = string.Empty;
        return (permission, sources ?? []);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string, int)> ParsedPolicies = new(StringComparer.Ordinal);

    /// <summary>Reads a stored (normalized) RedrivePolicy; parsed once per distinct policy (every receive asks).</summary>
    public static (string DeadLetterTargetArn, int MaxReceiveCount)? ParseRedrivePolicy(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        if (ParsedPolicies.TryGetValue(value, out var parsed))
        {
            return parsed;
        }
        using var document = JsonDocument.Parse(value);
        var root = document.RootElement;
        parsed = (root.GetProperty("deadLetterTargetArn").GetString()!, root.GetProperty("maxReceiveCount").GetInt32());
        if (ParsedPolicies.Count < 10_000)
        {
            ParsedPolicies[value] = parsed;
        }
        return parsed;
    }

    private static bool IsJsonObject(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ServiceException Invalid(string name) =>
        new("InvalidAttributeValue", $"Invalid value for the parameter {name}.");

    private static ServiceException RedriveInvalid(string value, string reason) =>
        new("InvalidParameterValue", $"Value {value} for parameter RedrivePolicy is invalid. Reason: {reason}");

    /// <summary>An integer attribute of a stored queue.</summary>
    public static int Number(IReadOnlyDictionary<string, string> attributes, string name)
    {
        if (attributes.TryGetValue(name, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        foreach (var (rangeName, _, _, fallback) in Ranges)
        {
            if (rangeName == name)
            {
                return fallback;
            }
        }
        return 0;
    }

    /// <summary>A boolean attribute of a stored queue.</summary>
    public static bool Flag(IReadOnlyDictionary<string, string> attributes, string name) =>
        attributes.TryGetValue(name, out var value) && value == "true";
}
