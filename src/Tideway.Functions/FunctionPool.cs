namespace Tideway.Functions;

/// <summary>
/// The execution environments of one function instance: warm ones reused last-in first-out (the warmest first),
/// new ones started while all are busy, up to the concurrency the engine allows.
/// </summary>
internal sealed class FunctionPool(FunctionInstance instance, FunctionsOptions options, TimeProvider time, IFunctionLogs logs)
{
    private readonly object _gate = new();
    private readonly Stack<ExecutionEnvironment> _idle = new();
    private readonly HashSet<ExecutionEnvironment> _all = [];
    private bool _retired;

    public FunctionInstance Instance => instance;

    /// <summary>Environments running or starting.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>
    /// Runs the invocation on a warm environment or a new one; false when a new one cannot start (no Runtime API
    /// address is free). The engine has counted the invocation against its concurrency limits before.
    /// </summary>
    public bool TryRun(Invocation invocation, out bool coldStart)
    {
        coldStart = false;
        while (true)
        {
            ExecutionEnvironment? warm = null;
            lock (_gate)
            {
                while (_idle.Count > 0)
                {
                    var candidate = _idle.Pop();
                    if (!candidate.Ended)
                    {
                        warm = candidate;
                        break;
                    }
                }
            }
            if (warm is null)
            {
                break;
            }
            if (warm.Assign(invocation))
            {
                return true;
            }
            // It ended between the pop and the assignment: try the next one.
        }
        var environment = new ExecutionEnvironment(instance, options, time, logs, Released);
        lock (_gate)
        {
            _all.Add(environment);
        }
        bool started;
        try
        {
            started = environment.Start(invocation);
        }
        catch
        {
            lock (_gate)
            {
                _all.Remove(environment);
            }
            throw;
        }
        if (!started)
        {
            lock (_gate)
            {
                _all.Remove(environment);
            }
            return false;
        }
        coldStart = true;
        return true;
    }

    /// <summary>Invocations in flight (environments not idle).</summary>
    public int Busy
    {
        get
        {
            lock (_gate)
            {
                return _all.Count - _idle.Count;
            }
        }
    }

    private void Released(ExecutionEnvironment environment)
    {
        var stop = false;
        lock (_gate)
        {
            if (environment.Ended)
            {
                _all.Remove(environment);
                return;
            }
            if (_retired)
            {
                stop = true;
            }
            else
            {
                _idle.Push(environment);
            }
        }
        if (stop)
        {
            environment.Stop();
        }
    }

    /// <summary>The environment idle the longest, taken out of the pool (null when none is idle), with when it went idle.</summary>
    public (ExecutionEnvironment Environment, long IdleSince)? TakeOldestIdle()
    {
        lock (_gate)
        {
            var oldest = _idle.Where(e => !e.Ended).OrderBy(e => e.IdleSince).FirstOrDefault();
            if (oldest is null)
            {
                return null;
            }
            var keep = _idle.Where(e => e != oldest).Reverse().ToList();
            _idle.Clear();
            foreach (var environment in keep)
            {
                _idle.Push(environment);
            }
            return (oldest, oldest.IdleSince);
        }
    }

    /// <summary>Puts back an environment <see cref="TakeOldestIdle"/> took and that was not chosen.</summary>
    public void ReturnIdle(ExecutionEnvironment environment)
    {
        lock (_gate)
        {
            _idle.Push(environment);
        }
    }

    /// <summary>Stops environments idle for longer than the idle timeout; returns how many.</summary>
    public int Reap(long olderThanTimestamp)
    {
        List<ExecutionEnvironment> stale = [];
        lock (_gate)
        {
            var keep = _idle.Where(e => e.IdleSince >= olderThanTimestamp && !e.Ended).Reverse().ToList();
            stale.AddRange(_idle.Where(e => e.IdleSince < olderThanTimestamp));
            _idle.Clear();
            foreach (var environment in keep)
            {
                _idle.Push(environment);
            }
        }
        foreach (var environment in stale)
        {
            environment.Stop();
        }
        return stale.Count;
    }

    /// <summary>Stops every idle environment now and each busy one when it finishes.</summary>
    public void Retire()
    {
        List<ExecutionEnvironment> idle;
        lock (_gate)
        {
            _retired = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var environment in idle)
        {
            environment.Stop();
        }
    }

    /// <summary>Stops every environment now (shutdown, DeleteFunction).</summary>
    public IEnumerable<Task> StopAll()
    {
        List<ExecutionEnvironment> all;
        lock (_gate)
        {
            _retired = true;
            all = [.. _all];
            _idle.Clear();
        }
        foreach (var environment in all)
        {
            environment.Stop();
        }
        return all.Select(e => e.Closed);
    }
}
