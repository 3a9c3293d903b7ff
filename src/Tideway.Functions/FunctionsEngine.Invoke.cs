using System.Text;
using System.Text.Json;
using Tideway.Primitives;

namespace Tideway.Functions;

public sealed partial class FunctionsEngine
{
    private static readonly TimeSpan ReapInterval = TimeSpan.FromSeconds(15);

    private readonly Dictionary<(string Account, string Region, string Name), FunctionPool> _pools = [];
    private readonly Dictionary<(string Account, string Region, string Name), int> _inflight = [];
    private readonly ITimer _reaper;
    private readonly CancellationTokenSource _stopping = new();
    private int _asyncPending;

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
                QueueAsync(key, payload.ToArray(), decodedContext);
                return new InvokeResult(202, ReadOnlyMemory<byte>.Empty, null, null, null);
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
    private async Task<InvokeResult> RunAsync((string Account, string Region, string Name) key, ReadOnlyMemory<byte> payload, string? clientContext, bool tail)
    {
        FunctionPool pool;
        int? reserved;
        lock (_gate)
        {
            var d = Get(key);
            reserved = d.ReservedConcurrency;
            pool = PoolFor(key, d);
        }
        var invocation = new Invocation(Guid.NewGuid().ToString(), payload, clientContext, tail);
        string? reason = null;
        bool MayStart()
        {
            lock (_gate)
            {
                var running = _inflight.GetValueOrDefault(key);
                if (reserved is { } own ? pool.Count >= own : pool.Count >= UnreservedLimit(key))
                {
                    reason = reserved is null ? "ConcurrentInvocationLimitExceeded" : "ReservedFunctionConcurrentInvocationLimitExceeded";
                    return false;
                }
                return true;
            }
        }
        if (reserved == 0 || !pool.TryRun(invocation, MayStart, out _))
        {
            var throttle = new ServiceException("TooManyRequestsException", "Rate Exceeded.");
            throttle.Data["Reason"] = reason ?? (reserved is null ? "ConcurrentInvocationLimitExceeded" : "ReservedFunctionConcurrentInvocationLimitExceeded");
            throw throttle;
        }
        lock (_gate)
        {
            _inflight[key] = _inflight.GetValueOrDefault(key) + 1;
        }
        try
        {
            return await invocation.Result.ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _inflight[key] = _inflight.GetValueOrDefault(key) - 1;
            }
        }
    }

    // Under the lock: environments a function without a reservation may run (the account's unreserved share).
    private int UnreservedLimit((string Account, string Region, string Name) key)
    {
        var reserved = 0;
        var others = 0;
        foreach (var (k, d) in _functions)
        {
            if (k.Account == key.Account && k.Region == key.Region)
            {
                reserved += d.ReservedConcurrency ?? 0;
                if (k != key && d.ReservedConcurrency is null && _pools.TryGetValue(k, out var p))
                {
                    others += p.Count;
                }
            }
        }
        return _options.ConcurrentExecutions - reserved - others;
    }

    // Under the lock.
    private FunctionPool PoolFor((string Account, string Region, string Name) key, FunctionDocument d)
    {
        if (_pools.TryGetValue(key, out var pool) && pool.Instance.RevisionId == d.RevisionId)
        {
            return pool;
        }
        pool?.Retire();
        var folder = _code.Unpacked(HexOf(d.CodeSha256), () => _store.ReadCode(HexOf(d.CodeSha256)));
        var instance = new FunctionInstance(key.Account, key.Region, key.Name, FunctionArn(key.Region, key.Account, key.Name), d.Runtime, d.Handler,
            d.MemorySize, d.Timeout, d.Variables ?? [], LogGroupOf(key.Name, d), folder, d.RevisionId);
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

    // Event invocations: retried as the function's event invoke configuration says (default 2 retries, 1 then 2
    // minutes apart). Not yet durable and without destinations: see docs/compat/lambda.md.
    private async void QueueAsync((string Account, string Region, string Name) key, byte[] payload, string? clientContext)
    {
        Interlocked.Increment(ref _asyncPending);
        try
        {
            var queuedAt = Now;
            for (var attempt = 0; ; attempt++)
            {
                int retries;
                long maxAgeMs;
                lock (_gate)
                {
                    if (!_functions.TryGetValue(key, out var d))
                    {
                        return;
                    }
                    retries = d.EventInvokeConfig?.MaximumRetryAttempts ?? 2;
                    maxAgeMs = (d.EventInvokeConfig?.MaximumEventAgeInSeconds ?? 21600) * 1000L;
                }
                InvokeResult? result = null;
                try
                {
                    result = await RunAsync(key, payload, clientContext, tail: false).ConfigureAwait(false);
                }
                catch (ServiceException e) when (e.Code == "TooManyRequestsException")
                {
                    // Throttled: wait and try again without counting an attempt, within the event's age.
                    attempt--;
                }
                catch (ServiceException)
                {
                    return;
                }
                if (result is { FunctionError: null })
                {
                    return;
                }
                if (attempt >= retries || Now - queuedAt > maxAgeMs)
                {
                    return;
                }
                await Task.Delay(TimeSpan.FromMinutes(result is null ? 1 : attempt + 1), _time, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _asyncPending);
        }
    }

    /// <summary>Stops every environment.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reaper.DisposeAsync().ConfigureAwait(false);
        List<FunctionPool> pools;
        lock (_gate)
        {
            pools = [.. _pools.Values];
            _pools.Clear();
        }
        foreach (var pool in pools)
        {
            pool.StopAll();
        }
        MemoryLimits.RemoveParent();
        _stopping.Dispose();
    }
}
