using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Tideway.Primitives;

namespace Tideway.Functions;

/// <summary>
/// One execution environment: an OS process running a runtime client that speaks the Runtime API on its own
/// leased address, with the function's code as its working directory, its own temporary folder and the AWS
/// environment variables. One invocation at a time.
/// </summary>
/// <remarks>
/// The process's stdout and stderr go to a FIFO that this class also writes to: when an invocation is handed
/// out and when it ends, a marker line goes into the same FIFO, so the reader attributes every line the function
/// wrote to the right invocation, whatever the timing of the reading thread (see ADR 0005).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The FIFO streams are closed by the reader thread when the process ends (Close).")]
internal sealed partial class ExecutionEnvironment : IRuntimeApi
{
    // Markers carry a secret of the environment, so that nothing the function prints can pass for one.
    private readonly string _markerPrefix = "\u001ftideway-" + Guid.NewGuid().ToString("N") + ":";
    private const int MaxPendingBytes = 4 * MaxLineChars;
    private const int MaxLinesPerInvocation = 10_000;
    private const int MaxLineChars = 256 * 1024;
    private static long _nextEnvironmentId;

    private readonly FunctionInstance _function;
    private readonly FunctionsOptions _options;
    private readonly TimeProvider _time;
    private readonly IFunctionLogs _logs;
    private readonly Action<ExecutionEnvironment> _released;
    private readonly object _gate = new();
    // The environment's own user when the server switches users (0: it runs as the server's user).
    private uint _uid;
    private readonly string _folder;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private IRuntimeLease? _lease;
    private Process? _process;
    private FileStream? _output;
    private FileStream? _markers;
    private Invocation? _assigned;
    private Invocation? _running;
    // Invocations handed out whose end marker the reader has not reached yet, by request id.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Invocation> _handedOut = new(StringComparer.Ordinal);
    private Invocation? _orphan;
    private TaskCompletionSource<NextInvocation?>? _waiter;
    private ITimer? _timer;
    private ITimer? _memoryPoll;
    private string? _cgroup;
    private int _pid;
    private int _runtimePid;
    private bool _tmpInMemory;
    private volatile int _polledPeakMb;
    private bool _readerStarted;
    private int _peakMb;
    private long _peakReadAt;
    private volatile bool _overMemory;
    private double? _initDurationMs;
    private bool _initReported;
    private (string Type, byte[] Payload)? _initError;
    private bool _ending;
    private readonly List<FunctionLogLine> _initLines = [];
    // The reader thread never takes _gate (a marker write under _gate can block on a full FIFO until the reader drains it).
    private readonly object _initGate = new();

    public ExecutionEnvironment(FunctionInstance function, FunctionsOptions options, TimeProvider time, IFunctionLogs logs, Action<ExecutionEnvironment> released)
    {
        _function = function;
        _options = options;
        _time = time;
        _logs = logs;
        _released = released;
        var id = Interlocked.Increment(ref _nextEnvironmentId);
        _folder = Path.Combine(options.RuntimeRoot, "env", id.ToString(CultureInfo.InvariantCulture));
        var now = time.GetUtcNow();
        IdleSince = time.GetTimestamp();
        LogStream = $"{now:yyyy'/'MM'/'dd}/[$LATEST]{Guid.NewGuid():N}";
    }

    public FunctionInstance Function => _function;

    public string LogStream { get; }

    /// <summary>When the environment last finished an invocation (for the idle reaper), stopwatch ticks.</summary>
    public long IdleSince { get; private set; }

    public bool Ended => _ending;

    /// <summary>Completes once the environment is gone (process exited, lease and folder released).</summary>
    public Task Closed => _closed.Task;

    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the process with <paramref name="first"/> assigned to it; false when no Runtime API address is free.</summary>
    public bool Start(Invocation first)
    {
        _lease = _options.Endpoints.Lease(this);
        if (_lease is null)
        {
            return false;
        }
        try
        {
            StartProcess(first);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Nothing may stay behind: the reader (when it runs) stops at the exit marker and closes the rest.
            lock (_gate)
            {
                _ending = true;
                _assigned = null;
            }
            Kill();
            if (_readerStarted)
            {
                WriteMarker("exit", "the environment could not start");
            }
            else
            {
                Close();
            }
            throw new ServiceException("ServiceException", $"The execution environment of {_function.Name} could not start: {e.Message}", senderFault: false);
        }
    }

    /// <summary>
    /// The shell that starts a runtime (<c>sh -c Launcher sh FIFO CGROUP COMMAND...</c>): it joins the environment's
    /// memory cgroup (when there is one), points stdout and stderr at the FIFO, then replaces itself with the runtime.
    /// </summary>
    /// <remarks>
    /// The FIFO is opened read-write (<c>1&lt;&gt;</c>), which never blocks. A write-only open waits for a reader: a
    /// server killed between starting the shell and the shell's open left the shell waiting for ever, holding the
    /// server's own stdout and stderr, which it inherited (whoever read the server's output never saw it end).
    /// </remarks>
    internal const string Launcher = "o=$1; c=$2; shift 2; if [ -n \"$c\" ]; then echo $$ > \"$c/cgroup.procs\"; fi; exec \"$@\" 1<>\"$o\" 2>&1";

    /// <summary>
    /// The launcher of a root server's environment in a mount namespace of its own (<c>unshare --mount /bin/sh -c
    /// MountingLauncher sh FIFO CGROUP TABLE STAGING REPLACED CODE COMMAND...</c>): as <see cref="Launcher"/>, and
    /// before the command it mounts the environment's table (<see cref="FunctionSandbox.WriteMountTable"/>), moves the
    /// staging area over the replaced folder and changes into the code; a mount's error goes to the function's log.
    /// </summary>
    internal const string MountingLauncher = "o=$1; c=$2; shift 2; if [ -n \"$c\" ]; then echo $$ > \"$c/cgroup.procs\"; fi; exec 1<>\"$o\" 2>&1; " +
        FunctionSandbox.MountView + " && cd \"$4\" || exit 125; shift 4; exec \"$@\"";

    /// <summary>
    /// Run as the environment's user after the switch (argument: the environment file, <c>export NAME='value'</c>
    /// lines): sets the runtime's environment, then runs it.
    /// </summary>
    internal const string EnvironmentStep = ". \"$1\" || exit 125; shift; exec \"$@\"";

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial System.Text.RegularExpressions.Regex VariableName();

    private void StartProcess(Invocation first)
    {
        _assigned = first;
        var tmp = Path.Combine(_folder, "tmp");
        Directory.CreateDirectory(tmp);
        var users = _options.Users;
        if (users is not null && OperatingSystem.IsLinux())
        {
            _uid = users.Rent(tmp);
            FunctionUsers.Prepare(_function.CodeFolder, _folder, tmp, _uid);
        }
        var fifo = Path.Combine(_folder, "output");
        if (MakeFifo(fifo, Convert.ToUInt32("600", 8)) != 0)
        {
            throw new IOException($"mkfifo {fifo} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        // Opened read-write, the FIFO never blocks the open and never reports end of file: the reader stops at the exit marker.
        _output = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        _markers = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        lock (_initGate)
        {
            _initLines.Add(new FunctionLogLine(Now, $"INIT_START Runtime Version: {_function.Runtime}\tRuntime Version ARN: tideway:{_function.Runtime}"));
        }
        var reader = new Thread(ReadOutput) { IsBackground = true, Name = "tideway-fn-output" };
        reader.Start();
        _readerStarted = true;

        var spec = Runtimes.Find(_function.Runtime) ?? throw new InvalidOperationException($"The runtime {_function.Runtime} is not supported.");
        // Pages of a tmpfs /tmp are charged to the cgroup of whoever writes them. On AWS /tmp is apart from memory: the
        // cgroup's limit leaves room for a full /tmp, and MemorySize is held to what the cgroup holds without /tmp (polled).
        _tmpInMemory = users?.Unshare is not null || _options.Sandbox is not null;
        _cgroup = MemoryLimits.Create(Path.GetFileName(_folder), _function.MemorySize + (_tmpInMemory ? _function.EphemeralStorage : 0));
        var unshare = users?.Unshare;
        var start = new ProcessStartInfo(unshare ?? "/bin/sh") { UseShellExecute = false, RedirectStandardInput = true, WorkingDirectory = _function.CodeFolder };
        if (unshare is not null)
        {
            start.ArgumentList.Add("--mount");
            start.ArgumentList.Add("/bin/sh");
        }
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(unshare is null ? Launcher : MountingLauncher);
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(fifo);
        start.ArgumentList.Add(_cgroup ?? string.Empty);
        if (unshare is not null)
        {
            // Its own /tmp, sized by EphemeralStorage; of the runtime root, its folder, its code and our bootstraps.
            var replaced = FunctionSandbox.ReplacedFolder(_options.RuntimeRoot);
            var (table, staging) = FunctionSandbox.WriteMountTable(replaced, Path.GetFullPath(_folder), Path.GetFullPath(_function.CodeFolder),
                Path.GetDirectoryName(users!.RuntimeFolder)!, _function.EphemeralStorage, [], ownTerminals: false);
            foreach (var argument in (string[])[table, staging, replaced, Path.GetFullPath(_function.CodeFolder)])
            {
                start.ArgumentList.Add(argument);
            }
        }
        if (users is not null)
        {
            foreach (var argument in users.SwitchTo(_uid))
            {
                start.ArgumentList.Add(argument);
            }
        }
        else if (_options.Sandbox is { } sandbox)
        {
            foreach (var argument in sandbox.Arguments(_folder, _function.CodeFolder, _function.EphemeralStorage))
            {
                start.ArgumentList.Add(argument);
            }
        }
        var runtimeFolder = users?.RuntimeFolder ?? _options.Sandbox?.RuntimeFolder ?? Runtimes.Folder;
        // Isolated, the stages before the runtime (root's, or the namespaces' before they are set up) run with PATH
        // alone: the function's variables may name a library for the loader (LD_PRELOAD) or a file for the shell, which
        // those stages must not load. The runtime gets its environment from a file its user reads after the switch.
        var isolated = users is not null || _options.Sandbox is not null;
        if (isolated)
        {
            var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
            SetEnvironment(environment, tmp, runtimeFolder);
            var file = Path.Combine(_folder, "environment");
            File.WriteAllText(file, string.Concat(environment.Where(v => VariableName().IsMatch(v.Key)).Select(v => $"export {v.Key}='{v.Value?.Replace("'", "'\\''", StringComparison.Ordinal)}'\n")));
            if (users is not null && OperatingSystem.IsLinux())
            {
                FunctionUsers.GiveTo(file, _uid);
            }
            foreach (var argument in (string[])["/bin/sh", "-c", EnvironmentStep, "sh", file])
            {
                start.ArgumentList.Add(argument);
            }
        }
        if (spec.Interpreter is null)
        {
            start.ArgumentList.Add(Path.Combine(_function.CodeFolder, "bootstrap"));
        }
        else
        {
            start.ArgumentList.Add(Runtimes.InterpreterPath(spec, users is not null) ?? throw new InvalidOperationException(Runtimes.Unavailable(spec.Name, users is not null)));
            if (spec.Interpreter == "python3")
            {
                start.ArgumentList.Add("-u");
            }
            start.ArgumentList.Add(Path.Combine(runtimeFolder, spec.Bootstrap!));
        }
        if (isolated)
        {
            start.Environment.Clear();
            start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        }
        else
        {
            SetEnvironment(start.Environment, tmp, runtimeFolder);
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Exited += (_, _) => OnExited();
        // Timers first: the process may exit (and Close run) before Start returns.
        _timer = _time.CreateTimer(_ => InitTimedOut(), null, _options.InitTimeout, Timeout.InfiniteTimeSpan);
        if (_cgroup is null || _tmpInMemory)
        {
            _memoryPoll = _time.CreateTimer(_ => PollMemory(), null, MemoryPollInterval, MemoryPollInterval);
        }
        _process = process;
        process.Start();
        _pid = process.Id;
        process.StandardInput.Close();
        if (_ending)
        {
            // Stopped while starting (shutdown, DeleteFunction): nothing will ask for this process again.
            Kill();
        }
    }

    private void SetEnvironment(IDictionary<string, string?> environment, string tmp, string runtimeFolder)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        environment.Clear();
        foreach (var (key, value) in _function.Variables)
        {
            environment[key] = value;
        }
        environment["PATH"] = path;
        environment["LANG"] = "en_US.UTF-8";
        environment["TZ"] = ":UTC";
        environment["TMPDIR"] = tmp;
        environment["LAMBDA_TASK_ROOT"] = _function.CodeFolder;
        environment["LAMBDA_RUNTIME_DIR"] = runtimeFolder;
        environment["_HANDLER"] = _function.Handler;
        environment["AWS_LAMBDA_RUNTIME_API"] = _lease!.Address;
        environment["AWS_LAMBDA_FUNCTION_NAME"] = _function.Name;
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = _function.MemorySize.ToString(CultureInfo.InvariantCulture);
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = _function.LogGroup;
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = LogStream;
        environment["AWS_REGION"] = _function.Region;
        environment["AWS_DEFAULT_REGION"] = _function.Region;
        environment["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + _function.Runtime;
        if (_uid != 0)
        {
            // The environment's user has no account, so no home folder to look up (Node's os.homedir() would throw).
            // HOME is not reserved on AWS: a function that sets its own keeps it.
            environment.TryAdd("HOME", tmp);
        }
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ------------------------------------------------------------------ invocations

    /// <summary>Gives a warm environment its next invocation; false when the environment is ending.</summary>
    public bool Assign(Invocation invocation)
    {
        TaskCompletionSource<NextInvocation?>? waiter;
        NextInvocation? next = null;
        lock (_gate)
        {
            if (_ending)
            {
                return false;
            }
            if (_waiter is null)
            {
                _assigned = invocation;
                return true;
            }
            waiter = _waiter;
            _waiter = null;
            next = HandOut(invocation);
        }
        waiter.TrySetResult(next);
        return true;
    }

    /// <inheritdoc />
    public Task<NextInvocation?> NextAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_ending)
            {
                return Task.FromResult<NextInvocation?>(null);
            }
            if (_initDurationMs is null)
            {
                _initDurationMs = Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds;
                _timer?.Dispose();
                _timer = null;
            }
            if (_assigned is { } invocation)
            {
                _assigned = null;
                return Task.FromResult<NextInvocation?>(HandOut(invocation));
            }
            var waiter = new TaskCompletionSource<NextInvocation?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = waiter;
            cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    if (_waiter == waiter)
                    {
                        _waiter = null;
                    }
                }
                waiter.TrySetResult(null);
            });
            return waiter.Task;
        }
    }

    // Under the lock: the invocation becomes the running one; its output starts after the START marker.
    private NextInvocation HandOut(Invocation invocation)
    {
        _running = invocation;
        _handedOut[invocation.RequestId] = invocation;
        invocation.HandedOutAt = Stopwatch.GetTimestamp();
        WriteMarker("start", invocation.RequestId);
        var deadline = Now + _function.Timeout * 1000L;
        _timer = _time.CreateTimer(_ => TimedOut(invocation), null, TimeSpan.FromSeconds(_function.Timeout), Timeout.InfiniteTimeSpan);
        var trace = $"Root=1-{Now / 1000:x8}-{Ids.NewGuid():N}"[..40] + ";Parent=" + Ids.NewGuid().ToString("N")[..16] + ";Sampled=0";
        return new NextInvocation(invocation.RequestId, deadline, _function.Arn, trace, invocation.ClientContext, null, invocation.Payload);
    }

    /// <inheritdoc />
    public RuntimeCallResult Respond(string requestId, ReadOnlyMemory<byte> payload) =>
        payload.Length > FunctionsEngine.MaxResponseBytes ? ResponseTooLarge(requestId) : End(requestId, payload, null, null, null);

    /// <inheritdoc />
    public RuntimeCallResult ResponseTooLarge(string requestId)
    {
        var ended = End(requestId, Invocation.ErrorDocument("Function.ResponseSizeTooLarge", $"Response payload size exceeded maximum allowed payload size ({FunctionsEngine.MaxResponseBytes} bytes)."), "Unhandled", null, null);
        return ended.StatusCode != 202 ? ended : new RuntimeCallResult(413, "RequestEntityTooLarge", $"Exceeded maximum allowed payload size ({FunctionsEngine.MaxResponseBytes} bytes).");
    }

    /// <inheritdoc />
    public RuntimeCallResult Fail(string requestId, string? errorType, ReadOnlyMemory<byte> payload) =>
        End(requestId, payload.Length == 0 ? Invocation.ErrorDocument(errorType ?? "Unhandled", "Unhandled") : payload, "Unhandled", null, null);

    /// <inheritdoc />
    public RuntimeCallResult InitFailed(string? errorType, ReadOnlyMemory<byte> payload)
    {
        lock (_gate)
        {
            if (_initDurationMs is not null)
            {
                return new RuntimeCallResult(403, "InvalidStateTransition", "State transition from Ready to InitError failed for runtime. Error: State transition is not allowed");
            }
            _initError = (errorType ?? "Runtime.Unknown", payload.Length == 0 ? Invocation.ErrorDocument(errorType ?? "Runtime.Unknown", "Unknown") : payload.ToArray());
        }
        return RuntimeCallResult.Accepted;
    }

    private RuntimeCallResult End(string requestId, ReadOnlyMemory<byte> payload, string? functionError, string? status, string? extra)
    {
        Invocation running;
        lock (_gate)
        {
            if (_running is not { } current || current.RequestId != requestId || current.Ended is not null)
            {
                return new RuntimeCallResult(400, "InvalidRequestID", "Invalid request ID");
            }
            running = current;
            _timer?.Dispose();
            _timer = null;
            running.Ended = new Invocation.Outcome(payload.ToArray(), functionError, Stopwatch.GetElapsedTime(running.HandedOutAt).TotalMilliseconds, status, extra);
            _running = null;
            WriteMarker("end", requestId);
        }
        Settle(running, healthy: status is null);
        return RuntimeCallResult.Accepted;
    }

    /// <summary>
    /// The fast path of an ended invocation: the caller gets its result now unless it asked for the log tail
    /// (then the reader completes it at the end marker, with the lines), and a healthy environment is free
    /// for the next invocation at once. The reader writes the log lines behind.
    /// </summary>
    private void Settle(Invocation invocation, bool healthy)
    {
        var outcome = invocation.Ended!;
        // Free first, answer second: a caller that invokes again as soon as it has its answer must find this
        // environment idle (with every Runtime API address taken, it is the one another function's invoke evicts).
        if (healthy)
        {
            IdleSince = _time.GetTimestamp();
            _released(this);
        }
        if (invocation.Tail)
        {
            invocation.TailPart(null);
        }
        else
        {
            invocation.Complete(new InvokeResult(200, outcome.Payload, outcome.FunctionError, null, "$LATEST", invocation.RequestId, outcome.DurationMs));
        }
    }

    private void TimedOut(Invocation invocation)
    {
        var seconds = _function.Timeout.ToString("0.00", CultureInfo.InvariantCulture);
        var message = $"Task timed out after {seconds} seconds";
        var ended = End(invocation.RequestId, Invocation.ErrorDocument("Sandbox.Timedout", $"RequestId: {invocation.RequestId} Error: {message}"), "Unhandled", "timeout",
            $"{_time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {invocation.RequestId} {message}");
        if (ended.StatusCode == 202)
        {
            Kill();
        }
    }

    private void InitTimedOut()
    {
        lock (_gate)
        {
            if (_initDurationMs is not null || _ending)
            {
                return;
            }
            _initError = ("Sandbox.Timedout", Invocation.ErrorDocument("Sandbox.Timedout", $"INIT_REPORT Init Duration: {_options.InitTimeout.TotalMilliseconds:0.00} ms Phase: init Status: timeout"));
        }
        Kill();
    }

    private static readonly TimeSpan MemoryPollInterval = TimeSpan.FromMilliseconds(100);

    // Without a cgroup (resident memory of the runtime), or when the cgroup also holds /tmp (the cgroup without /tmp): killed past MemorySize.
    private void PollMemory()
    {
        // With /tmp in the cgroup: what all the environment's processes hold, without /tmp.
        var usedMb = _cgroup is not null && _tmpInMemory ? MemoryLimits.UsageWithoutTmpMb(_cgroup) : MemoryLimits.ProcessMb(RuntimePid(), peak: false);
        if (_tmpInMemory)
        {
            _polledPeakMb = Math.Max(_polledPeakMb, usedMb);
        }
        if (!_ending && usedMb > _function.MemorySize)
        {
            _overMemory = true;
            Kill();
        }
    }

    // The process whose memory is the runtime's: in a sandbox, the child of the shell that is PID 1 of the namespace
    // (below unshare) once it is in the runtime's own user namespace (before, the shell's children are its mkdir and
    // mount commands); until then, the process started.
    private int RuntimePid()
    {
        if (_options.Sandbox is null || _runtimePid != 0)
        {
            return _runtimePid != 0 ? _runtimePid : _pid;
        }
        var shell = MemoryLimits.FirstChild(_pid);
        var runtime = shell == 0 ? 0 : MemoryLimits.FirstChild(shell);
        if (runtime != 0 && MemoryLimits.UserNamespace(runtime) is { } inner && inner != MemoryLimits.UserNamespace(shell))
        {
            _runtimePid = runtime;
            return runtime;
        }
        return _pid;
    }

    private void Kill()
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or AggregateException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited, or a descendant that cannot be signalled; the process itself is gone or going.
        }
    }

    // The process is gone: whatever it held fails, then the reader stops at the exit marker.
    private void OnExited()
    {
        int code;
        try
        {
            code = _process!.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }
        var reason = code == 0 ? "Runtime exited without providing a reason" : "Runtime exited with error: " + (code > 128 ? "signal: " + SignalName(code - 128) : $"exit status {code}");
        var errorType = _overMemory || (code == 137 && _cgroup is not null && MemoryLimits.OutOfMemory(_cgroup)) ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        Invocation? crashed = null;
        lock (_gate)
        {
            _ending = true;
            if (_running is { Ended: null } running)
            {
                _timer?.Dispose();
                running.Ended = new Invocation.Outcome(Invocation.ErrorDocument(errorType, $"RequestId: {running.RequestId} Error: {reason}"),
                    "Unhandled", Stopwatch.GetElapsedTime(running.HandedOutAt).TotalMilliseconds, "error\tError Type: " + errorType, $"RequestId: {running.RequestId} Error: {reason}\n{errorType}");
                _running = null;
                WriteMarker("end", running.RequestId);
                crashed = running;
            }
            else if (_assigned is not null)
            {
                // Died before asking for its first invocation: an init failure, reported once the reader has its output.
                _orphan = _assigned;
                _assigned = null;
            }
            _waiter?.TrySetResult(null);
            _waiter = null;
            WriteMarker("exit", reason);
        }
        if (crashed is not null)
        {
            Settle(crashed, healthy: false);
        }
    }

    private void FailInit(Invocation invocation, string reason)
    {
        var (type, payload) = _initError ?? ("Runtime.ExitError", Invocation.ErrorDocument("Runtime.ExitError", $"RequestId: {invocation.RequestId} Error: {reason}"));
        var duration = Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds;
        var lines = new List<FunctionLogLine>();
        lock (_initGate)
        {
            lines.AddRange(_initLines);
            _initLines.Clear();
            _initReported = true;
        }
        var now = Now;
        lines.Add(new FunctionLogLine(now, $"INIT_REPORT Init Duration: {duration:0.00} ms\tPhase: init\tStatus: error\tError Type: {type}"));
        lines.Add(new FunctionLogLine(now, $"START RequestId: {invocation.RequestId} Version: $LATEST"));
        lines.Add(new FunctionLogLine(now, $"END RequestId: {invocation.RequestId}"));
        lines.Add(new FunctionLogLine(now, $"REPORT RequestId: {invocation.RequestId}\tDuration: {duration:0.00} ms\tBilled Duration: {Math.Ceiling(duration):0} ms\tMemory Size: {_function.MemorySize} MB\tMax Memory Used: 0 MB\tStatus: error\tError Type: {type}"));
        _logs.Append(_function.Account, _function.Region, _function.LogGroup, LogStream, lines);
        invocation.Complete(new InvokeResult(200, payload, "Unhandled", invocation.Tail ? TailOf(lines) : null, "$LATEST", invocation.RequestId, duration));
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => "aborted",
        9 => "killed",
        11 => "segmentation fault",
        15 => "terminated",
        _ => signal.ToString(CultureInfo.InvariantCulture),
    };

    // ------------------------------------------------------------------ output

    private void WriteMarker(string kind, string value)
    {
        var bytes = Encoding.UTF8.GetBytes($"\n{_markerPrefix}{kind}:{value}\n");
        try
        {
            _markers?.Write(bytes);
        }
        catch (IOException)
        {
            // The FIFO is closed only after the exit marker; nothing to report to.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void ReadOutput()
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        Invocation? current = null;
        try
        {
            while (true)
            {
                var read = _output!.Read(buffer);
                if (read == 0)
                {
                    return;
                }
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        continue;
                    }
                    pending.AddRange(buffer.AsSpan(start, Math.Min(i - start, Math.Max(0, MaxPendingBytes - pending.Count))));
                    start = i + 1;
                    var line = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending));
                    pending.Clear();
                    if (line.StartsWith(_markerPrefix, StringComparison.Ordinal))
                    {
                        if (!OnMarker(line[_markerPrefix.Length..], ref current))
                        {
                            return;
                        }
                    }
                    else if (line.Length > 0 || current is not null)
                    {
                        Output(current, line);
                    }
                }
                // A line without end is kept up to a bound (the rest of it is dropped at its newline).
                pending.AddRange(buffer.AsSpan(start, Math.Min(read - start, Math.Max(0, MaxPendingBytes - pending.Count))));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or ArgumentException or NullReferenceException)
        {
            // The reader must never take the server down: the environment ends instead.
            Kill();
        }
        finally
        {
            Close();
        }
    }

    private void Output(Invocation? current, string line)
    {
        if (line.Length == 0)
        {
            return;
        }
        // A CloudWatch Logs event holds 256 KB of a Lambda function's output line at most.
        var entry = new FunctionLogLine(Now, line.Length > MaxLineChars ? line[..MaxLineChars] : line);
        if (current is not null)
        {
            if (current.Lines.Count < MaxLinesPerInvocation)
            {
                current.Lines.Add(entry);
            }
            return;
        }
        lock (_initGate)
        {
            if (!_initReported)
            {
                _initLines.Add(entry);
                return;
            }
        }
        _logs.Append(_function.Account, _function.Region, _function.LogGroup, LogStream, [entry]);
    }

    // Returns false at the exit marker.
    private bool OnMarker(string marker, ref Invocation? current)
    {
        var colon = marker.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? string.Empty : marker[..colon];
        var value = colon < 0 ? string.Empty : marker[(colon + 1)..];
        switch (kind)
        {
            case "start":
                current = _handedOut.GetValueOrDefault(value);
                return true;
            case "end":
                if (_handedOut.TryRemove(value, out var ended))
                {
                    Finish(ended);
                }
                current = null;
                return true;
            case "exit":
                var orphan = Interlocked.Exchange(ref _orphan, null);
                if (orphan is not null)
                {
                    FailInit(orphan, value);
                }
                return false;
            default:
                return true;
        }
    }

    private void Finish(Invocation invocation)
    {
        if (invocation.Ended is not { } outcome)
        {
            return;
        }
        var lines = new List<FunctionLogLine>();
        double? init = null;
        lock (_initGate)
        {
            if (!_initReported)
            {
                lines.AddRange(_initLines);
                _initLines.Clear();
                _initReported = true;
                init = _initDurationMs;
            }
        }
        var now = Now;
        var first = invocation.Lines.Count > 0 ? Math.Min(invocation.Lines[0].Timestamp, now) : now;
        lines.Add(new FunctionLogLine(first, $"START RequestId: {invocation.RequestId} Version: $LATEST"));
        lines.AddRange(invocation.Lines);
        if (outcome.Extra is not null)
        {
            lines.Add(new FunctionLogLine(now, outcome.Extra));
        }
        lines.Add(new FunctionLogLine(now, $"END RequestId: {invocation.RequestId}"));
        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"REPORT RequestId: {invocation.RequestId}\tDuration: {outcome.DurationMs:0.00} ms\tBilled Duration: {Math.Max(1, Math.Ceiling(outcome.DurationMs)):0} ms\t");
        report.Append(CultureInfo.InvariantCulture, $"Memory Size: {_function.MemorySize} MB\tMax Memory Used: {MaxMemoryUsedMb()} MB\t");
        if (init is { } initMs)
        {
            report.Append(CultureInfo.InvariantCulture, $"Init Duration: {initMs:0.00} ms\t");
        }
        if (outcome.Status is not null)
        {
            report.Append("Status: ").Append(outcome.Status).Append('\t');
        }
        lines.Add(new FunctionLogLine(now, report.ToString()));
        _logs.Append(_function.Account, _function.Region, _function.LogGroup, LogStream, lines);
        // Without a tail the caller already has its result (Settle); with one, it gets it with the lines, once Settle has freed the environment too.
        if (invocation.Tail)
        {
            invocation.TailPart(new InvokeResult(200, outcome.Payload, outcome.FunctionError, TailOf(lines), "$LATEST", invocation.RequestId, outcome.DurationMs));
        }
    }

    /// <summary>The last 4 KB of the lines, base64, as X-Amz-Log-Result carries them.</summary>
    private static string TailOf(List<FunctionLogLine> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line.Message).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        return Convert.ToBase64String(bytes.AsSpan(Math.Max(0, bytes.Length - 4096)));
    }

    // The peak is read at most every 250 ms: under load, two files per invocation were a visible share of the server's time.
    private int MaxMemoryUsedMb()
    {
        var now = Stopwatch.GetTimestamp();
        if (_peakMb == 0 || Stopwatch.GetElapsedTime(_peakReadAt, now) > TimeSpan.FromMilliseconds(250))
        {
            // The cgroup's peak leaves out pages the process shares with others (the runtime's libraries): the larger of
            // the two; but not when it counts what /tmp holds.
            _peakMb = Math.Max(_peakMb, Math.Max(_cgroup is not null && !_tmpInMemory ? MemoryLimits.PeakMb(_cgroup) : _polledPeakMb, MemoryLimits.ProcessMb(RuntimePid(), peak: true)));
            _peakReadAt = now;
        }
        return _peakMb;
    }

    // ------------------------------------------------------------------ ending

    /// <summary>Stops the environment (idle reaping, a new revision of the function, shutdown).</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _ending = true;
            _waiter?.TrySetResult(null);
            _waiter = null;
        }
        Kill();
    }

    private void Close()
    {
        // The reader stopped at an exit marker, which a runtime that can read its own FIFO could have written: whatever
        // still runs ends here, never unsupervised.
        Kill();
        _timer?.Dispose();
        _memoryPoll?.Dispose();
        if (_cgroup is not null)
        {
            MemoryLimits.Remove(_cgroup);
        }
        _output?.Dispose();
        Interlocked.Exchange(ref _markers, null)?.Dispose();
        _lease?.Dispose();
        try
        {
            if (_uid != 0)
            {
                _options.Users!.Release(_uid);
            }
            Directory.Delete(_folder, recursive: true);
            File.Delete(FunctionSandbox.MountTable(_folder));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        _released(this);
        _closed.TrySetResult();
    }

    // A DllImport (not LibraryImport, which needs unsafe code) of libc's mkfifo; .NET has no FIFO API.
    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
