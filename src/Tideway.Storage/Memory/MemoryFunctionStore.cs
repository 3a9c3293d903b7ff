namespace Tideway.Storage.Memory;

/// <summary>
/// The function store in memory. The SQLite provider derives from it: the working set stays here and each change
/// is also handed to <see cref="Persist"/> (under the store's lock, so that the durable order is the change order).
/// </summary>
public class MemoryFunctionStore : IFunctionStore
{
    private readonly object _gate = new();
    private readonly Dictionary<(string, string, string), FunctionRecord> _functions = [];
    private readonly Dictionary<string, byte[]> _code = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, AsyncInvocation> _invocations = [];
    private long _nextInvocation = 1;

    /// <summary>A change for a durable provider to write, in order.</summary>
    private protected abstract record Change;

    private protected sealed record FunctionSaved(FunctionRecord Function) : Change;

    private protected sealed record FunctionDeleted(string Account, string Region, string Name) : Change;

    private protected sealed record CodeSaved(string Sha256, byte[] Package) : Change;

    private protected sealed record CodeDeleted(string Sha256) : Change;

    private protected sealed record InvocationSaved(AsyncInvocation Invocation) : Change;

    private protected sealed record InvocationForgotten(long Id) : Change;

    /// <summary>Writes a change durably; the task completes once it is. The memory store has nothing to write.</summary>
    private protected virtual Task Persist(Change change) => Task.CompletedTask;

    private protected void Restore(FunctionRecord function) => _functions[(function.Account, function.Region, function.Name)] = function;

    private protected void Restore(string sha256, byte[] package) => _code[sha256] = package;

    private protected void Restore(AsyncInvocation invocation)
    {
        _invocations[invocation.Id] = invocation;
        _nextInvocation = Math.Max(_nextInvocation, invocation.Id + 1);
    }

    private protected void RestoreNextInvocation(long next) => _nextInvocation = Math.Max(_nextInvocation, next);

    /// <inheritdoc />
    public IReadOnlyList<FunctionRecord> Functions()
    {
        lock (_gate)
        {
            return [.. _functions.Values];
        }
    }

    /// <inheritdoc />
    public async ValueTask SaveFunctionAsync(FunctionRecord record)
    {
        Task commit;
        lock (_gate)
        {
            _functions[(record.Account, record.Region, record.Name)] = record;
            commit = Persist(new FunctionSaved(record));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeleteFunctionAsync(string account, string region, string name)
    {
        Task commit;
        lock (_gate)
        {
            _functions.Remove((account, region, name));
            commit = Persist(new FunctionDeleted(account, region, name));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask SaveCodeAsync(string sha256, ReadOnlyMemory<byte> package)
    {
        Task commit;
        lock (_gate)
        {
            if (_code.ContainsKey(sha256))
            {
                return;
            }
            var copy = package.ToArray();
            _code[sha256] = copy;
            commit = Persist(new CodeSaved(sha256, copy));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public byte[]? ReadCode(string sha256)
    {
        lock (_gate)
        {
            return _code.GetValueOrDefault(sha256);
        }
    }

    /// <inheritdoc />
    public async ValueTask DeleteCodeAsync(string sha256)
    {
        Task commit;
        lock (_gate)
        {
            if (!_code.Remove(sha256))
            {
                return;
            }
            commit = Persist(new CodeDeleted(sha256));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<AsyncInvocation> EnqueueInvocationAsync(AsyncInvocation invocation)
    {
        Task commit;
        lock (_gate)
        {
            invocation = invocation with { Id = _nextInvocation++ };
            _invocations[invocation.Id] = invocation;
            commit = Persist(new InvocationSaved(invocation));
        }
        await commit.ConfigureAwait(false);
        return invocation;
    }

    /// <inheritdoc />
    public void UpdateInvocation(AsyncInvocation invocation)
    {
        lock (_gate)
        {
            if (_invocations.ContainsKey(invocation.Id))
            {
                _invocations[invocation.Id] = invocation;
                _ = Persist(new InvocationSaved(invocation));
            }
        }
    }

    /// <inheritdoc />
    public void ForgetInvocation(long id)
    {
        lock (_gate)
        {
            if (_invocations.Remove(id))
            {
                _ = Persist(new InvocationForgotten(id));
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<AsyncInvocation> PendingInvocations()
    {
        lock (_gate)
        {
            return [.. _invocations.Values];
        }
    }
}
