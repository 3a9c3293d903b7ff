namespace Tideway.Wire.Sqs;

/// <summary>
/// SQS's own errors: every error shape of the SQS model (botocore 1.43.11) with its awsQuery code and
/// status (the <c>awsQueryError</c> trait, from @aws-sdk/client-sqs 3.1169.0; /work/shared/wire/error-shapes.json).
/// </summary>
/// <remarks>
/// Query clients (AWS CLI v2 ≤ 2.13, boto3 ≤ 1.28, .NET v3) match <see cref="AwsError.QueryCode"/> in
/// <c>&lt;Error&gt;&lt;Code&gt;</c>; JSON clients match <c>__type</c> <c>com.amazonaws.sqs#</c> + <see cref="AwsError.Code"/>
/// and read the query code back from <c>x-amzn-query-error: {QueryCode};Sender</c>. The messages are
/// the SQS API reference's descriptions (the JSON service's wording: the query service says "The
/// specified queue does not exist for this wsdl version." for QueueDoesNotExist).
/// Errors common to all services (MissingParameter, InvalidParameterValue, InvalidAction,
/// AccessDenied, the signature errors…) are in <see cref="CommonErrors"/>.
/// </remarks>
public static class SqsErrors
{
    private const AwsFault S = AwsFault.Sender;

    /// <summary>Two or more batch entries have the same Id.</summary>
    public static readonly AwsError BatchEntryIdsNotDistinct = new("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, S, "Two or more batch entries in the request have the same Id.");

    /// <summary>The messages of a batch together exceed the size limit.</summary>
    public static readonly AwsError BatchRequestTooLong = new("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400, S, "The length of all the messages put together is more than the limit.");

    /// <summary>A batch request has no entries.</summary>
    public static readonly AwsError EmptyBatchRequest = new("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400, S, "The batch request doesn't contain any entries.");

    /// <summary>The queue URL or id is not valid (404).</summary>
    public static readonly AwsError InvalidAddress = new("InvalidAddress", "InvalidAddress", 404, S, "The specified ID is invalid.");

    /// <summary>An attribute name is not a queue attribute.</summary>
    public static readonly AwsError InvalidAttributeName = new("InvalidAttributeName", "InvalidAttributeName", 400, S, "The specified attribute doesn't exist.");

    /// <summary>A queue attribute value is invalid.</summary>
    public static readonly AwsError InvalidAttributeValue = new("InvalidAttributeValue", "InvalidAttributeValue", 400, S, "A queue attribute value is invalid.");

    /// <summary>A batch entry Id does not follow the rules (80 characters of alphanumerics, hyphens, underscores).</summary>
    public static readonly AwsError InvalidBatchEntryId = new("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400, S, "The Id of a batch entry in a batch request doesn't abide by the specification.");

    /// <summary>The receipt handle is not valid for the current version.</summary>
    public static readonly AwsError InvalidIdFormat = new("InvalidIdFormat", "InvalidIdFormat", 400, S, "The specified receipt handle isn't valid for the current version.");

    /// <summary>The message contains characters outside the allowed set.</summary>
    public static readonly AwsError InvalidMessageContents = new("InvalidMessageContents", "InvalidMessageContents", 400, S, "The message contains characters outside the allowed set.");

    /// <summary>The request was not made over HTTPS or not signed with SigV4 (403).</summary>
    public static readonly AwsError InvalidSecurity = new("InvalidSecurity", "InvalidSecurity", 403, S, "The request was not made over HTTPS or did not use SigV4 for signing.");

    /// <summary>The caller lacks the KMS access SSE needs.</summary>
    public static readonly AwsError KmsAccessDenied = new("KmsAccessDenied", "KMS.AccessDeniedException", 400, S, "The caller doesn't have the required KMS access.");

    /// <summary>The KMS key is disabled.</summary>
    public static readonly AwsError KmsDisabled = new("KmsDisabled", "KMS.DisabledException", 400, S, "The request was denied because the specified KMS key isn't enabled.");

    /// <summary>The KMS key cannot be used this way.</summary>
    public static readonly AwsError KmsInvalidKeyUsage = new("KmsInvalidKeyUsage", "KMS.InvalidKeyUsageException", 400, S, "The KeyUsage value of the KMS key is incompatible with the API operation.");

    /// <summary>The KMS key is in a state that does not allow the request.</summary>
    public static readonly AwsError KmsInvalidState = new("KmsInvalidState", "KMS.InvalidStateException", 400, S, "The request was rejected because the state of the specified resource is not valid for this request.");

    /// <summary>The KMS key does not exist.</summary>
    public static readonly AwsError KmsNotFound = new("KmsNotFound", "KMS.NotFoundException", 400, S, "The request was rejected because the specified entity or resource could not be found.");

    /// <summary>The KMS key needs a subscription (403).</summary>
    public static readonly AwsError KmsOptInRequired = new("KmsOptInRequired", "KMS.OptInRequired", 403, S, "The request was rejected because the specified key policy isn't syntactically or semantically correct.");

    /// <summary>KMS throttled the request.</summary>
    public static readonly AwsError KmsThrottled = new("KmsThrottled", "KMS.ThrottlingException", 400, S, "The request was denied due to KMS request throttling.");

    /// <summary>The message is not in flight (ChangeMessageVisibility).</summary>
    public static readonly AwsError MessageNotInflight = new("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400, S, "The specified message isn't in flight.");

    /// <summary>A limit is exceeded, e.g. 120,000 in-flight messages (403).</summary>
    public static readonly AwsError OverLimit = new("OverLimit", "OverLimit", 403, S, "The specified action violates a limit.");

    /// <summary>The queue was purged less than 60 seconds ago (403).</summary>
    public static readonly AwsError PurgeQueueInProgress = new("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403, S, "Only one PurgeQueue operation on a queue is allowed every 60 seconds.");

    /// <summary>A queue of this name was deleted less than 60 seconds ago.</summary>
    public static readonly AwsError QueueDeletedRecently = new("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400, S, "You must wait 60 seconds after deleting a queue before you can create another queue with the same name.");

    /// <summary>The queue does not exist (query code <c>AWS.SimpleQueueService.NonExistentQueue</c>).</summary>
    public static readonly AwsError QueueDoesNotExist = new("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400, S, "The specified queue does not exist.");

    /// <summary>A queue of this name exists with different attributes (query code <c>QueueAlreadyExists</c>).</summary>
    public static readonly AwsError QueueNameExists = new("QueueNameExists", "QueueAlreadyExists", 400, S, "A queue already exists with the same name and a different value for an attribute.");

    /// <summary>The receipt handle is not valid (404).</summary>
    public static readonly AwsError ReceiptHandleIsInvalid = new("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404, S, "The specified receipt handle isn't valid.");

    /// <summary>The request was throttled (403).</summary>
    public static readonly AwsError RequestThrottled = new("RequestThrottled", "RequestThrottled", 403, S, "The request was denied due to request throttling.");

    /// <summary>A resource (e.g. a move task's source) does not exist (404).</summary>
    public static readonly AwsError ResourceNotFoundException = new("ResourceNotFoundException", "ResourceNotFoundException", 404, S, "One or more specified resources don't exist.");

    /// <summary>A batch has more than 10 entries.</summary>
    public static readonly AwsError TooManyEntriesInBatchRequest = new("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, S, "The batch request contains more entries than permissible.");

    /// <summary>The operation is not supported.</summary>
    public static readonly AwsError UnsupportedOperation = new("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, S, "Error code 400. Unsupported operation.");

    /// <summary>Every SQS error shape, in the model's order.</summary>
    public static IReadOnlyList<AwsError> All { get; } =
    [
        BatchEntryIdsNotDistinct, BatchRequestTooLong, EmptyBatchRequest, InvalidAddress, InvalidAttributeName,
        InvalidAttributeValue, InvalidBatchEntryId, InvalidIdFormat, InvalidMessageContents, InvalidSecurity,
        KmsAccessDenied, KmsDisabled, KmsInvalidKeyUsage, KmsInvalidState, KmsNotFound, KmsOptInRequired,
        KmsThrottled, MessageNotInflight, OverLimit, PurgeQueueInProgress, QueueDeletedRecently,
        QueueDoesNotExist, QueueNameExists, ReceiptHandleIsInvalid, RequestThrottled, ResourceNotFoundException,
        TooManyEntriesInBatchRequest, UnsupportedOperation,
    ];
}
