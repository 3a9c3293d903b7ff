using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Functions;

/// <summary>
/// The Lambda engine: functions and their configuration (this file), invoke and execution environments (the
/// other parts). Definitions live in memory and are written through <see cref="IFunctionStore"/>; control-plane
/// changes are serialized by one lock.
/// </summary>
public sealed partial class FunctionsEngine : IAsyncDisposable
{
    /// <summary>Largest synchronous request and response payload (6 MB).</summary>
    public const int MaxSyncPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Largest synchronous response payload (6 MB and 100 bytes, as AWS reports it).</summary>
    public const int MaxResponseBytes = MaxSyncPayloadBytes + 100;

    /// <summary>Largest asynchronous request payload (1 MB since October 2025).</summary>
    public const int MaxAsyncPayloadBytes = 1024 * 1024;

    /// <summary>Unreserved concurrency AWS keeps for functions without a reservation.</summary>
    public const int MinUnreservedConcurrency = 100;

    private const string Latest = "$LATEST";

    private readonly IFunctionStore _store;
    private readonly FunctionsOptions _options;
    private readonly TimeProvider _time;
    private readonly IFunctionLogs _logs;
    private readonly CodePackages _code;
    private readonly IAsyncDestinations? _destinations;
    private readonly object _gate = new();
    private readonly Dictionary<(string Account, string Region, string Name), FunctionDocument> _functions = [];

    /// <summary>Creates the engine and loads the functions from the store.</summary>
    public FunctionsEngine(IFunctionStore store, FunctionsOptions options, IFunctionLogs logs, TimeProvider time, IAsyncDestinations? destinations = null)
    {
        _destinations = destinations;
        _store = store;
        _options = options;
        _time = time;
        _logs = logs;
        _code = new CodePackages(options.RuntimeRoot);
        options.Users = options.SeparateUsers && OperatingSystem.IsLinux() ? FunctionUsers.Detect(options.RuntimeRoot) : null;
        if (options.Users is not null)
        {
            Isolation = options.Users.NoMountNamespace is { } reason
                ? $"each execution environment runs as a user of its own; /tmp is shared, not sized: {reason}"
                : "each execution environment runs as a user of its own, with its own /tmp (a mount namespace)";
        }
        else if (options.SeparateUsers && OperatingSystem.IsLinux())
        {
            var (sandbox, reason) = FunctionSandbox.Detect(options.RuntimeRoot, options.HiddenFolders);
            options.Sandbox = sandbox;
            Isolation = sandbox is not null ? "each execution environment runs in namespaces of its own (user, mount, PID)"
                : $"execution environments run as the server's user, NOT isolated from its data: {reason}";
        }
        MemoryLimits.Prepare();
        foreach (var record in store.Functions())
        {
            _functions[(record.Account, record.Region, record.Name)] = JsonSerializer.Deserialize(record.Document, FunctionJsonContext.Default.FunctionDocument) ?? new FunctionDocument();
        }
        _reaper = time.CreateTimer(_ => Reap(), null, ReapInterval, ReapInterval);
    }

    /// <summary>Resumes the asynchronous invocations the store holds (call once the destinations are wired).</summary>
    public void Resume()
    {
        foreach (var invocation in _store.PendingInvocations())
        {
            Schedule(invocation);
        }
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>How execution environments are kept from the server and from each other, in a line.</summary>
    public string Isolation { get; } = "execution environments run as the server's user, not isolated from its data";

    /// <summary>Invocations, errors, throttles, durations and asynchronous events, per function.</summary>
    public FunctionMetrics Metrics { get; } = new();

    /// <summary>The ARN of a function.</summary>
    public static string FunctionArn(string region, string account, string name) => $"arn:aws:lambda:{region}:{account}:function:{name}";

    // ------------------------------------------------------------------ names

    // The pattern as AWS prints it in its message (ours below has named groups, which would leak into the message).
    private const string AwsFunctionNamePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";

    [GeneratedRegex(@"^[a-zA-Z0-9\-_]{1,64}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(arn:(aws[a-zA-Z-]*)?:lambda:)?(?<region>[a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(?<account>\d{12}:)?(function:)?(?<name>[a-zA-Z0-9\-_]+)(:(?<qualifier>\$LATEST|[a-zA-Z0-9\-_]+))?$")]
    private static partial Regex FunctionNamePattern();

    [GeneratedRegex(@"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")]
    private static partial Regex RolePattern();

    [GeneratedRegex(@"^[^\s]+$")]
    private static partial Regex HandlerPattern();

    // The API model says two characters at least, yet single-letter names are accepted in practice (docs/compat/lambda.md).
    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9_]*$")]
    private static partial Regex VariableNamePattern();

    /// <summary>
    /// Resolves a FunctionName (a name, a full ARN or a partial ARN, optionally qualified) to the function's key.
    /// Only <c>$LATEST</c> exists until versions and aliases arrive; another qualifier names no function.
    /// </summary>
    private static (string Account, string Region, string Name) Key(RequestScope scope, string? functionName, string? qualifier)
    {
        if (string.IsNullOrEmpty(functionName) || functionName.Length > 170)
        {
            throw Validation($"1 validation error detected: Value '{functionName}' at 'functionName' failed to satisfy constraint: Member must have length {(string.IsNullOrEmpty(functionName) ? "greater than or equal to 1" : "less than or equal to 170")}");
        }
        var match = FunctionNamePattern().Match(functionName);
        if (!match.Success)
        {
            throw Validation($"1 validation error detected: Value '{functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {AwsFunctionNamePattern}");
        }
        var account = match.Groups["account"].Success ? match.Groups["account"].Value.TrimEnd(':') : scope.Account;
        var region = match.Groups["region"].Success ? match.Groups["region"].Value.TrimEnd(':') : scope.Region;
        var name = match.Groups["name"].Value;
        var embedded = match.Groups["qualifier"].Success ? match.Groups["qualifier"].Value : null;
        if (embedded is not null && qualifier is not null && embedded != qualifier)
        {
            throw new ServiceException("InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.");
        }
        var version = qualifier ?? embedded;
        if (account != scope.Account || region != scope.Region || (version is not null && version != Latest))
        {
            throw NotFound(FunctionArn(region, account, name) + (version is null ? string.Empty : ":" + version));
        }
        return (account, region, name);
    }

    /// <summary>Whether a FunctionName or Qualifier names a version (only <c>$LATEST</c> here): reports then carry the qualified ARN.</summary>
    private static bool IsQualified(string? functionName, string? qualifier) =>
        qualifier is not null || (functionName is not null && FunctionNamePattern().Match(functionName) is { Success: true } match && match.Groups["qualifier"].Success);

    private static ServiceException Validation(string message) => new("ValidationException", message);

    private static ServiceException InvalidParameter(string message) => new("InvalidParameterValueException", message);

    private static ServiceException NotFound(string arn) => new("ResourceNotFoundException", $"Function not found: {arn}");

    private FunctionDocument Get((string Account, string Region, string Name) key) =>
        _functions.TryGetValue(key, out var function) ? function : throw NotFound(FunctionArn(key.Region, key.Account, key.Name));

    private static string NewRevision() => Guid.NewGuid().ToString();

    private static string FormatLastModified(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);

    private ValueTask SaveAsync((string Account, string Region, string Name) key, FunctionDocument document) =>
        _store.SaveFunctionAsync(new FunctionRecord(key.Account, key.Region, key.Name, JsonSerializer.Serialize(document, FunctionJsonContext.Default.FunctionDocument)));

    // ------------------------------------------------------------------ configuration

    private void CheckConfiguration(string? runtime, string? role, string? handler, string? description, int? timeout, int? memorySize, int? ephemeral, Dictionary<string, string>? variables, bool creating)
    {
        if (creating && string.IsNullOrEmpty(role))
        {
            throw Validation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
        }
        if (role is not null && !RolePattern().IsMatch(role))
        {
            throw Validation($"1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
        }
        if (creating && string.IsNullOrEmpty(runtime))
        {
            throw InvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
        }
        if (runtime is not null)
        {
            if (!Runtimes.AwsRuntimes.Contains(runtime))
            {
                throw InvalidParameter($"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", Runtimes.AwsRuntimes)}] or be a valid ARN");
            }
            if (Runtimes.Unavailable(runtime, forOthers: _options.Users is not null) is { } why)
            {
                throw InvalidParameter(why);
            }
        }
        if (creating && string.IsNullOrEmpty(handler))
        {
            throw InvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
        }
        if (handler is not null && (handler.Length > 128 || !HandlerPattern().IsMatch(handler)))
        {
            throw Validation($"1 validation error detected: Value '{handler}' at 'handler' failed to satisfy constraint: " +
                (handler.Length > 128 ? "Member must have length less than or equal to 128" : "Member must satisfy regular expression pattern: [^\\s]+"));
        }
        if (description is { Length: > 256 })
        {
            throw Validation($"1 validation error detected: Value '{description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256");
        }
        if (timeout is < 1)
        {
            throw Validation($"1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        if (timeout is > 900)
        {
            throw Validation($"1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
        }
        if (memorySize is < 128 or > 10240)
        {
            throw Validation($"1 validation error detected: Value '{memorySize}' at 'memorySize' failed to satisfy constraint: Member must have value {(memorySize < 128 ? "greater than or equal to 128" : "less than or equal to 10240")}");
        }
        if (ephemeral is < 512 or > 10240)
        {
            throw Validation($"1 validation error detected: Value '{ephemeral}' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value {(ephemeral < 512 ? "greater than or equal to 512" : "less than or equal to 10240")}");
        }
        if (variables is not null)
        {
            var size = 0;
            foreach (var (key, value) in variables)
            {
                if (!VariableNamePattern().IsMatch(key))
                {
                    throw Validation($"1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
                }
                size += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value ?? string.Empty);
            }
            var reserved = variables.Keys.Where(ReservedVariables.Contains).ToList();
            if (reserved.Count > 0)
            {
                throw InvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: " + string.Join(", ", reserved));
            }
            if (size > 4096)
            {
                throw InvalidParameter($"Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {JsonSerializer.Serialize(variables, FunctionJsonContext.Default.DictionaryStringString)}");
            }
        }
    }

    /// <summary>Variables Lambda sets itself and refuses in a function's configuration.</summary>
    private static readonly HashSet<string> ReservedVariables =
    [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ];

    private static byte[] ZipOf(FunctionCode? code, string operation)
    {
        if (code?.ZipFile is { Length: > 0 } zip)
        {
            return zip;
        }
        if (code?.ImageUri is not null)
        {
            throw InvalidParameter("Container images are not supported by Tideway: use PackageType Zip with a ZipFile.");
        }
        if (code?.S3Bucket is not null)
        {
            throw InvalidParameter($"{operation} from S3 is not supported by Tideway (there is no S3 here): send the package as ZipFile.");
        }
        throw InvalidParameter("Please provide a source for function code.");
    }

    /// <summary>CreateFunction: checks the configuration and the package, stores both; the function is Active once stored.</summary>
    public async Task<FunctionConfiguration> CreateFunctionAsync(RequestScope scope, CreateFunctionRequest request)
    {
        if (string.IsNullOrEmpty(request.FunctionName))
        {
            throw Validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null");
        }
        var key = Key(scope, request.FunctionName, null);
        if (!NamePattern().IsMatch(key.Name))
        {
            throw InvalidParameter($"1 validation error detected: Value '{request.FunctionName}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64");
        }
        if (request.PackageType is not null and not "Zip")
        {
            throw InvalidParameter(request.PackageType == "Image"
                ? "Container images are not supported by Tideway: use PackageType Zip with a ZipFile."
                : $"1 validation error detected: Value '{request.PackageType}' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]");
        }
        CheckConfiguration(request.Runtime, request.Role, request.Handler, request.Description, request.Timeout, request.MemorySize, request.EphemeralStorage?.Size, request.Environment?.Variables, creating: true);
        CheckDeadLetterTarget(request.DeadLetterConfig?.TargetArn);
        var architecture = CheckArchitectures(request.Architectures);
        if (request.Layers is { Count: > 0 })
        {
            throw InvalidParameter("Layers are not supported by Tideway yet.");
        }
        var package = CodePackages.Check(ZipOf(request.Code, "CreateFunction"));
        CheckTags(request.Tags);
        var document = new FunctionDocument
        {
            Runtime = request.Runtime!,
            Role = request.Role!,
            Handler = request.Handler!,
            Description = request.Description ?? string.Empty,
            Timeout = request.Timeout ?? 3,
            MemorySize = request.MemorySize ?? 128,
            EphemeralStorage = request.EphemeralStorage?.Size ?? 512,
            Architecture = architecture,
            Variables = request.Environment?.Variables,
            DeadLetterTargetArn = request.DeadLetterConfig?.TargetArn,
            TracingMode = request.TracingConfig?.Mode ?? "PassThrough",
            LogFormat = request.LoggingConfig?.LogFormat ?? "Text",
            LogGroup = request.LoggingConfig?.LogGroup,
            CodeSha256 = package.Sha256Base64,
            CodeSize = package.Zip.Length,
            LastModified = Now,
            RevisionId = NewRevision(),
            Tags = request.Tags ?? [],
        };
        await _store.SaveCodeAsync(package.Sha256Hex, package.Zip).ConfigureAwait(false);
        lock (_gate)
        {
            if (_functions.ContainsKey(key))
            {
                throw new ServiceException("ResourceConflictException", $"Function already exist: {key.Name}");
            }
            _functions[key] = document;
        }
        await SaveAsync(key, document).ConfigureAwait(false);
        // AWS reports a new function as Pending and makes it Active once its code is ready; here the code is ready
        // once stored, so only the response says Pending (docs/compat/lambda.md).
        return Configuration(key, document) with
        {
            State = "Pending",
            StateReason = "The function is being created.",
            StateReasonCode = "Creating",
            LastUpdateStatus = null,
        };
    }

    private static string CheckArchitectures(List<string>? architectures)
    {
        if (architectures is null || architectures.Count == 0)
        {
            return "x86_64";
        }
        if (architectures.Count > 1)
        {
            throw Validation("1 validation error detected: Value '[" + string.Join(", ", architectures) + "]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1");
        }
        return architectures[0] is "x86_64" or "arm64"
            ? architectures[0]
            : throw Validation($"1 validation error detected: Value '[{architectures[0]}]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]");
    }

    /// <summary>
    /// DeadLetterConfig.TargetArn: empty (none), or an SQS queue ARN. AWS also takes an SNS topic; Tideway runs no SNS,
    /// so a topic is refused rather than accepted and never delivered to (docs/compat/lambda.md).
    /// </summary>
    private static void CheckDeadLetterTarget(string? arn)
    {
        if (string.IsNullOrEmpty(arn))
        {
            return;
        }
        if (!DeadLetterTargetPattern().IsMatch(arn))
        {
            throw Validation($"1 validation error detected: Value '{arn}' at 'deadLetterConfig.targetArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()");
        }
        var parts = arn.Split(':');
        if (parts[2] == "sns")
        {
            throw InvalidParameter(NoSns("dead-letter target", arn));
        }
        if (parts[2] != "sqs" || parts.Length != 6 || parts[5].Length == 0)
        {
            throw InvalidParameter($"The provided target arn {arn} is invalid: a dead-letter target is an SQS queue (arn:aws:sqs:REGION:ACCOUNT:NAME).");
        }
    }

    /// <summary>Why an SNS topic is refused where AWS takes one.</summary>
    internal static string NoSns(string role, string arn) =>
        $"Tideway runs no SNS, so the {role} {arn} could never be delivered to: use an SQS queue, an event bus or a function.";

    [GeneratedRegex("^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$")]
    private static partial Regex DeadLetterTargetPattern();

    private static void CheckTags(Dictionary<string, string>? tags)
    {
        if (tags is null)
        {
            return;
        }
        if (tags.Count > 50)
        {
            throw InvalidParameter("Number of tags exceeds resource tag limit.");
        }
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw InvalidParameter($"The tag key {key} is not valid: keys are 1 to 128 characters and may not start with aws:.");
            }
            if (value is { Length: > 256 })
            {
                throw InvalidParameter($"The value of the tag {key} is longer than 256 characters.");
            }
        }
    }

    private static FunctionConfiguration Configuration((string Account, string Region, string Name) key, FunctionDocument d) => new()
    {
        FunctionName = key.Name,
        FunctionArn = FunctionArn(key.Region, key.Account, key.Name),
        Runtime = d.Runtime,
        Role = d.Role,
        Handler = d.Handler,
        CodeSize = d.CodeSize,
        Description = d.Description,
        Timeout = d.Timeout,
        MemorySize = d.MemorySize,
        LastModified = FormatLastModified(d.LastModified),
        CodeSha256 = d.CodeSha256,
        Version = Latest,
        Environment = d.Variables is null ? null : new EnvironmentResponse(d.Variables),
        DeadLetterConfig = d.DeadLetterTargetArn is null ? null : new DeadLetterConfig(d.DeadLetterTargetArn),
        TracingConfig = new TracingConfig(d.TracingMode),
        RevisionId = d.RevisionId,
        State = "Active",
        LastUpdateStatus = "Successful",
        PackageType = "Zip",
        Architectures = [d.Architecture],
        EphemeralStorage = new EphemeralStorage(d.EphemeralStorage),
        SnapStart = new SnapStartResponse("None", "Off"),
        LoggingConfig = new LoggingConfig(d.LogFormat, LogGroupOf(key.Name, d), null, null),
    };

    private static string LogGroupOf(string name, FunctionDocument d) => d.LogGroup ?? "/aws/lambda/" + name;

    /// <summary>GetFunctionConfiguration.</summary>
    public FunctionConfiguration GetFunctionConfiguration(RequestScope scope, string? functionName, string? qualifier)
    {
        var key = Key(scope, functionName, qualifier);
        lock (_gate)
        {
            var configuration = Configuration(key, Get(key));
            return IsQualified(functionName, qualifier) ? configuration with { FunctionArn = configuration.FunctionArn + ":" + Latest } : configuration;
        }
    }

    /// <summary>GetFunction.</summary>
    /// <param name="scope">Caller account and region.</param>
    /// <param name="functionName">Name, ARN or partial ARN.</param>
    /// <param name="qualifier">$LATEST or null.</param>
    /// <param name="endpoint">The server's URL as the caller reached it (<c>http://host:port</c>), for <c>Code.Location</c>; the configured endpoint when null.</param>
    public GetFunctionResponse GetFunction(RequestScope scope, string? functionName, string? qualifier, string? endpoint = null)
    {
        var key = Key(scope, functionName, qualifier);
        lock (_gate)
        {
            var d = Get(key);
            var location = CodeLink(endpoint ?? _options.Endpoint, d.CodeSha256);
            var configuration = Configuration(key, d);
            if (IsQualified(functionName, qualifier))
            {
                configuration = configuration with { FunctionArn = configuration.FunctionArn + ":" + Latest };
            }
            return new GetFunctionResponse(configuration, new FunctionCodeLocation("S3", location), d.Tags.Count == 0 ? null : new Dictionary<string, string>(d.Tags),
                d.ReservedConcurrency is { } reserved ? new Concurrency(reserved) : null);
        }
    }

    private static string HexOf(string sha256Base64) => Convert.ToHexStringLower(Convert.FromBase64String(sha256Base64));

    /// <summary>ListFunctions: by name, paged with an opaque marker.</summary>
    public ListFunctionsResponse ListFunctions(RequestScope scope, string? marker, int? maxItems)
    {
        if (maxItems is < 1 or > 10000)
        {
            throw Validation($"1 validation error detected: Value '{maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value {(maxItems < 1 ? "greater than or equal to 1" : "less than or equal to 10000")}");
        }
        var size = Math.Min(maxItems ?? 50, 50);
        lock (_gate)
        {
            var names = _functions.Keys.Where(k => k.Account == scope.Account && k.Region == scope.Region).Select(k => k.Name).Order(StringComparer.Ordinal).ToList();
            var start = 0;
            if (!string.IsNullOrEmpty(marker))
            {
                start = names.FindIndex(n => string.CompareOrdinal(n, marker) > 0);
                start = start < 0 ? names.Count : start;
            }
            var page = names.Skip(start).Take(size).ToList();
            var next = start + page.Count < names.Count ? page[^1] : null;
            // List items leave out the state members, as AWS's do.
            return new ListFunctionsResponse([.. page.Select(n => Configuration((scope.Account, scope.Region, n), _functions[(scope.Account, scope.Region, n)]) with { State = null, LastUpdateStatus = null })], next);
        }
    }

    /// <summary>UpdateFunctionConfiguration: members left out keep their value; warm environments are replaced.</summary>
    public async Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(RequestScope scope, string? functionName, UpdateFunctionConfigurationRequest request)
    {
        var key = Key(scope, functionName, null);
        CheckConfiguration(request.Runtime, request.Role, request.Handler, request.Description, request.Timeout, request.MemorySize, request.EphemeralStorage?.Size, request.Environment?.Variables, creating: false);
        CheckDeadLetterTarget(request.DeadLetterConfig?.TargetArn);
        if (request.Layers is { Count: > 0 })
        {
            throw InvalidParameter("Layers are not supported by Tideway yet.");
        }
        FunctionDocument updated;
        lock (_gate)
        {
            var d = Get(key);
            CheckRevision(d, request.RevisionId);
            updated = d with
            {
                Runtime = request.Runtime ?? d.Runtime,
                Role = request.Role ?? d.Role,
                Handler = request.Handler ?? d.Handler,
                Description = request.Description ?? d.Description,
                Timeout = request.Timeout ?? d.Timeout,
                MemorySize = request.MemorySize ?? d.MemorySize,
                EphemeralStorage = request.EphemeralStorage?.Size ?? d.EphemeralStorage,
                Variables = request.Environment is null ? d.Variables : request.Environment.Variables ?? [],
                DeadLetterTargetArn = request.DeadLetterConfig is null ? d.DeadLetterTargetArn : NullIfEmpty(request.DeadLetterConfig.TargetArn),
                TracingMode = request.TracingConfig?.Mode ?? d.TracingMode,
                LogFormat = request.LoggingConfig?.LogFormat ?? d.LogFormat,
                LogGroup = request.LoggingConfig?.LogGroup ?? d.LogGroup,
                LastModified = Now,
                RevisionId = NewRevision(),
            };
            _functions[key] = updated;
        }
        RetirePool(key);
        await SaveAsync(key, updated).ConfigureAwait(false);
        return Configuration(key, updated) with { LastUpdateStatus = "InProgress", LastUpdateStatusReason = "The function is being created.", LastUpdateStatusReasonCode = "Creating" };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static void CheckRevision(FunctionDocument d, string? revisionId)
    {
        if (revisionId is not null && revisionId != d.RevisionId)
        {
            throw new ServiceException("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }
    }

    /// <summary>UpdateFunctionCode: a new package; warm environments are replaced.</summary>
    public async Task<FunctionConfiguration> UpdateFunctionCodeAsync(RequestScope scope, string? functionName, UpdateFunctionCodeRequest request)
    {
        var key = Key(scope, functionName, null);
        var package = CodePackages.Check(ZipOf(new FunctionCode(request.ZipFile, request.S3Bucket, request.S3Key, request.S3ObjectVersion, request.ImageUri), "UpdateFunctionCode"));
        var architecture = request.Architectures is null ? null : CheckArchitectures(request.Architectures);
        FunctionDocument current;
        lock (_gate)
        {
            current = Get(key);
            CheckRevision(current, request.RevisionId);
        }
        if (request.DryRun == true)
        {
            return Configuration(key, current with { CodeSha256 = package.Sha256Base64, CodeSize = package.Zip.Length });
        }
        await _store.SaveCodeAsync(package.Sha256Hex, package.Zip).ConfigureAwait(false);
        FunctionDocument updated;
        string? orphan;
        lock (_gate)
        {
            var d = Get(key);
            updated = d with
            {
                CodeSha256 = package.Sha256Base64,
                CodeSize = package.Zip.Length,
                Architecture = architecture ?? d.Architecture,
                LastModified = Now,
                RevisionId = NewRevision(),
            };
            _functions[key] = updated;
            orphan = d.CodeSha256 != updated.CodeSha256 && !_functions.Values.Any(f => f.CodeSha256 == d.CodeSha256) ? d.CodeSha256 : null;
        }
        RetirePool(key);
        await SaveAsync(key, updated).ConfigureAwait(false);
        if (orphan is not null)
        {
            await _store.DeleteCodeAsync(HexOf(orphan)).ConfigureAwait(false);
        }
        return Configuration(key, updated) with { LastUpdateStatus = "InProgress", LastUpdateStatusReason = "The function is being created.", LastUpdateStatusReasonCode = "Creating" };
    }

    /// <summary>DeleteFunction: stops its environments and forgets it (its code too, when no other function shares it).</summary>
    public async Task DeleteFunctionAsync(RequestScope scope, string? functionName, string? qualifier)
    {
        if (qualifier == Latest)
        {
            throw InvalidParameter("$LATEST version cannot be deleted without deleting the function.");
        }
        var key = Key(scope, functionName, null);
        string? orphan;
        lock (_gate)
        {
            var d = Get(key);
            _functions.Remove(key);
            orphan = _functions.Values.Any(f => f.CodeSha256 == d.CodeSha256) ? null : d.CodeSha256;
        }
        StopPool(key);
        await _store.DeleteFunctionAsync(key.Account, key.Region, key.Name).ConfigureAwait(false);
        if (orphan is not null)
        {
            await _store.DeleteCodeAsync(HexOf(orphan)).ConfigureAwait(false);
        }
    }

    private async Task<T> ChangeAsync<T>((string Account, string Region, string Name) key, Func<FunctionDocument, (FunctionDocument Updated, T Result)> change)
    {
        FunctionDocument updated;
        T result;
        lock (_gate)
        {
            (updated, result) = change(Get(key));
            _functions[key] = updated;
        }
        await SaveAsync(key, updated).ConfigureAwait(false);
        return result;
    }

    // ------------------------------------------------------------------ concurrency

    /// <summary>PutFunctionConcurrency.</summary>
    public Task<Concurrency> PutFunctionConcurrencyAsync(RequestScope scope, string? functionName, int? reserved)
    {
        var key = Key(scope, functionName, null);
        if (reserved is null)
        {
            throw Validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null");
        }
        if (reserved < 0)
        {
            throw Validation($"1 validation error detected: Value '{reserved}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0");
        }
        lock (_gate)
        {
            if (!_functions.ContainsKey(key))
            {
                throw NotFound(FunctionArn(key.Region, key.Account, key.Name) + ":" + Latest);
            }
        }
        return ChangeAsync(key, d =>
        {
            var others = _functions.Where(f => f.Key.Account == key.Account && f.Key.Region == key.Region && f.Key != key).Sum(f => f.Value.ReservedConcurrency ?? 0);
            if (_options.ConcurrentExecutions - others - reserved.Value < MinUnreservedConcurrency)
            {
                throw InvalidParameter($"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MinUnreservedConcurrency}].");
            }
            return (d with { ReservedConcurrency = reserved }, new Concurrency(reserved));
        });
    }

    /// <summary>GetFunctionConcurrency.</summary>
    public Concurrency GetFunctionConcurrency(RequestScope scope, string? functionName)
    {
        var key = Key(scope, functionName, null);
        lock (_gate)
        {
            return new Concurrency(Get(key).ReservedConcurrency);
        }
    }

    /// <summary>DeleteFunctionConcurrency.</summary>
    public Task DeleteFunctionConcurrencyAsync(RequestScope scope, string? functionName) =>
        ChangeAsync(Key(scope, functionName, null), d => (d with { ReservedConcurrency = null }, true));

    /// <summary>GetAccountSettings.</summary>
    public GetAccountSettingsResponse GetAccountSettings(RequestScope scope)
    {
        lock (_gate)
        {
            var mine = _functions.Where(f => f.Key.Account == scope.Account && f.Key.Region == scope.Region).Select(f => f.Value).ToList();
            var reserved = mine.Sum(f => f.ReservedConcurrency ?? 0);
            return new GetAccountSettingsResponse(
                new AccountLimit(80_530_636_800, CodePackages.MaxUnzippedBytes, CodePackages.MaxZippedBytes, _options.ConcurrentExecutions, _options.ConcurrentExecutions - reserved),
                new AccountUsage(mine.Sum(f => f.CodeSize), mine.Count));
        }
    }

    // ------------------------------------------------------------------ tags

    private static (string Account, string Region, string Name) KeyOfArn(RequestScope scope, string? resource)
    {
        if (string.IsNullOrEmpty(resource) || !resource.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw Validation($"1 validation error detected: Value '{resource}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{{17}}|event-source-mapping:[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})");
        }
        return Key(scope, resource, null);
    }

    /// <summary>TagResource.</summary>
    public Task TagResourceAsync(RequestScope scope, string? resource, Dictionary<string, string>? tags)
    {
        var key = KeyOfArn(scope, resource);
        CheckTags(tags);
        return ChangeAsync(key, d =>
        {
            var merged = new Dictionary<string, string>(d.Tags);
            foreach (var (k, v) in tags ?? [])
            {
                merged[k] = v;
            }
            if (merged.Count > 50)
            {
                throw InvalidParameter("Number of tags exceeds resource tag limit.");
            }
            return (d with { Tags = merged }, true);
        });
    }

    /// <summary>UntagResource.</summary>
    public Task UntagResourceAsync(RequestScope scope, string? resource, IReadOnlyList<string> keys)
    {
        var key = KeyOfArn(scope, resource);
        return ChangeAsync(key, d =>
        {
            var kept = new Dictionary<string, string>(d.Tags);
            foreach (var k in keys)
            {
                kept.Remove(k);
            }
            return (d with { Tags = kept }, true);
        });
    }

    /// <summary>ListTags.</summary>
    public Dictionary<string, string> ListTags(RequestScope scope, string? resource)
    {
        var key = KeyOfArn(scope, resource);
        lock (_gate)
        {
            return new Dictionary<string, string>(Get(key).Tags);
        }
    }
}
