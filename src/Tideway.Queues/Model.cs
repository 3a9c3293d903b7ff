namespace Tideway.Queues;

/// <summary>A message attribute or message system attribute value (SQS <c>MessageAttributeValue</c>).</summary>
/// <param name="DataType"><c>String</c>, <c>Number</c> or <c>Binary</c>, optionally with a custom suffix (<c>String.json</c>).</param>
/// <param name="StringValue">The value for String and Number types.</param>
/// <param name="BinaryValue">The value for Binary types.</param>
public sealed record MessageAttributeValue(string DataType, string? StringValue, byte[]? BinaryValue)
{
    /// <summary>True when the data type is Binary or a Binary custom type.</summary>
    public bool IsBinary => DataType.StartsWith("Binary", StringComparison.Ordinal);
}

/// <summary>One message to send (SendMessage, or one SendMessageBatchRequestEntry).</summary>
/// <param name="Id">The batch entry id (null for SendMessage).</param>
/// <param name="MessageBody">The body.</param>
/// <param name="DelaySeconds">Per-message delay (standard queues only), or null for the queue's.</param>
/// <param name="MessageAttributes">Message attributes by name, or null.</param>
/// <param name="MessageSystemAttributes">System attributes (AWSTraceHeader), or null.</param>
/// <param name="MessageDeduplicationId">FIFO deduplication id, or null.</param>
/// <param name="MessageGroupId">FIFO message group id, or null.</param>
public sealed record SendMessageEntry(
    string? Id,
    string MessageBody,
    int? DelaySeconds = null,
    IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes = null,
    IReadOnlyDictionary<string, MessageAttributeValue>? MessageSystemAttributes = null,
    string? MessageDeduplicationId = null,
    string? MessageGroupId = null);

/// <summary>The result of one sent message.</summary>
/// <param name="Id">The batch entry id, or null.</param>
/// <param name="MessageId">The message id.</param>
/// <param name="SequenceNumber">FIFO sequence number, or null.</param>
/// <param name="Entry">The entry as sent (the protocol layer computes the MD5 digests from it).</param>
public sealed record SendMessageResult(string? Id, string MessageId, string? SequenceNumber, SendMessageEntry Entry);

/// <summary>A failed batch entry (SQS <c>BatchResultErrorEntry</c>).</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Code">The error code as SQS reports it in batch results (e.g. <c>InvalidParameterValue</c>).</param>
/// <param name="Message">The message.</param>
/// <param name="SenderFault">True when the caller's input caused it.</param>
public sealed record BatchResultErrorEntry(string Id, string Code, string Message, bool SenderFault = true);

/// <summary>The outcome of a batch: successful entries and failed ones.</summary>
public sealed record BatchResult<T>(IReadOnlyList<T> Successful, IReadOnlyList<BatchResultErrorEntry> Failed);

/// <summary>ReceiveMessage parameters.</summary>
/// <param name="MaxNumberOfMessages">1–10 (default 1).</param>
/// <param name="VisibilityTimeout">Override of the queue's visibility timeout, or null.</param>
/// <param name="WaitTimeSeconds">Long-poll wait 0–20, or null for the queue's ReceiveMessageWaitTimeSeconds.</param>
/// <param name="AttributeNames">System attributes to return (AttributeNames and MessageSystemAttributeNames together); <c>All</c> for every one.</param>
/// <param name="MessageAttributeNames">Message attributes to return: names, <c>All</c>, <c>.*</c>, or prefixes ending in <c>.*</c>.</param>
/// <param name="ReceiveRequestAttemptId">FIFO receive attempt id (accepted; deduplication of receive attempts is not implemented).</param>
public sealed record ReceiveMessageRequest(
    int MaxNumberOfMessages = 1,
    int? VisibilityTimeout = null,
    int? WaitTimeSeconds = null,
    IReadOnlyList<string>? AttributeNames = null,
    IReadOnlyList<string>? MessageAttributeNames = null,
    string? ReceiveRequestAttemptId = null);

/// <summary>A received message (SQS <c>Message</c>).</summary>
/// <param name="MessageId">The id.</param>
/// <param name="ReceiptHandle">The handle for delete and visibility changes.</param>
/// <param name="Body">The body.</param>
/// <param name="Attributes">The selected system attributes (name to string value), ordered as SQS lists them.</param>
/// <param name="MessageAttributes">The selected message attributes.</param>
public sealed record ReceivedMessage(
    string MessageId,
    string ReceiptHandle,
    string Body,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> MessageAttributes);

/// <summary>A receipt-handle batch entry (DeleteMessageBatch, ChangeMessageVisibilityBatch).</summary>
/// <param name="Id">The entry id.</param>
/// <param name="ReceiptHandle">The receipt handle.</param>
/// <param name="VisibilityTimeout">For ChangeMessageVisibilityBatch: the new timeout.</param>
public sealed record ReceiptEntry(string Id, string ReceiptHandle, int VisibilityTimeout = 0);

/// <summary>A message move task (StartMessageMoveTask, ListMessageMoveTasks).</summary>
public sealed record MessageMoveTask(
    string TaskHandle,
    string Status,
    string SourceArn,
    string? DestinationArn,
    int? MaxNumberOfMessagesPerSecond,
    long ApproximateNumberOfMessagesMoved,
    long ApproximateNumberOfMessagesToMove,
    string? FailureReason,
    long StartedTimestamp);
