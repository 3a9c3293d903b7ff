using Tideway.Primitives;
using Tideway.Queues;
using Tideway.Storage;

namespace Tideway.Server.Sqs;

/// <summary>
/// The SQS operations, protocol-neutral: reads an <see cref="SqsInput"/>, calls the engine, writes an
/// <see cref="SqsOutput"/>. The two protocol front ends differ only in how they parse and serialize.
/// </summary>
internal sealed class SqsApi(SqsEngine engine)
{
    /// <summary>Operations that have no result element in the query protocol.</summary>
    public static bool HasResult(string operation) => operation switch
    {
        "DeleteQueue" or "SetQueueAttributes" or "PurgeQueue" or "DeleteMessage" or "ChangeMessageVisibility" or "TagQueue" or "UntagQueue" => false,
        _ => true,
    };

    public static bool IsKnown(string operation) => operation switch
    {
        "CreateQueue" or "DeleteQueue" or "GetQueueUrl" or "ListQueues" or "GetQueueAttributes" or "SetQueueAttributes" or "PurgeQueue"
            or "SendMessage" or "SendMessageBatch" or "ReceiveMessage" or "DeleteMessage" or "DeleteMessageBatch"
            or "ChangeMessageVisibility" or "ChangeMessageVisibilityBatch" or "TagQueue" or "UntagQueue" or "ListQueueTags"
            or "ListDeadLetterSourceQueues" or "StartMessageMoveTask" or "ListMessageMoveTasks" or "CancelMessageMoveTask" => true,
        _ => false,
    };

    /// <param name="operation">The operation name.</param>
    /// <param name="scope">Caller account and region.</param>
    /// <param name="input">Request members.</param>
    /// <param name="output">Where the response goes.</param>
    /// <param name="baseUrl">The server's URL as the client reached it (<c>http://127.0.0.1:4566</c>), for queue URLs.</param>
    /// <param name="cancellationToken">Aborts a long poll when the client goes away.</param>
    public async Task ExecuteAsync(string operation, RequestScope scope, SqsInput input, SqsOutput output, string baseUrl, CancellationToken cancellationToken)
    {
        try
        {
            await DispatchAsync(operation, scope, input, output, baseUrl, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            // The queue went away between resolving and using it.
            throw SqsEngineErrors.QueueDoesNotExist;
        }
    }

    private static string Url(string baseUrl, QueueRecord queue) => $"{baseUrl}/{queue.Account}/{queue.Name}";

    private QueueRecord Queue(RequestScope scope, SqsInput input)
    {
        var url = input.Required("QueueUrl");
        var (account, name) = ParseQueueUrl(url, scope);
        return engine.ResolveQueue(scope, account, name);
    }

    /// <summary>The account and name of a queue URL (<c>http://host/ACCOUNT/NAME</c>); a bare name means the caller's account.</summary>
    public static (string Account, string Name) ParseQueueUrl(string url, RequestScope scope)
    {
        var trimmed = url.TrimEnd('/');
        var last = trimmed.LastIndexOf('/');
        if (last < 0)
        {
            return (scope.Account, trimmed);
        }
        var name = trimmed[(last + 1)..];
        var before = trimmed[..last];
        var previous = before.LastIndexOf('/');
        var account = previous < 0 ? before : before[(previous + 1)..];
        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            throw SqsEngineErrors.QueueDoesNotExist;
        }
        return (account, name);
    }

    private async Task DispatchAsync(string operation, RequestScope scope, SqsInput input, SqsOutput output, string baseUrl, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case "CreateQueue":
                {
                    var name = input.Required("QueueName");
                    var attributes = input.StringMap("Attributes", "Attribute", "Name", "Value") ?? new Dictionary<string, string>();
                    var tags = input.StringMap("tags", "Tag", "Key", "Value") ?? new Dictionary<string, string>();
                    var queue = await engine.CreateQueueAsync(scope, name, attributes, tags).ConfigureAwait(false);
                    output.Scalar("QueueUrl", Url(baseUrl, queue));
                    break;
                }
            case "GetQueueUrl":
                {
                    var queue = engine.GetQueueUrl(scope, input.Required("QueueName"), input.String("QueueOwnerAWSAccountId"));
                    output.Scalar("QueueUrl", Url(baseUrl, queue));
                    break;
                }
            case "DeleteQueue":
                await engine.DeleteQueueAsync(Queue(scope, input)).ConfigureAwait(false);
                break;
            case "ListQueues":
                {
                    var (queues, next) = engine.ListQueues(scope, input.String("QueueNamePrefix"), input.Int32("MaxResults"), input.String("NextToken"));
                    if (queues.Count > 0)
                    {
                        output.StringList("QueueUrls", "QueueUrl", queues.Select(q => Url(baseUrl, q)));
                    }
                    output.Scalar("NextToken", next);
                    break;
                }
            case "GetQueueAttributes":
                {
                    var attributes = engine.GetQueueAttributes(Queue(scope, input), input.StringList("AttributeNames", "AttributeName"));
                    if (attributes.Count > 0)
                    {
                        output.StringMap("Attributes", "Attribute", "Name", "Value", attributes);
                    }
                    break;
                }
            case "SetQueueAttributes":
                {
                    var queue = Queue(scope, input);
                    var attributes = input.StringMap("Attributes", "Attribute", "Name", "Value") ?? throw SqsInput.MissingParameter("Attributes");
                    await engine.SetQueueAttributesAsync(queue, attributes).ConfigureAwait(false);
                    break;
                }
            case "PurgeQueue":
                await engine.PurgeQueueAsync(Queue(scope, input)).ConfigureAwait(false);
                break;
            case "SendMessage":
                {
                    var queue = Queue(scope, input);
                    var entry = input.SendEntry(batchEntry: false);
                    var result = await engine.SendMessageAsync(scope, queue, entry).ConfigureAwait(false);
                    WriteSent(output, result);
                    break;
                }
            case "SendMessageBatch":
                {
                    var queue = Queue(scope, input);
                    var inputs = input.Entries("Entries", "SendMessageBatchRequestEntry");
                    var entries = new SendMessageEntry[inputs.Count];
                    for (var i = 0; i < entries.Length; i++)
                    {
                        entries[i] = inputs[i].SendEntry(batchEntry: true);
                    }
                    var result = await engine.SendMessageBatchAsync(scope, queue, entries).ConfigureAwait(false);
                    output.BeginItems("Successful");
                    foreach (var sent in result.Successful)
                    {
                        output.BeginItem("SendMessageBatchResultEntry");
                        output.Scalar("Id", sent.Id);
                        WriteSent(output, sent);
                        output.EndItem();
                    }
                    output.EndItems();
                    WriteFailed(output, result.Failed);
                    break;
                }
            case "ReceiveMessage":
                {
                    var queue = Queue(scope, input);
                    var systemNames = Concat(input.StringList("AttributeNames", "AttributeName"), input.StringList("MessageSystemAttributeNames", "MessageSystemAttributeName"));
                    var request = new ReceiveMessageRequest(
                        input.Int32("MaxNumberOfMessages") ?? 1,
                        input.Int32("VisibilityTimeout"),
                        input.Int32("WaitTimeSeconds"),
                        systemNames,
                        input.StringList("MessageAttributeNames", "MessageAttributeName"),
                        input.String("ReceiveRequestAttemptId"));
                    var messages = await engine.ReceiveMessageAsync(queue, request, cancellationToken).ConfigureAwait(false);
                    if (messages.Count > 0)
                    {
                        output.BeginItems("Messages");
                        foreach (var message in messages)
                        {
                            output.BeginItem("Message");
                            output.Scalar("MessageId", message.MessageId);
                            output.Scalar("ReceiptHandle", message.ReceiptHandle);
                            output.Scalar("MD5OfBody", SqsDigests.OfBody(message.Body));
                            output.Scalar("Body", message.Body);
                            if (message.Attributes.Count > 0)
                            {
                                output.StringMap("Attributes", "Attribute", "Name", "Value", message.Attributes);
                            }
                            if (message.MessageAttributes.Count > 0)
                            {
                                output.Scalar("MD5OfMessageAttributes", SqsDigests.OfAttributes(message.MessageAttributes));
                                output.MessageAttributes("MessageAttributes", "MessageAttribute", message.MessageAttributes);
                            }
                            output.EndItem();
                        }
                        output.EndItems();
                    }
                    break;
                }
            case "DeleteMessage":
                await engine.DeleteMessageAsync(Queue(scope, input), input.Required("ReceiptHandle")).ConfigureAwait(false);
                break;
            case "DeleteMessageBatch":
                {
                    var queue = Queue(scope, input);
                    var entries = input.Entries("Entries", "DeleteMessageBatchRequestEntry")
                        .Select(e => new ReceiptEntry(e.String("Id") ?? string.Empty, e.String("ReceiptHandle") ?? string.Empty)).ToList();
                    var result = await engine.DeleteMessageBatchAsync(queue, entries).ConfigureAwait(false);
                    WriteIds(output, "DeleteMessageBatchResultEntry", result);
                    break;
                }
            case "ChangeMessageVisibility":
                {
                    var queue = Queue(scope, input);
                    var handle = input.Required("ReceiptHandle");
                    var timeout = input.Int32("VisibilityTimeout") ?? throw SqsInput.MissingParameter("VisibilityTimeout");
                    await engine.ChangeMessageVisibilityAsync(queue, handle, timeout).ConfigureAwait(false);
                    break;
                }
            case "ChangeMessageVisibilityBatch":
                {
                    var queue = Queue(scope, input);
                    var entries = input.Entries("Entries", "ChangeMessageVisibilityBatchRequestEntry")
                        .Select(e => new ReceiptEntry(e.String("Id") ?? string.Empty, e.String("ReceiptHandle") ?? string.Empty, e.Int32("VisibilityTimeout") ?? 0)).ToList();
                    var result = await engine.ChangeMessageVisibilityBatchAsync(queue, entries).ConfigureAwait(false);
                    WriteIds(output, "ChangeMessageVisibilityBatchResultEntry", result);
                    break;
                }
            case "TagQueue":
                await engine.TagQueueAsync(Queue(scope, input), input.StringMap("Tags", "Tag", "Key", "Value") ?? throw SqsInput.MissingParameter("Tags")).ConfigureAwait(false);
                break;
            case "UntagQueue":
                await engine.UntagQueueAsync(Queue(scope, input), input.StringList("TagKeys", "TagKey") ?? throw SqsInput.MissingParameter("TagKeys")).ConfigureAwait(false);
                break;
            case "ListQueueTags":
                {
                    var tags = engine.ListQueueTags(Queue(scope, input));
                    if (tags.Count > 0)
                    {
                        output.StringMap("Tags", "Tag", "Key", "Value", tags);
                    }
                    break;
                }
            case "ListDeadLetterSourceQueues":
                {
                    var (queues, next) = engine.ListDeadLetterSourceQueues(Queue(scope, input), input.Int32("MaxResults"), input.String("NextToken"));
                    output.StringList("queueUrls", "QueueUrl", queues.Select(q => Url(baseUrl, q)));
                    output.Scalar("NextToken", next);
                    break;
                }
            case "StartMessageMoveTask":
                {
                    var task = engine.StartMessageMoveTask(scope, input.Required("SourceArn"), input.String("DestinationArn"), input.Int32("MaxNumberOfMessagesPerSecond"));
                    output.Scalar("TaskHandle", task.TaskHandle);
                    break;
                }
            case "ListMessageMoveTasks":
                {
                    var tasks = engine.ListMessageMoveTasks(input.Required("SourceArn"), input.Int32("MaxResults"));
                    output.BeginItems("Results");
                    foreach (var task in tasks)
                    {
                        output.BeginItem("ListMessageMoveTasksResultEntry");
                        output.Scalar("TaskHandle", task.TaskHandle.Length == 0 ? null : task.TaskHandle);
                        output.Scalar("Status", task.Status);
                        output.Scalar("SourceArn", task.SourceArn);
                        output.Scalar("DestinationArn", task.DestinationArn);
                        if (task.MaxNumberOfMessagesPerSecond is { } rate)
                        {
                            output.Scalar("MaxNumberOfMessagesPerSecond", rate);
                        }
                        output.Scalar("ApproximateNumberOfMessagesMoved", task.ApproximateNumberOfMessagesMoved);
                        output.Scalar("ApproximateNumberOfMessagesToMove", task.ApproximateNumberOfMessagesToMove);
                        output.Scalar("FailureReason", task.FailureReason);
                        output.Scalar("StartedTimestamp", task.StartedTimestamp);
                        output.EndItem();
                    }
                    output.EndItems();
                    break;
                }
            case "CancelMessageMoveTask":
                output.Scalar("ApproximateNumberOfMessagesMoved", engine.CancelMessageMoveTask(input.Required("TaskHandle")));
                break;
            default:
                throw new ServiceException("InvalidAction", $"The action {operation} is not valid for this endpoint.");
        }
    }

    private static IReadOnlyList<string>? Concat(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null ? b : b is null ? a : [.. a, .. b];

    private static void WriteSent(SqsOutput output, SendMessageResult result)
    {
        output.Scalar("MessageId", result.MessageId);
        output.Scalar("MD5OfMessageBody", SqsDigests.OfBody(result.Entry.MessageBody));
        if (result.Entry.MessageAttributes is { Count: > 0 } attributes)
        {
            output.Scalar("MD5OfMessageAttributes", SqsDigests.OfAttributes([.. attributes]));
        }
        if (result.Entry.MessageSystemAttributes is { Count: > 0 } system)
        {
            output.Scalar("MD5OfMessageSystemAttributes", SqsDigests.OfAttributes([.. system]));
        }
        output.Scalar("SequenceNumber", result.SequenceNumber);
    }

    private static void WriteFailed(SqsOutput output, IReadOnlyList<BatchResultErrorEntry> failed)
    {
        output.BeginItems("Failed");
        foreach (var entry in failed)
        {
            output.BeginItem("BatchResultErrorEntry");
            output.Scalar("Id", entry.Id);
            output.Scalar("SenderFault", entry.SenderFault);
            output.Scalar("Code", entry.Code);
            output.Scalar("Message", entry.Message);
            output.EndItem();
        }
        output.EndItems();
    }

    private static void WriteIds(SqsOutput output, string xmlName, BatchResult<string> result)
    {
        output.BeginItems("Successful");
        foreach (var id in result.Successful)
        {
            output.BeginItem(xmlName);
            output.Scalar("Id", id);
            output.EndItem();
        }
        output.EndItems();
        WriteFailed(output, result.Failed);
    }
}

/// <summary>Errors the API layer raises itself.</summary>
internal static class SqsEngineErrors
{
    public static ServiceException QueueDoesNotExist => new("QueueDoesNotExist", "The specified queue does not exist.");
}
