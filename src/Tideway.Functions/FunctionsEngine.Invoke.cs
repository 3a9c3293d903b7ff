using System.Text;
using System.Text.Json;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Functions;

public sealed partial class FunctionsEngine
{
    private static readonly TimeSpan ReapInterval = TimeSpan.FromSeconds(15);

    private readonly Dictionary<(string Account, string Region, string Name), FunctionPool> _pools = [];
    private readonly List<FunctionPool> _retired = [];
    private readonly Dictionary<(string Account, string Region, string Name), int> _inflight = [];
    private readonly ITimer _reaper;
    private readonly CancellationTokenSource _stopping = new();
    private int _asyncPending;
    private long _asyncSettled;
    private long _asyncWaits;

    /// <summary>How many times an asynchronous invocation has started waiting for its next attempt (tests advance a manual clock then).</summary>
    public long AsyncWaits => Interlocked.Read(ref _asyncWaits);

    /// <summary>Invocations accepted with InvocationType Event and not finished yet.</summary>
    public int AsyncPending => Volatile.Read(ref _asyncPending);

    /// <summary>
    /// Invoke. RequestResponse runs the function and returns its result or error; Event queues it and returns
    /// 202; DryRun checks the function and returns 204.
    /// </summary>
    public async Task<InvokeResult> InvokeAsync(RequestScope scope, string? functionName, string? qualifier, InvocationType type, bool tail, string? clientContext, ReadOnlyMemory<byte> payload)
    {
        var key = Key(scope, functionName, qualifier);
        if (type == InvocationType.Event && payload.Length > MaxAsyncPayloadBytes)
        {
            throw new ServiceException("RequestEntityTooLargeException", $"{payload.Length} byte payload is too large for the Event invocation type (limit {MaxAsyncPayloadBytes} bytes)");
        }
        if (payload.Length > MaxSyncPayloadBytes)
        {
            throw new ServiceException("RequestEntityTooLargeException", $"Request must be smaller than {MaxSyncPayloadBytes} bytes for the InvokeFunction operation");
        }
        if (payload.Length == 0)
        {
            payload = "{}"u8.ToArray();
        }
        else if (!IsJson(payload.Span, out var error))
        {
            throw new ServiceException("InvalidRequestContentException", "Could not parse request body into json: " + error);
        }
        var decodedContext = clientContext is null ? null : DecodeClientContext(clientContext);
        lock (_gate)
        {
            if (!_functions.ContainsKey(key))
            {
                throw NotFound(FunctionArn(key.Region, key.Account, key.Name) + ":" + Latest);
            }
        }
        switch (type)
        {
            case InvocationType.DryRun:
                return new InvokeResult(204, ReadOnlyMemory<byte>.Empty, null, null, null);
            case InvocationType.Event:
                var queued = await _store.EnqueueInvocationAsync(new AsyncInvocation(0, key.Account, key.Region, key.Name, Ids.NewId(), payload.ToArray(), Now, 0, Now)).ConfigureAwait(false);
                Interlocked.Increment(ref Metrics.For(key).AsyncEventsReceived);
                Schedule(queued);
                return new InvokeResult(202, ReadOnlyMemory<byte>.Empty, null, null, null, queued.RequestId);
            default:
                return await RunAsync(key, payload, decodedContext, tail).ConfigureAwait(false);
        }
    }

    private static bool IsJson(ReadOnlySpan<byte> payload, out string error)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
            {
            }
            error = string.Empty;
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static string DecodeClientContext(string base64)
    {
        if (base64.Length > 3583)
        {
            throw new ServiceException("InvalidParameterValueException", "Client context must be 3583 bytes or less.");
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new ServiceException("InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.");
        }
    }

    /// <summary>Runs one invocation on an environment of the function; throttles when none may start.</summary>
    private async Task<InvokeResult> RunAsync((string Account, string Region, string Name) key, ReadOnlyMemory<byte> payload, string? clientContext, bool tail, string? requestId = null)
    {
        // Unpacking a new package can take a while: done before the engine's lock (PoolFor then finds the folder).
        string sha;
        lock (_gate)
        {
            sha = Get(key).CodeSha256;
        }
        _code.Unpacked(HexOf(sha), () => _store.ReadCode(HexOf(sha)));
        FunctionPool pool;
        int? reserved;
        // Concurrency is counted here, under the engine's lock only (never a pool's: see FunctionPool.TryRun).
        lock (_gate)
        {
            var d = Get(key);
            reserved = d.ReservedConcurrency;
            pool = PoolFor(key, d);
            var running = _inflight.GetValueOrDefault(key);
            if (reserved is { } own ? running >= own : running >= UnreservedLimit(key))
            {
                Interlocked.Increment(ref Metrics.For(key).Throttles);
                throw Throttle(reserved is null ? "ConcurrentInvocationLimitExceeded" : "ReservedFunctionConcurrentInvocationLimitExceeded");
            }
            _inflight[key] = running + 1;
        }
        var counters = Metrics.For(key);
        Interlocked.Increment(ref counters.Concurrent);
        try
        {
            var invocation = new Invocation(requestId ?? Ids.NewId(), payload, clientContext, tail);
            // No Runtime API address free: an environment idle elsewhere gives its up (once), else the invoke is throttled.
            if (!pool.TryRun(invocation, out _) && !(await EvictIdleAsync().ConfigureAwait(false) && pool.TryRun(invocation, out _)))
            {
                Interlocked.Increment(ref counters.Throttles);
                throw Throttle("ConcurrentInvocationLimitExceeded");
            }
            var result = await invocation.Result.ConfigureAwait(false);
            Interlocked.Increment(ref counters.Invocations);
            if (result.FunctionError is not null)
            {
                Interlocked.Increment(ref counters.Errors);
            }
            Interlocked.Add(ref counters.DurationSumMicroseconds, (long)((result.DurationMs ?? 0) * 1000));
            return result;
        }
        finally
        {
            Interlocked.Decrement(ref counters.Concurrent);
            lock (_gate)
            {
                _inflight[key] = _inflight.GetValueOrDefault(key) - 1;
            }
        }
    }

    /// <summary>Stops the environment idle the longest, of any function, and waits until its address is free.</summary>
    private async Task<bool> EvictIdleAsync()
    {
        List<FunctionPool> pools;
        lock (_gate)
        {
            pools = [.. _pools.Values];
        }
        (ExecutionEnvironment Environment, long IdleSince)? oldest = null;
        FunctionPool? owner = null;
        foreach (var candidatePool in pools)
        {
            if (candidatePool.TakeOldestIdle() is { } candidate)
            {
                if (oldest is null || candidate.IdleSince < oldest.Value.IdleSince)
                {
                    if (oldest is { } previous)
                    {
                        owner!.ReturnIdle(previous.Environment);
                    }
                    oldest = candidate;
                    owner = candidatePool;
                }
                else
                {
                    candidatePool.ReturnIdle(candidate.Environment);
                }
            }
        }
        if (oldest is not { } victim)
        {
            return false;
        }
        victim.Environment.Stop();
        try
        {
            await victim.Environment.Closed.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static ServiceException Throttle(string reason)
    {
        var throttle = new ServiceException("TooManyRequestsException", "Rate Exceeded.");
        throttle.Data["Reason"] = reason;
        return throttle;
    }

    // Under the lock: invocations a function without a reservation may run at once (the account's unreserved
    // concurrency, less what the other unreserved functions are running).
    private int UnreservedLimit((string Account, string Region, string Name) key)
    {
        var limit = _options.ConcurrentExecutions;
        foreach (var (k, d) in _functions)
        {
            if (k.Account == key.Account && k.Region == key.Region)
            {
                limit -= d.ReservedConcurrency ?? (k == key ? 0 : _inflight.GetValueOrDefault(k));
            }
        }
        return limit;
    }

    // Under the lock.
    private FunctionPool PoolFor((string Account, string Region, string Name) key, FunctionDocument d)
    {
        if (_pools.TryGetValue(key, out var pool) && pool.Instance.RevisionId == d.RevisionId)
        {
            return pool;
        }
        if (pool is not null)
        {
            _retired.RemoveAll(p => p.Count == 0);
            _retired.Add(pool);
        }
        pool?.Retire();
        var folder = _code.Unpacked(HexOf(d.CodeSha256), () => _store.ReadCode(HexOf(d.CodeSha256)));
        var instance = new FunctionInstance(key.Account, key.Region, key.Name, FunctionArn(key.Region, key.Account, key.Name), d.Runtime, d.Handler,
            d.MemorySize, d.Timeout, d.Variables ?? [], LogGroupOf(key.Name, d), folder, d.RevisionId, d.EphemeralStorage);
        pool = new FunctionPool(instance, _options, _time, _logs);
        _pools[key] = pool;
        return pool;
    }

    private void RetirePool((string Account, string Region, string Name) key)
    {
        FunctionPool? pool;
        lock (_gate)
        {
            _pools.Remove(key, out pool);
            if (pool is not null)
            {
                // Its busy environments finish first; shutdown still has to stop them.
                _retired.RemoveAll(p => p.Count == 0);
                _retired.Add(pool);
            }
        }
        pool?.Retire();
    }

    private void StopPool((string Account, string Region, string Name) key)
    {
        FunctionPool? pool;
        lock (_gate)
        {
            _pools.Remove(key, out pool);
        }
        pool?.StopAll();
    }

    private void Reap()
    {
        List<FunctionPool> pools;
        lock (_gate)
        {
            pools = [.. _pools.Values];
        }
        var threshold = _time.GetTimestamp() - (long)(_options.IdleTimeout.TotalSeconds * _time.TimestampFrequency);
        foreach (var pool in pools)
        {
            pool.Reap(threshold);
        }
    }

    /// <summary>Environments running now, over every function (for metrics and tests).</summary>
    public int Environments()
    {
        lock (_gate)
        {
            return _pools.Values.Sum(p => p.Count);
        }
    }

    // ------------------------------------------------------------------ asynchronous invocations

    /// <summary>Runs an accepted asynchronous invocation in the background, attempt after attempt, until it is settled.</summary>
    private void Schedule(AsyncInvocation invocation)
    {
        Interlocked.Increment(ref _asyncPending);
        _ = Task.Run(() => DriveAsync(invocation));
    }

    // Function errors are retried as the event invoke configuration says (default twice, about 1 then 2 minutes
    // apart); throttles are waited out with back-off (1 s doubling to 5 minutes) within MaximumEventAgeInSeconds.
    // The outcome goes to the OnSuccess / OnFailure destination and, on failure, the function's dead-letter queue.
    private async Task DriveAsync(AsyncInvocation invocation)
    {
        try
        {
            var throttles = 0;
            while (true)
            {
                var wait = TimeSpan.FromMilliseconds(Math.Max(0, invocation.DueAt - Now));
                if (wait > TimeSpan.Zero)
                {
                    // Counted once the delay's timer exists, so that a test advancing a manual clock then fires it.
                    var delay = Task.Delay(wait, _time, _stopping.Token);
                    Interlocked.Increment(ref _asyncWaits);
                    await delay.ConfigureAwait(false);
                }
                var key = (invocation.Account, invocation.Region, invocation.Function);
                int retries;
                long maxAgeMs;
                bool zeroReserved;
                lock (_gate)
                {
                    if (!_functions.TryGetValue(key, out var d))
                    {
                        _store.ForgetInvocation(invocation.Id);
                        return;
                    }
                    retries = d.EventInvokeConfig?.MaximumRetryAttempts ?? 2;
                    maxAgeMs = (d.EventInvokeConfig?.MaximumEventAgeInSeconds ?? 21600) * 1000L;
                    zeroReserved = d.ReservedConcurrency == 0;
                }
                if (zeroReserved)
                {
                    await SettleAsync(invocation, "ZeroReservedConcurrency", null).ConfigureAwait(false);
                    return;
                }
                if (Now - invocation.QueuedAt > maxAgeMs)
                {
                    await SettleAsync(invocation, "EventAgeExceeded", null).ConfigureAwait(false);
                    return;
                }
                InvokeResult result;
                try
                {
                    result = await RunAsync(key, invocation.Payload, null, tail: false, invocation.RequestId).ConfigureAwait(false);
                }
                catch (ServiceException e) when (e.Code == "TooManyRequestsException")
                {
                    invocation = invocation with { DueAt = Now + (long)Math.Min(300_000, 1000 * Math.Pow(2, throttles++)) };
                    _store.UpdateInvocation(invocation);
                    continue;
                }
                catch (ServiceException e) when (e.Code == "ResourceNotFoundException")
                {
                    // Deleted meanwhile: nothing left to run it.
                    _store.ForgetInvocation(invocation.Id);
                    return;
                }
                catch (Exception e) when (e is ServiceException or IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    // The environment could not run it (e.g. it could not start): a failed attempt like any other.
                    result = new InvokeResult(200, Invocation.ErrorDocument("Runtime.Unknown", e.Message), "Unhandled", null, Latest, invocation.RequestId);
                }
                invocation = invocation with { Attempts = invocation.Attempts + 1 };
                if (result.FunctionError is null)
                {
                    await SettleAsync(invocation, "Success", result).ConfigureAwait(false);
                    return;
                }
                if (invocation.Attempts > retries)
                {
                    await SettleAsync(invocation, "RetriesExhausted", result).ConfigureAwait(false);
                    return;
                }
                invocation = invocation with { DueAt = Now + (invocation.Attempts == 1 ? 60_000 : 120_000) };
                _store.UpdateInvocation(invocation);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the invocation stays in the store and resumes at the next start.
        }
        catch (Exception e) when (e is StoreClosedException or ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _asyncPending);
        }
    }

    /// <summary>Sends the outcome where the function's configuration says, then forgets the invocation.</summary>
    private async Task SettleAsync(AsyncInvocation invocation, string condition, InvokeResult? result)
    {
        string? onSuccess = null;
        string? onFailure = null;
        string? deadLetter = null;
        lock (_gate)
        {
            if (_functions.TryGetValue((invocation.Account, invocation.Region, invocation.Function), out var d))
            {
                onSuccess = d.EventInvokeConfig?.OnSuccess;
                onFailure = d.EventInvokeConfig?.OnFailure;
                deadLetter = d.DeadLetterTargetArn;
            }
        }
        var success = condition == "Success";
        var destination = success ? onSuccess : onFailure;
        if (!success && onFailure is null && deadLetter is null)
        {
            Interlocked.Increment(ref Metrics.For((invocation.Account, invocation.Region, invocation.Function)).AsyncEventsDropped);
        }
        var functionArn = FunctionArn(invocation.Region, invocation.Account, invocation.Function) + ":" + Latest;
        if (destination is not null && _destinations is not null)
        {
            var record = DestinationRecord(invocation, functionArn, condition, result);
            await _destinations.SendRecordAsync(new Primitives.RequestScope(invocation.Account, invocation.Region), destination, functionArn, success, record).ConfigureAwait(false);
        }
        if (!success && deadLetter is not null && _destinations is not null)
        {
            var message = result is null ? condition : ErrorMessageOf(result.Payload.Span);
            await _destinations.SendToDeadLetterAsync(new Primitives.RequestScope(invocation.Account, invocation.Region), deadLetter, invocation.Payload,
                invocation.RequestId, result?.StatusCode ?? 200, message).ConfigureAwait(false);
        }
        _store.ForgetInvocation(invocation.Id);
        Interlocked.Increment(ref _asyncSettled);
    }

    internal static string ErrorMessageOf(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isMessage = reader.ValueTextEquals("errorMessage"u8);
                    reader.Read();
                    if (isMessage && reader.TokenType == JsonTokenType.String)
                    {
                        return reader.GetString()!;
                    }
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or an errorMessage that is not Unicode text: the payload as it came.
        }
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>The invocation record AWS sends to a destination (version 1.0).</summary>
    private byte[] DestinationRecord(AsyncInvocation invocation, string functionArn, string condition, InvokeResult? result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("version", "1.0");
            writer.WriteString("timestamp", _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteStartObject("requestContext");
            writer.WriteString("requestId", invocation.RequestId);
            writer.WriteString("functionArn", functionArn);
            writer.WriteString("condition", condition);
            writer.WriteNumber("approximateInvokeCount", invocation.Attempts);
            writer.WriteEndObject();
            writer.WritePropertyName("requestPayload");
            WriteJsonOrString(writer, invocation.Payload.Span);
            if (result is not null)
            {
                writer.WriteStartObject("responseContext");
                writer.WriteNumber("statusCode", result.StatusCode);
                writer.WriteString("executedVersion", result.ExecutedVersion ?? Latest);
                if (result.FunctionError is not null)
                {
                    writer.WriteString("functionError", result.FunctionError);
                }
                writer.WriteEndObject();
                writer.WritePropertyName("responsePayload");
                WriteJsonOrString(writer, result.Payload.Span);
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteJsonOrString(Utf8JsonWriter writer, ReadOnlySpan<byte> value)
    {
        if (value.Length > 0 && IsJson(value, out _))
        {
            writer.WriteRawValue(value, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(Encoding.UTF8.GetString(value));
        }
    }

    /// <summary>Asynchronous invocations settled since start (tests wait on it).</summary>
    public long AsyncSettled => Interlocked.Read(ref _asyncSettled);

    /// <summary>Stops every environment.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reaper.DisposeAsync().ConfigureAwait(false);
        List<FunctionPool> pools;
        lock (_gate)
        {
            pools = [.. _pools.Values, .. _retired];
            _pools.Clear();
            _retired.Clear();
        }
        var closed = pools.SelectMany(pool => pool.StopAll()).ToList();
        try
        {
            await Task.WhenAll(closed).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A process slow to die: its folder is cleaned below.
        }
        // What an environment's user could still write to is emptied as that user before the server deletes the
        // runtime root as root (ADR 0007).
        _options.Users?.ReleaseAll();
        MemoryLimits.RemoveParent();
        _stopping.Dispose();
    }
}
