namespace Tideway.Bus;

/// <summary>Why a delivery failed, and whether trying again could help.</summary>
/// <param name="Code">The error code (the DLQ's ERROR_CODE attribute), e.g. <c>RESOURCE_NOT_FOUND</c>.</param>
/// <param name="Message">What went wrong.</param>
/// <param name="Retryable">False when retrying cannot succeed (target missing, no permission): the retries are skipped.</param>
public readonly record struct DeliveryError(string Code, string Message, bool Retryable);

/// <summary>One message for a queue target.</summary>
/// <param name="Body">The target input.</param>
/// <param name="EventId">The event id (the FIFO deduplication id when the queue has no content-based deduplication).</param>
/// <param name="MessageGroupId">The FIFO message group, from the target's SqsParameters.</param>
public readonly record struct QueueDelivery(ReadOnlyMemory<byte> Body, string EventId, string? MessageGroupId);

/// <summary>One log event for a log-group target.</summary>
/// <param name="Timestamp">The event time, Unix milliseconds.</param>
/// <param name="EventId">The event id.</param>
/// <param name="Message">The target input.</param>
public readonly record struct LogDelivery(long Timestamp, string EventId, ReadOnlyMemory<byte> Message);

/// <summary>
/// The engine's port to the services it delivers into (implemented by <c>Tideway.Targets</c> over the SQS
/// and CloudWatch Logs engines). Each method returns one outcome per item, in order: null for delivered.
/// </summary>
public interface ITargetPorts
{
    /// <summary>Checks a queue, log-group or function target at PutTargets; returns the ValidationException message, or null.</summary>
    string? Validate(TargetKind kind, string arn, Target target);

    /// <summary>Sends messages to a queue (the caller is the rule's account).</summary>
    ValueTask<DeliveryError?[]> SendToQueueAsync(string queueArn, IReadOnlyList<QueueDelivery> messages);

    /// <summary>Writes log events to a log group.</summary>
    ValueTask<DeliveryError?[]> PutLogEventsAsync(string logGroupArn, IReadOnlyList<LogDelivery> events);

    /// <summary>Invokes a function asynchronously (InvocationType Event) once per payload, as the rule's account.</summary>
    ValueTask<DeliveryError?[]> InvokeFunctionAsync(string functionArn, IReadOnlyList<ReadOnlyMemory<byte>> payloads);

    /// <summary>Sends one event to a target's dead-letter queue with the error attributes (string values).</summary>
    ValueTask<DeliveryError?> SendToDeadLetterQueueAsync(string queueArn, byte[] body, IReadOnlyList<KeyValuePair<string, string>> attributes);
}

/// <summary>The kinds of target this build runs.</summary>
public enum TargetKind
{
    /// <summary>An SQS queue.</summary>
    Queue,

    /// <summary>A CloudWatch Logs log group.</summary>
    LogGroup,

    /// <summary>Another event bus.</summary>
    EventBus,

    /// <summary>A Lambda function (asynchronous invoke).</summary>
    Function,
}
