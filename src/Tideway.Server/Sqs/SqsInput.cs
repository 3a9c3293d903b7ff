using System.Globalization;
using System.Text.Json;
using Tideway.Primitives;
using Tideway.Queues;
using Tideway.Wire.AwsQuery;

namespace Tideway.Server.Sqs;

/// <summary>
/// The members of one SQS request, whichever protocol carried it: awsJson1_0 (model member names) or
/// awsQuery (flattened names: <c>Attribute.1.Name</c>, <c>MessageAttribute.1.Value.StringValue</c>, ...).
/// Type errors become the AWS error SQS reports for them.
/// </summary>
internal abstract class SqsInput
{
    public abstract string? String(string name);

    public abstract int? Int32(string name);

    /// <summary>A list of strings: JSON member <paramref name="jsonName"/>, query items <c>queryName.N</c>.</summary>
    public abstract IReadOnlyList<string>? StringList(string jsonName, string queryName);

    /// <summary>A string map: JSON object <paramref name="jsonName"/>, query entries <c>queryName.N.key</c>/<c>queryName.N.value</c>.</summary>
    public abstract IReadOnlyDictionary<string, string>? StringMap(string jsonName, string queryName, string keyField, string valueField);

    /// <summary>Message attributes: JSON map of {DataType, StringValue, BinaryValue}, query <c>queryName.N.Name</c> + <c>.Value.*</c>.</summary>
    public abstract IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes(string jsonName, string queryName);

    /// <summary>Batch entries: JSON array <paramref name="jsonName"/>, query structures <c>queryName.N.*</c>.</summary>
    public abstract IReadOnlyList<SqsInput> Entries(string jsonName, string queryName);

    /// <summary>A SendMessage request, or a SendMessageBatch entry with its <c>Id</c> (empty when missing) when <paramref name="batchEntry"/>.</summary>
    public virtual SendMessageEntry SendEntry(bool batchEntry) => new(
        batchEntry ? String("Id") ?? string.Empty : null,
        String("MessageBody") ?? string.Empty,
        Int32("DelaySeconds"),
        MessageAttributes("MessageAttributes", "MessageAttribute"),
        MessageAttributes("MessageSystemAttributes", "MessageSystemAttribute"),
        String("MessageDeduplicationId"),
        String("MessageGroupId"));

    public string Required(string name) =>
        String(name) is { Length: > 0 } value ? value : throw MissingParameter(name);

    public static ServiceException MissingParameter(string name) =>
        new("MissingParameter", $"The request must contain the parameter {name}.");

    protected static ServiceException InvalidValue(string name, string value, string reason) =>
        new("InvalidParameterValue", $"Value {value} for parameter {name} is invalid. Reason: {reason}");

    protected static byte[] Base64(string name, string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw InvalidValue(name, value, "Binary value is not valid base64.");
        }
    }
}

/// <summary>An awsQuery request (or one batch entry of it).</summary>
internal sealed class QuerySqsInput(AwsQueryForm form) : SqsInput
{
    public override string? String(string name) => form[name];

    public override int? Int32(string name)
    {
        var value = form[name];
        if (value is null)
        {
            return null;
        }
        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw InvalidValue(name, value, "Must be an integer.");
    }

    public override IReadOnlyList<string>? StringList(string jsonName, string queryName)
    {
        var list = form.GetList(queryName);
        return list.Count == 0 ? null : list;
    }

    public override IReadOnlyDictionary<string, string>? StringMap(string jsonName, string queryName, string keyField, string valueField)
    {
        var entries = form.GetEntries(queryName);
        if (entries.Count == 0)
        {
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var key = entry.Members[keyField] ?? throw MissingParameter($"{queryName}.{entry.Index}.{keyField}");
            map[key] = entry.Members[valueField] ?? string.Empty;
        }
        return map;
    }

    public override IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes(string jsonName, string queryName)
    {
        var entries = form.GetEntries(queryName);
        if (entries.Count == 0)
        {
            return null;
        }
        var map = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = entry.Members["Name"] ?? throw MissingParameter($"{queryName}.{entry.Index}.Name");
            var type = entry.Members["Value.DataType"] ?? throw new ServiceException("InvalidParameterValue",
                $"The message attribute '{name}' must contain non-empty message attribute type.");
            var binary = entry.Members["Value.BinaryValue"];
            map[name] = new MessageAttributeValue(type, entry.Members["Value.StringValue"], binary is null ? null : Base64(name, binary));
        }
        return map;
    }

    public override IReadOnlyList<SqsInput> Entries(string jsonName, string queryName)
    {
        var entries = form.GetEntries(queryName);
        var list = new SqsInput[entries.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = new QuerySqsInput(entries[i].Members);
        }
        return list;
    }
}

/// <summary>An awsJson1_0 request (or one batch entry of it).</summary>
internal sealed class JsonSqsInput(JsonElement element) : SqsInput
{
    private JsonElement? Member(string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public override string? String(string name) => String(name, Member(name));

    private static string? String(string name, JsonElement? member) => member switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => throw Serialization(name, value, "string"),
    };

    public override int? Int32(string name) => Int32(name, Member(name));

    private static int? Int32(string name, JsonElement? member) => member switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var n) => n,
        { } value => throw Serialization(name, value, "integer"),
    };

    /// <summary>
    /// One walk over the entry's members instead of a look-up by name for each of seven (a SendMessageBatch of ten made
    /// seventy). As with the look-ups, the last of repeated members counts, a null member is an absent one, and type
    /// errors are reported in the same order.
    /// </summary>
    public override SendMessageEntry SendEntry(bool batchEntry)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return base.SendEntry(batchEntry);
        }
        var members = new SendEntryMembers();
        foreach (var property in element.EnumerateObject())
        {
            for (var i = 0; i < SendEntryNames.Length; i++)
            {
                if (property.NameEquals(SendEntryNames[i]))
                {
                    members[i] = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
                    break;
                }
            }
        }
        return new SendMessageEntry(
            batchEntry ? String("Id", members[0]) ?? string.Empty : null,
            String("MessageBody", members[1]) ?? string.Empty,
            Int32("DelaySeconds", members[2]),
            MessageAttributes("MessageAttributes", members[3]),
            MessageAttributes("MessageSystemAttributes", members[4]),
            String("MessageDeduplicationId", members[5]),
            String("MessageGroupId", members[6]));
    }

    /// <summary>The members <see cref="SendEntry"/> reads, in the order it reads them.</summary>
    private static readonly byte[][] SendEntryNames =
    [
        "Id"u8.ToArray(), "MessageBody"u8.ToArray(), "DelaySeconds"u8.ToArray(), "MessageAttributes"u8.ToArray(),
        "MessageSystemAttributes"u8.ToArray(), "MessageDeduplicationId"u8.ToArray(), "MessageGroupId"u8.ToArray(),
    ];

    [System.Runtime.CompilerServices.InlineArray(7)]
    private struct SendEntryMembers
    {
        private JsonElement? _first;
    }

    private static ServiceException Serialization(string name, JsonElement value, string expected) =>
        new("SerializationException", $"Unexpected value for {name}: expected a {expected}, got {value.ValueKind.ToString().ToLowerInvariant()}.");

    public override IReadOnlyList<string>? StringList(string jsonName, string queryName)
    {
        if (Member(jsonName) is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Serialization(jsonName, value, "list");
        }
        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Serialization(jsonName, item, "string"));
        }
        return list;
    }

    public override IReadOnlyDictionary<string, string>? StringMap(string jsonName, string queryName, string keyField, string valueField)
    {
        if (Member(jsonName) is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Serialization(jsonName, value, "map");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : throw Serialization(jsonName, property.Value, "string");
        }
        return map;
    }

    public override IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes(string jsonName, string queryName) => MessageAttributes(jsonName, Member(jsonName));

    private static Dictionary<string, MessageAttributeValue>? MessageAttributes(string jsonName, JsonElement? member)
    {
        if (member is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Serialization(jsonName, value, "map");
        }
        var map = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var attribute = new JsonSqsInput(property.Value);
            var type = attribute.String("DataType") ?? throw new ServiceException("InvalidParameterValue",
                $"The message attribute '{property.Name}' must contain non-empty message attribute type.");
            var binary = attribute.String("BinaryValue");
            map[property.Name] = new MessageAttributeValue(type, attribute.String("StringValue"), binary is null ? null : Base64(property.Name, binary));
        }
        return map;
    }

    public override IReadOnlyList<SqsInput> Entries(string jsonName, string queryName)
    {
        if (Member(jsonName) is not { } value)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Serialization(jsonName, value, "list");
        }
        var list = new List<SqsInput>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            list.Add(new JsonSqsInput(item));
        }
        return list;
    }
}
