namespace Tideway.Functions;

// The AWS nouns of the Lambda API (members named as in the API reference), shared by the engine and the wire
// adapter. Request records are what a caller sends; the engine validates every member.

/// <summary>A function's code as sent by CreateFunction and UpdateFunctionCode.</summary>
public sealed record FunctionCode(byte[]? ZipFile, string? S3Bucket, string? S3Key, string? S3ObjectVersion, string? ImageUri);

/// <summary>Environment variables of a function.</summary>
public sealed record FunctionEnvironment(Dictionary<string, string>? Variables);

/// <summary>The size of a function's /tmp.</summary>
public sealed record EphemeralStorage(int? Size);

/// <summary>Where an asynchronous invocation that failed is sent (the function's DeadLetterConfig).</summary>
public sealed record DeadLetterConfig(string? TargetArn);

/// <summary>Tracing settings (stored, reported, not acted on).</summary>
public sealed record TracingConfig(string? Mode);

/// <summary>Logging settings (only the log group is acted on).</summary>
public sealed record LoggingConfig(string? LogFormat, string? LogGroup, string? ApplicationLogLevel, string? SystemLogLevel);

/// <summary>CreateFunction.</summary>
public sealed record CreateFunctionRequest
{
    public string? FunctionName { get; init; }
    public string? Runtime { get; init; }
    public string? Role { get; init; }
    public string? Handler { get; init; }
    public FunctionCode? Code { get; init; }
    public string? Description { get; init; }
    public int? Timeout { get; init; }
    public int? MemorySize { get; init; }
    public bool? Publish { get; init; }
    public FunctionEnvironment? Environment { get; init; }
    public Dictionary<string, string>? Tags { get; init; }
    public string? PackageType { get; init; }
    public List<string>? Architectures { get; init; }
    public EphemeralStorage? EphemeralStorage { get; init; }
    public DeadLetterConfig? DeadLetterConfig { get; init; }
    public TracingConfig? TracingConfig { get; init; }
    public LoggingConfig? LoggingConfig { get; init; }
    public List<string>? Layers { get; init; }
}

/// <summary>UpdateFunctionConfiguration: members left out keep their value.</summary>
public sealed record UpdateFunctionConfigurationRequest
{
    public string? Runtime { get; init; }
    public string? Role { get; init; }
    public string? Handler { get; init; }
    public string? Description { get; init; }
    public int? Timeout { get; init; }
    public int? MemorySize { get; init; }
    public FunctionEnvironment? Environment { get; init; }
    public EphemeralStorage? EphemeralStorage { get; init; }
    public DeadLetterConfig? DeadLetterConfig { get; init; }
    public TracingConfig? TracingConfig { get; init; }
    public LoggingConfig? LoggingConfig { get; init; }
    public string? RevisionId { get; init; }
    public List<string>? Layers { get; init; }
}

/// <summary>UpdateFunctionCode.</summary>
public sealed record UpdateFunctionCodeRequest
{
    public byte[]? ZipFile { get; init; }
    public string? S3Bucket { get; init; }
    public string? S3Key { get; init; }
    public string? S3ObjectVersion { get; init; }
    public string? ImageUri { get; init; }
    public bool? Publish { get; init; }
    public bool? DryRun { get; init; }
    public string? RevisionId { get; init; }
    public List<string>? Architectures { get; init; }
}

/// <summary>Environment variables as reported.</summary>
public sealed record EnvironmentResponse(Dictionary<string, string> Variables);

/// <summary>SnapStart as reported (never applied here).</summary>
public sealed record SnapStartResponse(string ApplyOn, string OptimizationStatus);

/// <summary>A function's configuration as every operation reports it.</summary>
public sealed record FunctionConfiguration
{
    public required string FunctionName { get; init; }
    public required string FunctionArn { get; init; }
    public required string Runtime { get; init; }
    public required string Role { get; init; }
    public required string Handler { get; init; }
    public long CodeSize { get; init; }
    public required string Description { get; init; }
    public int Timeout { get; init; }
    public int MemorySize { get; init; }
    public required string LastModified { get; init; }
    public required string CodeSha256 { get; init; }
    public required string Version { get; init; }
    public EnvironmentResponse? Environment { get; init; }
    public DeadLetterConfig? DeadLetterConfig { get; init; }
    public required TracingConfig TracingConfig { get; init; }
    public required string RevisionId { get; init; }
    public string? State { get; init; }
    public string? StateReason { get; init; }
    public string? StateReasonCode { get; init; }
    public string? LastUpdateStatus { get; init; }
    public string? LastUpdateStatusReason { get; init; }
    public string? LastUpdateStatusReasonCode { get; init; }
    public required string PackageType { get; init; }
    public required List<string> Architectures { get; init; }
    public required EphemeralStorage EphemeralStorage { get; init; }
    public required SnapStartResponse SnapStart { get; init; }
    public required LoggingConfig LoggingConfig { get; init; }
}

/// <summary>Where GetFunction says the code can be downloaded.</summary>
public sealed record FunctionCodeLocation(string RepositoryType, string Location);

/// <summary>Reserved concurrency as reported.</summary>
public sealed record Concurrency(int? ReservedConcurrentExecutions);

/// <summary>GetFunction.</summary>
public sealed record GetFunctionResponse(FunctionConfiguration Configuration, FunctionCodeLocation Code, Dictionary<string, string>? Tags, Concurrency? Concurrency);

/// <summary>ListFunctions.</summary>
public sealed record ListFunctionsResponse(List<FunctionConfiguration> Functions, string? NextMarker);

/// <summary>A destination of an asynchronous invocation's outcome.</summary>
public sealed record OnSuccess(string? Destination);

/// <summary>A destination of an asynchronous invocation that failed.</summary>
public sealed record OnFailure(string? Destination);

/// <summary>Destinations of asynchronous invocations.</summary>
public sealed record DestinationConfig(OnSuccess? OnSuccess, OnFailure? OnFailure);

/// <summary>Put/UpdateFunctionEventInvokeConfig.</summary>
public sealed record EventInvokeConfigRequest(int? MaximumRetryAttempts, int? MaximumEventAgeInSeconds, DestinationConfig? DestinationConfig);

/// <summary>A function's event invoke configuration as reported (LastModified in epoch seconds).</summary>
public sealed record FunctionEventInvokeConfig(double LastModified, string FunctionArn, int? MaximumRetryAttempts, int? MaximumEventAgeInSeconds, DestinationConfig DestinationConfig);

/// <summary>ListFunctionEventInvokeConfigs.</summary>
public sealed record ListFunctionEventInvokeConfigsResponse(List<FunctionEventInvokeConfig> FunctionEventInvokeConfigs, string? NextMarker);

/// <summary>AddPermission.</summary>
public sealed record AddPermissionRequest
{
    public string? StatementId { get; init; }
    public string? Action { get; init; }
    public string? Principal { get; init; }
    public string? SourceArn { get; init; }
    public string? SourceAccount { get; init; }
    public string? EventSourceToken { get; init; }
    public string? RevisionId { get; init; }
    public string? PrincipalOrgID { get; init; }
    public string? FunctionUrlAuthType { get; init; }
}

/// <summary>AddPermission's response: the statement added, as a JSON string.</summary>
public sealed record AddPermissionResponse(string Statement);

/// <summary>GetPolicy.</summary>
public sealed record GetPolicyResponse(string Policy, string RevisionId);

/// <summary>The account's limits.</summary>
public sealed record AccountLimit(long TotalCodeSize, long CodeSizeUnzipped, long CodeSizeZipped, int ConcurrentExecutions, int UnreservedConcurrentExecutions);

/// <summary>The account's usage.</summary>
public sealed record AccountUsage(long TotalCodeSize, long FunctionCount);

/// <summary>GetAccountSettings.</summary>
public sealed record GetAccountSettingsResponse(AccountLimit AccountLimit, AccountUsage AccountUsage);

/// <summary>How an invocation is made.</summary>
public enum InvocationType
{
    /// <summary>Synchronous: the caller waits for the response.</summary>
    RequestResponse,

    /// <summary>Asynchronous: queued, retried, sent to destinations.</summary>
    Event,

    /// <summary>Checks the function and the caller's permission only.</summary>
    DryRun,
}

/// <summary>An invocation's outcome as Invoke reports it.</summary>
/// <param name="StatusCode">200, 202 or 204.</param>
/// <param name="Payload">The response (or error document) JSON.</param>
/// <param name="FunctionError"><c>Unhandled</c> (or the runtime's type) when the function failed, else null.</param>
/// <param name="LogResult">The last 4 KB of the invocation's log, base64, when asked for.</param>
/// <param name="ExecutedVersion">The version that ran.</param>
/// <param name="RequestId">The invocation's request id (the response's x-amzn-RequestId, as AWS).</param>
/// <param name="DurationMs">How long the invocation ran in its environment (REPORT's Duration), when it ran.</param>
public sealed record InvokeResult(int StatusCode, ReadOnlyMemory<byte> Payload, string? FunctionError, string? LogResult, string? ExecutedVersion, string? RequestId = null, double? DurationMs = null);
