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

    /// <summary>The attributes of a new queue: defaults overlaid with the validated given ones.</summary>
    public static Dictionary<string, string> ForNewQueue(string queueName, IReadOnlyDictionary<string, string> given, Func<string, bool> deadLetterExists)
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
        Apply(attributes, given, fifo, creating: true, deadLetterExists);
        return attributes;
    }

    /// <summary>Validates <paramref name="changes"/> and applies them to <paramref name="attributes"/>.</summary>
    public static void Apply(Dictionary<string, string> attributes, IReadOnlyDictionary<string, string> changes, bool fifo, bool creating, Func<string, bool> deadLetterExists)
    {
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
            attributes[name] = Normalize(name, value, fifo, deadLetterExists);
        }
    }

    private static string Normalize(string name, string value, bool fifo, Func<string, bool> deadLetterExists)
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
                return value.Length == 0 ? value : NormalizeRedrivePolicy(value, fifo, deadLetterExists);
            case "Policy":
            case "RedriveAllowPolicy":
                if (value.Length > 0 && !IsJsonObject(value))
                {
                    throw Invalid(name);
                }
                return value;
            default:
                return value;
        }
    }

    private static string NormalizeRedrivePolicy(string value, bool fifo, Func<string, bool> deadLetterExists)
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
        if (!deadLetterExists(arn))
        {
            throw RedriveInvalid(value, "Dead letter target does not exist.");
        }
        return "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":" + maxReceive.Value.ToString(CultureInfo.InvariantCulture) + "}";
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
