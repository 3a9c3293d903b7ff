using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tideway.Bus;
using Tideway.Primitives;
using Tideway.Wire;
using Tideway.Wire.Json;

namespace Tideway.Server.Events;

// Wire shapes of the EventBridge operations (members as in the API reference).
internal sealed record CreateEventBusRequest(string? Name, string? EventSourceName, string? Description, string? KmsKeyIdentifier, DeadLetterConfig? DeadLetterConfig, List<Tag>? Tags);

internal sealed record CreateEventBusResponse(string EventBusArn, string? Description, string? KmsKeyIdentifier, DeadLetterConfig? DeadLetterConfig);

internal sealed record NameRequest(string? Name);

internal sealed record ListEventBusesRequest(string? NamePrefix, string? NextToken, int? Limit);

internal sealed record ListEventBusesResponse(IReadOnlyList<EventBus> EventBuses, string? NextToken);

internal sealed record UpdateEventBusRequest(string? Name, string? KmsKeyIdentifier, string? Description, DeadLetterConfig? DeadLetterConfig);

internal sealed record UpdateEventBusResponse(string Arn, string Name, string? KmsKeyIdentifier, string? Description, DeadLetterConfig? DeadLetterConfig);

internal sealed record PutPermissionRequest(string? EventBusName, string? Action, string? Principal, string? StatementId, JsonElement? Condition, string? Policy);

internal sealed record RemovePermissionRequest(string? StatementId, bool? RemoveAllPermissions, string? EventBusName);

internal sealed record PutRuleRequest(string? Name, string? ScheduleExpression, string? EventPattern, string? State, string? Description, string? RoleArn, List<Tag>? Tags, string? EventBusName);

internal sealed record PutRuleResponse(string RuleArn);

internal sealed record RuleRequest(string? Name, string? EventBusName, bool? Force);

internal sealed record ListRulesRequest(string? NamePrefix, string? EventBusName, string? NextToken, int? Limit);

internal sealed record ListRulesResponse(IReadOnlyList<Rule> Rules, string? NextToken);

internal sealed record PutTargetsRequest(string? Rule, string? EventBusName, List<Target>? Targets);

internal sealed record TargetsResponse(int FailedEntryCount, IReadOnlyList<TargetFailure> FailedEntries);

internal sealed record RemoveTargetsRequest(string? Rule, string? EventBusName, List<string>? Ids, bool? Force);

internal sealed record ListTargetsByRuleRequest(string? Rule, string? EventBusName, string? NextToken, int? Limit);

internal sealed record ListTargetsByRuleResponse(IReadOnlyList<Target> Targets, string? NextToken);

internal sealed record ListRuleNamesByTargetRequest(string? TargetArn, string? EventBusName, string? NextToken, int? Limit);

internal sealed record ListRuleNamesByTargetResponse(IReadOnlyList<string> RuleNames, string? NextToken);

internal sealed record TestEventPatternRequest(string? EventPattern, string? Event);

internal sealed record TestEventPatternResponse(bool Result);

internal sealed record TagResourceRequest(string? ResourceARN, List<Tag>? Tags);

internal sealed record UntagResourceRequest(string? ResourceARN, List<string>? TagKeys);

internal sealed record ListTagsForResourceRequest(string? ResourceARN);

internal sealed record ListTagsForResourceResponse(IReadOnlyList<Tag> Tags);

internal sealed record PutEventsRequest([property: JsonConverter(typeof(PutEventsEntriesConverter))] List<PutEventsRequestEntry>? Entries, string? EndpointId);

internal sealed record PutEventsResponse(PutEventsResultEntry[] Entries, int FailedEntryCount);

/// <summary>
/// PutEvents entries read by hand from the UTF-8 body, so that each Detail is unescaped once into UTF-8 bytes
/// (<see cref="PutEventsRequestEntry.DetailUtf8"/>) instead of becoming a UTF-16 string that the engine then
/// encodes back: the hot path of the bus. Members as the generated reader binds them (case-sensitive, unknown
/// ones skipped, a wrong type is a <see cref="JsonException"/>).
/// </summary>
internal sealed class PutEventsEntriesConverter : JsonConverter<List<PutEventsRequestEntry>>
{
    private static readonly EpochSecondsConverter Timestamps = new();

    public override List<PutEventsRequestEntry>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        Expect(ref reader, JsonTokenType.StartArray, "an array");
        var entries = new List<PutEventsRequestEntry>(EventBusEngine.MaxEntries);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            entries.Add(reader.TokenType == JsonTokenType.Null ? null! : ReadEntry(ref reader, options));
        }
        return entries;
    }

    private static PutEventsRequestEntry ReadEntry(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartObject, "an object");
        DateTimeOffset? time = null;
        string? source = null, detailType = null, bus = null, trace = null;
        List<string>? resources = null;
        ReadOnlyMemory<byte>? detail = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader;
            reader.Read();
            if (name.ValueTextEquals("Detail"u8))
            {
                detail = reader.TokenType == JsonTokenType.Null ? null : Utf8(ref reader);
            }
            else if (name.ValueTextEquals("Source"u8))
            {
                source = Text(ref reader);
            }
            else if (name.ValueTextEquals("DetailType"u8))
            {
                detailType = Text(ref reader);
            }
            else if (name.ValueTextEquals("EventBusName"u8))
            {
                bus = Text(ref reader);
            }
            else if (name.ValueTextEquals("Time"u8))
            {
                time = reader.TokenType == JsonTokenType.Null ? null : Timestamps.Read(ref reader, typeof(DateTimeOffset), options);
            }
            else if (name.ValueTextEquals("Resources"u8))
            {
                resources = Texts(ref reader);
            }
            else if (name.ValueTextEquals("TraceHeader"u8))
            {
                trace = Text(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
        return new PutEventsRequestEntry { Time = time, Source = source, DetailType = detailType, Detail = null, DetailUtf8 = detail, EventBusName = bus, Resources = resources, TraceHeader = trace };
    }

    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new JsonException($"The JSON value could not be converted to System.String: {reader.TokenType} at position {reader.TokenStartIndex}."),
    };

    private static List<string>? Texts(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        Expect(ref reader, JsonTokenType.StartArray, "an array of strings");
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(Text(ref reader)!);
        }
        return list;
    }

    private static ReadOnlyMemory<byte> Utf8(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String, "a string");
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.ToArray();
        }
        var bytes = new byte[reader.ValueSpan.Length];
        return bytes.AsMemory(0, reader.CopyString(bytes));
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected {what}, found {reader.TokenType} at position {reader.TokenStartIndex}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, List<PutEventsRequestEntry> value, JsonSerializerOptions options) =>
        throw new NotSupportedException("PutEvents entries are only read.");
}

/// <summary>awsJson timestamps: epoch seconds as a JSON number (fractions allowed); an ISO-8601 string is accepted too.</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            var seconds = reader.GetDouble();
            if (double.IsFinite(seconds) && seconds is > -62_135_596_800 and < 253_402_300_800)
            {
                return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
            }
        }
        else if (reader.TokenType == JsonTokenType.String && DateTimeOffset.TryParse(reader.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed;
        }
        throw new JsonException("A timestamp must be epoch seconds or an ISO-8601 date-time.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000.0);
}

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(CreateEventBusRequest))]
[JsonSerializable(typeof(CreateEventBusResponse))]
[JsonSerializable(typeof(NameRequest))]
[JsonSerializable(typeof(EventBus))]
[JsonSerializable(typeof(ListEventBusesRequest))]
[JsonSerializable(typeof(ListEventBusesResponse))]
[JsonSerializable(typeof(UpdateEventBusRequest))]
[JsonSerializable(typeof(UpdateEventBusResponse))]
[JsonSerializable(typeof(PutPermissionRequest))]
[JsonSerializable(typeof(RemovePermissionRequest))]
[JsonSerializable(typeof(PutRuleRequest))]
[JsonSerializable(typeof(PutRuleResponse))]
[JsonSerializable(typeof(RuleRequest))]
[JsonSerializable(typeof(Rule))]
[JsonSerializable(typeof(ListRulesRequest))]
[JsonSerializable(typeof(ListRulesResponse))]
[JsonSerializable(typeof(PutTargetsRequest))]
[JsonSerializable(typeof(TargetsResponse))]
[JsonSerializable(typeof(RemoveTargetsRequest))]
[JsonSerializable(typeof(ListTargetsByRuleRequest))]
[JsonSerializable(typeof(ListTargetsByRuleResponse))]
[JsonSerializable(typeof(ListRuleNamesByTargetRequest))]
[JsonSerializable(typeof(ListRuleNamesByTargetResponse))]
[JsonSerializable(typeof(TestEventPatternRequest))]
[JsonSerializable(typeof(TestEventPatternResponse))]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(UntagResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceResponse))]
[JsonSerializable(typeof(PutEventsRequest))]
[JsonSerializable(typeof(PutEventsResponse))]
internal sealed partial class EventsJsonContext : JsonSerializerContext;

/// <summary>
/// EventBridge over awsJson1_1 (<c>X-Amz-Target: AWSEvents.*</c>): PascalCase members bound to the engine by
/// source-generated serialization; errors as <c>{"__type", "message"}</c> with HTTP 400 (500 for our faults).
/// </summary>
internal sealed class EventsApi(EventBusEngine engine)
{
    private static readonly byte[] Empty = "{}"u8.ToArray();

    // As AWS writes JSON: quotes and apostrophes inside strings stay readable (the generated default escapes them as \u0022).
    private static readonly EventsJsonContext Json = new(new JsonSerializerOptions(EventsJsonContext.Default.Options) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public async Task<(int Status, ReadOnlyMemory<byte> Body)> ExecuteAsync(string operation, RequestScope scope, byte[] body)
    {
        try
        {
            var input = body.Length == 0 ? Empty : body;
            var c = Json;
            ReadOnlyMemory<byte> output;
            switch (operation)
            {
                case "PutEvents":
                    {
                        var request = Read(input, c.PutEventsRequest);
                        var results = await engine.PutEventsAsync(scope, request.Entries).ConfigureAwait(false);
                        var failed = 0;
                        foreach (var result in results)
                        {
                            failed += result.ErrorCode is null ? 0 : 1;
                        }
                        output = Write(new PutEventsResponse(results, failed), c.PutEventsResponse);
                        break;
                    }
                case "CreateEventBus":
                    {
                        var r = Read(input, c.CreateEventBusRequest);
                        var bus = await engine.CreateEventBusAsync(scope, r.Name, r.EventSourceName, r.Description, r.KmsKeyIdentifier, r.DeadLetterConfig, r.Tags).ConfigureAwait(false);
                        output = Write(new CreateEventBusResponse(bus.Arn, bus.Description, bus.KmsKeyIdentifier, bus.DeadLetterConfig), c.CreateEventBusResponse);
                        break;
                    }
                case "DescribeEventBus":
                    output = Write(engine.DescribeEventBus(scope, Read(input, c.NameRequest).Name), c.EventBus);
                    break;
                case "ListEventBuses":
                    {
                        var r = Read(input, c.ListEventBusesRequest);
                        var (buses, next) = engine.ListEventBuses(scope, r.NamePrefix, r.Limit, r.NextToken);
                        output = Write(new ListEventBusesResponse(buses, next), c.ListEventBusesResponse);
                        break;
                    }
                case "DeleteEventBus":
                    await engine.DeleteEventBusAsync(scope, Read(input, c.NameRequest).Name).ConfigureAwait(false);
                    output = Empty;
                    break;
                case "UpdateEventBus":
                    {
                        var r = Read(input, c.UpdateEventBusRequest);
                        var bus = await engine.UpdateEventBusAsync(scope, r.Name, r.Description, r.KmsKeyIdentifier, r.DeadLetterConfig).ConfigureAwait(false);
                        output = Write(new UpdateEventBusResponse(bus.Arn, bus.Name, bus.KmsKeyIdentifier, bus.Description, bus.DeadLetterConfig), c.UpdateEventBusResponse);
                        break;
                    }
                case "PutPermission":
                    {
                        var r = Read(input, c.PutPermissionRequest);
                        await engine.PutPermissionAsync(scope, r.EventBusName, r.Action, r.Principal, r.StatementId, r.Condition, r.Policy).ConfigureAwait(false);
                        output = Empty;
                        break;
                    }
                case "RemovePermission":
                    {
                        var r = Read(input, c.RemovePermissionRequest);
                        await engine.RemovePermissionAsync(scope, r.EventBusName, r.StatementId, r.RemoveAllPermissions ?? false).ConfigureAwait(false);
                        output = Empty;
                        break;
                    }
                case "PutRule":
                    {
                        var r = Read(input, c.PutRuleRequest);
                        var arn = await engine.PutRuleAsync(scope, r.Name, r.EventPattern, r.ScheduleExpression, r.State, r.Description, r.RoleArn, r.Tags, r.EventBusName).ConfigureAwait(false);
                        output = Write(new PutRuleResponse(arn), c.PutRuleResponse);
                        break;
                    }
                case "DescribeRule":
                    {
                        var r = Read(input, c.RuleRequest);
                        output = Write(engine.DescribeRule(scope, r.Name, r.EventBusName), c.Rule);
                        break;
                    }
                case "ListRules":
                    {
                        var r = Read(input, c.ListRulesRequest);
                        var (rules, next) = engine.ListRules(scope, r.NamePrefix, r.EventBusName, r.Limit, r.NextToken);
                        output = Write(new ListRulesResponse([.. rules.Select(rule => rule with { CreatedBy = null })], next), c.ListRulesResponse);
                        break;
                    }
                case "DeleteRule":
                    {
                        var r = Read(input, c.RuleRequest);
                        await engine.DeleteRuleAsync(scope, r.Name, r.EventBusName, r.Force ?? false).ConfigureAwait(false);
                        output = Empty;
                        break;
                    }
                case "EnableRule":
                case "DisableRule":
                    {
                        var r = Read(input, c.RuleRequest);
                        await engine.SetRuleStateAsync(scope, r.Name, r.EventBusName, operation == "EnableRule").ConfigureAwait(false);
                        output = Empty;
                        break;
                    }
                case "PutTargets":
                    {
                        var r = Read(input, c.PutTargetsRequest);
                        var failures = await engine.PutTargetsAsync(scope, r.Rule, r.EventBusName, r.Targets).ConfigureAwait(false);
                        output = Write(new TargetsResponse(failures.Count, failures), c.TargetsResponse);
                        break;
                    }
                case "RemoveTargets":
                    {
                        var r = Read(input, c.RemoveTargetsRequest);
                        var failures = await engine.RemoveTargetsAsync(scope, r.Rule, r.EventBusName, r.Ids, r.Force ?? false).ConfigureAwait(false);
                        output = Write(new TargetsResponse(failures.Count, failures), c.TargetsResponse);
                        break;
                    }
                case "ListTargetsByRule":
                    {
                        var r = Read(input, c.ListTargetsByRuleRequest);
                        var (targets, next) = engine.ListTargetsByRule(scope, r.Rule, r.EventBusName, r.Limit, r.NextToken);
                        output = Write(new ListTargetsByRuleResponse(targets, next), c.ListTargetsByRuleResponse);
                        break;
                    }
                case "ListRuleNamesByTarget":
                    {
                        var r = Read(input, c.ListRuleNamesByTargetRequest);
                        var (names, next) = engine.ListRuleNamesByTarget(scope, r.TargetArn, r.EventBusName, r.Limit, r.NextToken);
                        output = Write(new ListRuleNamesByTargetResponse(names, next), c.ListRuleNamesByTargetResponse);
                        break;
                    }
                case "TestEventPattern":
                    {
                        var r = Read(input, c.TestEventPatternRequest);
                        output = Write(new TestEventPatternResponse(EventBusEngine.TestEventPattern(r.EventPattern, r.Event)), c.TestEventPatternResponse);
                        break;
                    }
                case "TagResource":
                    {
                        var r = Read(input, c.TagResourceRequest);
                        await engine.TagResourceAsync(scope, r.ResourceARN, r.Tags).ConfigureAwait(false);
                        output = Empty;
                        break;
                    }
                case "UntagResource":
                    {
                        var r = Read(input, c.UntagResourceRequest);
                        await engine.UntagResourceAsync(scope, r.ResourceARN, r.TagKeys).ConfigureAwait(false);
                        output = Empty;
                        break;
                    }
                case "ListTagsForResource":
                    output = Write(new ListTagsForResourceResponse(engine.ListTagsForResource(scope, Read(input, c.ListTagsForResourceRequest).ResourceARN)), c.ListTagsForResourceResponse);
                    break;
                default:
                    throw new ServiceException("UnknownOperationException", $"Operation {operation} is not supported by this endpoint.");
            }
            return (200, output);
        }
        catch (ServiceException e)
        {
            return Error(new AwsError(e.Code, e.Code, e.SenderFault ? 400 : 500, e.SenderFault ? AwsFault.Sender : AwsFault.Receiver, e.Message));
        }
        catch (JsonException e)
        {
            return Error(new AwsError("SerializationException", "SerializationException", 400, AwsFault.Sender, "The request body could not be read: " + e.Message));
        }
    }

    private static T Read<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(body, type) ?? throw new JsonException("the body is null");

    private static ReadOnlyMemory<byte> Write<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToUtf8Bytes(value, type);

    private static (int, ReadOnlyMemory<byte>) Error(AwsError error)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        AwsJsonError.Write(buffer, error);
        return (error.StatusCode, buffer.WrittenMemory);
    }
}
