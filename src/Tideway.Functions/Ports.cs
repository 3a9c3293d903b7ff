namespace Tideway.Functions;

/// <summary>An invocation as the Runtime API's <c>invocation/next</c> hands it to a runtime.</summary>
/// <param name="RequestId">Lambda-Runtime-Aws-Request-Id.</param>
/// <param name="DeadlineMs">Lambda-Runtime-Deadline-Ms (Unix milliseconds).</param>
/// <param name="InvokedFunctionArn">Lambda-Runtime-Invoked-Function-Arn.</param>
/// <param name="TraceId">Lambda-Runtime-Trace-Id.</param>
/// <param name="ClientContext">Lambda-Runtime-Client-Context (JSON), when the caller sent one.</param>
/// <param name="CognitoIdentity">Lambda-Runtime-Cognito-Identity (JSON), when there is one.</param>
/// <param name="Payload">The event.</param>
public sealed record NextInvocation(string RequestId, long DeadlineMs, string InvokedFunctionArn, string TraceId, string? ClientContext, string? CognitoIdentity, ReadOnlyMemory<byte> Payload);

/// <summary>What a Runtime API call did: accepted, or refused with the Runtime API's status and error.</summary>
/// <param name="StatusCode">202 when accepted; 400, 403 or 413 otherwise.</param>
/// <param name="ErrorType">The error type when refused (e.g. <c>InvalidRequestID</c>).</param>
/// <param name="ErrorMessage">The message when refused.</param>
public readonly record struct RuntimeCallResult(int StatusCode, string? ErrorType, string? ErrorMessage)
{
    /// <summary>Accepted.</summary>
    public static RuntimeCallResult Accepted { get; } = new(202, null, null);
}

/// <summary>The Runtime API of one execution environment, as the server's HTTP endpoint calls it.</summary>
public interface IRuntimeApi
{
    /// <summary><c>GET invocation/next</c>: waits for the environment's next invocation (null when the environment is ending).</summary>
    Task<NextInvocation?> NextAsync(CancellationToken cancellationToken);

    /// <summary><c>POST invocation/{id}/response</c>.</summary>
    RuntimeCallResult Respond(string requestId, ReadOnlyMemory<byte> payload);

    /// <summary><c>POST invocation/{id}/response</c> with a body too large to read: the invocation fails with <c>Function.ResponseSizeTooLarge</c>.</summary>
    RuntimeCallResult ResponseTooLarge(string requestId);

    /// <summary><c>POST invocation/{id}/error</c>, with the Lambda-Runtime-Function-Error-Type header.</summary>
    RuntimeCallResult Fail(string requestId, string? errorType, ReadOnlyMemory<byte> payload);

    /// <summary><c>POST init/error</c>.</summary>
    RuntimeCallResult InitFailed(string? errorType, ReadOnlyMemory<byte> payload);
}

/// <summary>A Runtime API address leased to one execution environment; disposing it frees the address.</summary>
public interface IRuntimeLease : IDisposable
{
    /// <summary>The value of <c>AWS_LAMBDA_RUNTIME_API</c>: <c>host:port</c>.</summary>
    string Address { get; }
}

/// <summary>The server's side of the Runtime API: one address per execution environment, routed to its <see cref="IRuntimeApi"/>.</summary>
public interface IRuntimeEndpoints
{
    /// <summary>Leases an address that routes to <paramref name="environment"/>; null when none is free.</summary>
    IRuntimeLease? Lease(IRuntimeApi environment);
}

/// <summary>One line of a function's log.</summary>
/// <param name="Timestamp">Unix milliseconds.</param>
/// <param name="Message">The line.</param>
public readonly record struct FunctionLogLine(long Timestamp, string Message);

/// <summary>Where function logs go (CloudWatch Logs, through <c>Tideway.Targets</c>). Writes are queued, never awaited by an invoke.</summary>
public interface IFunctionLogs
{
    /// <summary>Appends lines to a stream of a log group, creating both when missing.</summary>
    void Append(string account, string region, string group, string stream, IReadOnlyList<FunctionLogLine> lines);
}

/// <summary>Where asynchronous invocations report their outcome (implemented by <c>Tideway.Targets</c> over the other engines).</summary>
public interface IAsyncDestinations
{
    /// <summary>Sends an invocation record to an OnSuccess or OnFailure destination (an SQS queue, an event bus or a function).</summary>
    ValueTask SendRecordAsync(Primitives.RequestScope scope, string destinationArn, string functionArn, bool success, byte[] record);

    /// <summary>Sends a failed event to the function's dead-letter queue, with the RequestID, ErrorCode and ErrorMessage attributes.</summary>
    ValueTask SendToDeadLetterAsync(Primitives.RequestScope scope, string targetArn, ReadOnlyMemory<byte> payload, string requestId, int errorCode, string errorMessage);
}
