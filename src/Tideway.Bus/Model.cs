namespace Tideway.Bus;

// The AWS nouns of the EventBridge API (members named as in the API reference), shared by the engine and
// the wire adapter. Request records are what a caller sends; the engine validates every member.

/// <summary>A tag on a bus or rule.</summary>
public sealed record Tag(string Key, string Value);

/// <summary>Where a target sends events it could not deliver.</summary>
public sealed record DeadLetterConfig(string? Arn);

/// <summary>How often and how long a target's failed deliveries are retried.</summary>
public sealed record RetryPolicy(int? MaximumRetryAttempts, int? MaximumEventAgeInSeconds);

/// <summary>SQS target settings.</summary>
public sealed record SqsParameters(string? MessageGroupId);

/// <summary>A target's input transformer.</summary>
public sealed record InputTransformer(Dictionary<string, string>? InputPathsMap, string? InputTemplate);

/// <summary>A target of a rule.</summary>
public sealed record Target
{
    /// <summary>The target's id within its rule.</summary>
    public string? Id { get; init; }

    /// <summary>The target's ARN.</summary>
    public string? Arn { get; init; }

    /// <summary>The role EventBridge would assume (stored, not used).</summary>
    public string? RoleArn { get; init; }

    /// <summary>Constant JSON input.</summary>
    public string? Input { get; init; }

    /// <summary>A JSONPath selecting the input from the event.</summary>
    public string? InputPath { get; init; }

    /// <summary>Input built from a template.</summary>
    public InputTransformer? InputTransformer { get; init; }

    /// <summary>SQS settings (the message group of a FIFO queue).</summary>
    public SqsParameters? SqsParameters { get; init; }

    /// <summary>Retry settings.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>Dead-letter queue.</summary>
    public DeadLetterConfig? DeadLetterConfig { get; init; }
}

/// <summary>A rule as DescribeRule and ListRules show it.</summary>
public sealed record Rule
{
    /// <summary>The rule name.</summary>
    public required string Name { get; init; }

    /// <summary>The rule ARN.</summary>
    public required string Arn { get; init; }

    /// <summary>The event pattern.</summary>
    public string? EventPattern { get; init; }

    /// <summary>The schedule expression.</summary>
    public string? ScheduleExpression { get; init; }

    /// <summary>ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.</summary>
    public required string State { get; init; }

    /// <summary>The description.</summary>
    public string? Description { get; init; }

    /// <summary>The role ARN.</summary>
    public string? RoleArn { get; init; }

    /// <summary>The service that manages the rule, if any.</summary>
    public string? ManagedBy { get; init; }

    /// <summary>The bus name.</summary>
    public required string EventBusName { get; init; }

    /// <summary>The account that created the rule.</summary>
    public string? CreatedBy { get; init; }
}

/// <summary>An event bus as ListEventBuses and DescribeEventBus show it.</summary>
public sealed record EventBus
{
    /// <summary>The bus name.</summary>
    public required string Name { get; init; }

    /// <summary>The bus ARN.</summary>
    public required string Arn { get; init; }

    /// <summary>The description.</summary>
    public string? Description { get; init; }

    /// <summary>The KMS key (stored, not used).</summary>
    public string? KmsKeyIdentifier { get; init; }

    /// <summary>The bus's dead-letter queue (stored).</summary>
    public DeadLetterConfig? DeadLetterConfig { get; init; }

    /// <summary>The resource policy, as JSON text.</summary>
    public string? Policy { get; init; }

    /// <summary>Creation time.</summary>
    public DateTimeOffset? CreationTime { get; init; }

    /// <summary>Last change.</summary>
    public DateTimeOffset? LastModifiedTime { get; init; }
}

/// <summary>One entry of PutEvents.</summary>
public sealed record PutEventsRequestEntry
{
    /// <summary>The event time (the ingestion time when absent).</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The event source.</summary>
    public string? Source { get; init; }

    /// <summary>ARNs the event concerns.</summary>
    public List<string>? Resources { get; init; }

    /// <summary>The detail type.</summary>
    public string? DetailType { get; init; }

    /// <summary>The detail, a JSON object as text.</summary>
    public string? Detail { get; init; }

    /// <summary>
    /// The detail as UTF-8 JSON text, for callers that have it as bytes (the wire parser does: it spares the
    /// detail a round trip through UTF-16). When set, it is used instead of <see cref="Detail"/>.
    /// </summary>
    public ReadOnlyMemory<byte>? DetailUtf8 { get; init; }

    /// <summary>The bus name or ARN (the default bus when absent).</summary>
    public string? EventBusName { get; init; }

    /// <summary>An X-Ray trace header (kept, not propagated).</summary>
    public string? TraceHeader { get; init; }
}

/// <summary>The outcome of one PutEvents entry: an id, or an error.</summary>
public sealed record PutEventsResultEntry(string? EventId, string? ErrorCode, string? ErrorMessage);

/// <summary>A PutTargets or RemoveTargets entry that failed.</summary>
public sealed record TargetFailure(string TargetId, string ErrorCode, string ErrorMessage);
