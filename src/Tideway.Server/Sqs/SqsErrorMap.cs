using Tideway.Primitives;
using Tideway.Wire;

namespace Tideway.Server.Sqs;

/// <summary>
/// Maps the engine's SQS error codes (shape names) to the wire: the JSON <c>__type</c> shape, the query
/// code (also the <c>x-amzn-query-error</c> header), the HTTP status. From botocore's and the JS SDK's SQS
/// models (<c>../shared/wire/error-shapes.json</c>); unmodelled common errors as AWS sends them.
/// </summary>
internal static class SqsErrorMap
{
    private static readonly Dictionary<string, (string Shape, string QueryCode, int Status)> Table = new(StringComparer.Ordinal)
    {
        ["QueueDoesNotExist"] = ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400),
        ["QueueNameExists"] = ("QueueNameExists", "QueueAlreadyExists", 400),
        ["QueueDeletedRecently"] = ("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400),
        ["PurgeQueueInProgress"] = ("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403),
        ["InvalidAttributeName"] = ("InvalidAttributeName", "InvalidAttributeName", 400),
        ["InvalidAttributeValue"] = ("InvalidAttributeValue", "InvalidAttributeValue", 400),
        ["ReceiptHandleIsInvalid"] = ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404),
        ["MessageNotInflight"] = ("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400),
        ["InvalidMessageContents"] = ("InvalidMessageContents", "InvalidMessageContents", 400),
        ["TooManyEntriesInBatchRequest"] = ("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
        ["EmptyBatchRequest"] = ("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400),
        ["BatchEntryIdsNotDistinct"] = ("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
        ["InvalidBatchEntryId"] = ("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400),
        ["BatchRequestTooLong"] = ("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400),
        ["ResourceNotFoundException"] = ("ResourceNotFoundException", "ResourceNotFoundException", 404),
        ["UnsupportedOperation"] = ("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400),
        ["OverLimit"] = ("OverLimit", "OverLimit", 403),
        ["InvalidParameterValue"] = ("InvalidParameterValueException", "InvalidParameterValue", 400),
        ["MissingParameter"] = ("MissingRequiredParameterException", "MissingParameter", 400),
        ["MissingAction"] = ("MissingAction", "MissingAction", 400),
        ["InvalidAction"] = ("InvalidAction", "InvalidAction", 400),
        ["SerializationException"] = ("SerializationException", "SerializationException", 400),
        ["AccessDenied"] = ("AccessDenied", "AccessDenied", 403),
    };

    public static AwsError Map(ServiceException e, AwsProtocol protocol)
    {
        if (!Table.TryGetValue(e.Code, out var entry))
        {
            entry = e.SenderFault ? (e.Code, e.Code, 400) : ("InternalFailure", "InternalFailure", 500);
        }
        var message = e.Message;
        if (protocol == AwsProtocol.AwsQuery && e.Code == "QueueDoesNotExist")
        {
            // What SQS says over the query protocol.
            message = "The specified queue does not exist for this wsdl version.";
        }
        return new AwsError(entry.Shape, entry.QueryCode, entry.Status, e.SenderFault ? AwsFault.Sender : AwsFault.Receiver, message);
    }
}
