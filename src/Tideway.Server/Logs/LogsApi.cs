using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tideway.Logs;
using Tideway.Primitives;
using Tideway.Wire;
using Tideway.Wire.Json;

namespace Tideway.Server.Logs;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CreateLogGroupRequest))]
[JsonSerializable(typeof(DeleteLogGroupRequest))]
[JsonSerializable(typeof(DescribeLogGroupsRequest))]
[JsonSerializable(typeof(DescribeLogGroupsResponse))]
[JsonSerializable(typeof(CreateLogStreamRequest))]
[JsonSerializable(typeof(DeleteLogStreamRequest))]
[JsonSerializable(typeof(DescribeLogStreamsRequest))]
[JsonSerializable(typeof(DescribeLogStreamsResponse))]
[JsonSerializable(typeof(PutLogEventsRequest))]
[JsonSerializable(typeof(PutLogEventsResponse))]
[JsonSerializable(typeof(GetLogEventsRequest))]
[JsonSerializable(typeof(GetLogEventsResponse))]
[JsonSerializable(typeof(FilterLogEventsRequest))]
[JsonSerializable(typeof(FilterLogEventsResponse))]
[JsonSerializable(typeof(PutRetentionPolicyRequest))]
[JsonSerializable(typeof(DeleteRetentionPolicyRequest))]
[JsonSerializable(typeof(TagLogGroupRequest))]
[JsonSerializable(typeof(UntagLogGroupRequest))]
[JsonSerializable(typeof(ListTagsLogGroupRequest))]
[JsonSerializable(typeof(ListTagsLogGroupResponse))]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(UntagResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceResponse))]
[JsonSerializable(typeof(TestMetricFilterRequest))]
[JsonSerializable(typeof(TestMetricFilterResponse))]
internal sealed partial class LogsJsonContext : JsonSerializerContext;

/// <summary>
/// CloudWatch Logs over awsJson1_1 (<c>X-Amz-Target: Logs_20140328.*</c>): camelCase members bound to the
/// engine's request records by source-generated serialization; errors as <c>{"__type", "message"}</c>.
/// </summary>
internal sealed class LogsApi(LogsEngine engine)
{
    private static readonly byte[] Empty = "{}"u8.ToArray();

    public async Task<(int Status, ReadOnlyMemory<byte> Body)> ExecuteAsync(string operation, RequestScope scope, byte[] body, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        try
        {
            var input = body.Length == 0 ? Empty : body;
            var context = LogsJsonContext.Default;
            ReadOnlyMemory<byte> output = operation switch
            {
                "CreateLogGroup" => await Done(engine.CreateLogGroupAsync(scope, Read(input, context.CreateLogGroupRequest))),
                "DeleteLogGroup" => await Done(engine.DeleteLogGroupAsync(scope, Read(input, context.DeleteLogGroupRequest))),
                "DescribeLogGroups" => Write(engine.DescribeLogGroups(scope, Read(input, context.DescribeLogGroupsRequest)), context.DescribeLogGroupsResponse),
                "CreateLogStream" => await Done(engine.CreateLogStreamAsync(scope, Read(input, context.CreateLogStreamRequest))),
                "DeleteLogStream" => await Done(engine.DeleteLogStreamAsync(scope, Read(input, context.DeleteLogStreamRequest))),
                "DescribeLogStreams" => Write(engine.DescribeLogStreams(scope, Read(input, context.DescribeLogStreamsRequest)), context.DescribeLogStreamsResponse),
                "PutLogEvents" => Write(await engine.PutLogEventsAsync(scope, Read(input, context.PutLogEventsRequest)), context.PutLogEventsResponse),
                "GetLogEvents" => Write(engine.GetLogEvents(scope, Read(input, context.GetLogEventsRequest)), context.GetLogEventsResponse),
                "FilterLogEvents" => Write(engine.FilterLogEvents(scope, Read(input, context.FilterLogEventsRequest)), context.FilterLogEventsResponse),
                "PutRetentionPolicy" => await Done(engine.PutRetentionPolicyAsync(scope, Read(input, context.PutRetentionPolicyRequest))),
                "DeleteRetentionPolicy" => await Done(engine.DeleteRetentionPolicyAsync(scope, Read(input, context.DeleteRetentionPolicyRequest))),
                "TagLogGroup" => await Done(engine.TagLogGroupAsync(scope, Read(input, context.TagLogGroupRequest))),
                "UntagLogGroup" => await Done(engine.UntagLogGroupAsync(scope, Read(input, context.UntagLogGroupRequest))),
                "ListTagsLogGroup" => Write(engine.ListTagsLogGroup(scope, Read(input, context.ListTagsLogGroupRequest)), context.ListTagsLogGroupResponse),
                "TagResource" => await Done(engine.TagResourceAsync(scope, Read(input, context.TagResourceRequest))),
                "UntagResource" => await Done(engine.UntagResourceAsync(scope, Read(input, context.UntagResourceRequest))),
                "ListTagsForResource" => Write(engine.ListTagsForResource(scope, Read(input, context.ListTagsForResourceRequest)), context.ListTagsForResourceResponse),
                "TestMetricFilter" => Write(LogsEngine.TestMetricFilter(Read(input, context.TestMetricFilterRequest)), context.TestMetricFilterResponse),
                _ => throw new ServiceException("UnknownOperationException", $"Operation {operation} is not supported by this endpoint."),
            };
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

    private static async ValueTask<ReadOnlyMemory<byte>> Done(ValueTask operation)
    {
        await operation.ConfigureAwait(false);
        return Empty;
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
