namespace Tideway.Wire;

/// <summary>Who AWS blames for an error: the <c>&lt;Type&gt;</c> of a query error, the fault of a JSON one.</summary>
public enum AwsFault
{
    /// <summary>The client's request is wrong (<c>Sender</c>, JavaScript SDK <c>$fault: "client"</c>).</summary>
    Sender,

    /// <summary>The service failed (<c>Receiver</c>, JavaScript SDK <c>$fault: "server"</c>).</summary>
    Receiver,
}

/// <summary>The protocol a response is written in; the same failure has a different code per protocol.</summary>
public enum AwsProtocol
{
    /// <summary>awsQuery: form body in, XML out (SQS for AWS CLI v2 up to 2.13, boto3 up to 1.28).</summary>
    AwsQuery,

    /// <summary>awsJson 1.0/1.1: <c>X-Amz-Target</c> in, <c>{"__type", "message"}</c> out (SQS JSON, Logs, EventBridge).</summary>
    AwsJson,

    /// <summary>restJson1: resource paths, <c>X-Amzn-ErrorType</c> header (Lambda, Scheduler).</summary>
    RestJson,
}

/// <summary>
/// One AWS error shape: the code a JSON client matches (<c>__type</c>, the Smithy shape name), the
/// code a query client matches (<c>&lt;Error&gt;&lt;Code&gt;</c>, and the JSON <c>x-amzn-query-error</c>
/// header), the HTTP status, the fault and the message to send.
/// </summary>
/// <param name="Code">The JSON <c>__type</c> (shape name), e.g. <c>QueueDoesNotExist</c>.</param>
/// <param name="QueryCode">The awsQuery code, e.g. <c>AWS.SimpleQueueService.NonExistentQueue</c>.</param>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Fault">Sender or Receiver.</param>
/// <param name="Message">The message; the static tables carry AWS's default wording.</param>
public sealed record AwsError(string Code, string QueryCode, int StatusCode, AwsFault Fault, string Message)
{
    /// <summary>The same error with another message.</summary>
    public AwsError WithMessage(string message) => this with { Message = message };

    /// <summary><c>Sender</c> or <c>Receiver</c>, as written in a query error's <c>&lt;Type&gt;</c>.</summary>
    public string FaultName => Fault == AwsFault.Sender ? "Sender" : "Receiver";

    /// <summary>
    /// The value of the <c>x-amzn-query-error</c> header an awsQuery-compatible JSON service (SQS)
    /// sends so that clients can recover the query code: <c>"&lt;QueryCode&gt;;Sender"</c>.
    /// </summary>
    public string QueryErrorHeaderValue => QueryCode + ";" + FaultName;
}
