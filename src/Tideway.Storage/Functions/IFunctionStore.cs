namespace Tideway.Storage;

/// <summary>A function as stored: its identity and the engine's serialized definition (configuration, policy, tags, ...).</summary>
/// <param name="Account">The owning account.</param>
/// <param name="Region">The region.</param>
/// <param name="Name">The function name.</param>
/// <param name="Document">The engine's definition of the function.</param>
public sealed record FunctionRecord(string Account, string Region, string Name, string Document);

/// <summary>An asynchronous invocation (InvocationType Event) accepted and not finished.</summary>
/// <param name="Id">The store-assigned id (0 before it is saved).</param>
/// <param name="Account">The function's account.</param>
/// <param name="Region">The function's region.</param>
/// <param name="Function">The function name.</param>
/// <param name="RequestId">The invocation's request id (the same for every attempt).</param>
/// <param name="Payload">The event.</param>
/// <param name="QueuedAt">When it was accepted, Unix milliseconds.</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="DueAt">When the next attempt is due, Unix milliseconds.</param>
public sealed record AsyncInvocation(long Id, string Account, string Region, string Function, string RequestId, ReadOnlyMemory<byte> Payload, long QueuedAt, int Attempts, long DueAt);

/// <summary>
/// Functions and their code packages (the function runtime). Code is stored by content (the SHA-256 the engine
/// names it by) so that functions sharing a package share one copy, and so that any node of a multi-node
/// deployment can run any function. Methods returning a task complete once the change is durable.
/// </summary>
public interface IFunctionStore
{
    /// <summary>Every function of every account and region.</summary>
    IReadOnlyList<FunctionRecord> Functions();

    /// <summary>Creates or replaces a function.</summary>
    ValueTask SaveFunctionAsync(FunctionRecord record);

    /// <summary>Deletes a function (its code stays until <see cref="DeleteCodeAsync"/>).</summary>
    ValueTask DeleteFunctionAsync(string account, string region, string name);

    /// <summary>Stores a code package under its hash; storing the same hash again changes nothing.</summary>
    ValueTask SaveCodeAsync(string sha256, ReadOnlyMemory<byte> package);

    /// <summary>The code package stored under a hash, or null.</summary>
    byte[]? ReadCode(string sha256);

    /// <summary>Deletes a code package no function refers to any more.</summary>
    ValueTask DeleteCodeAsync(string sha256);

    /// <summary>Stores an accepted asynchronous invocation durably; returns it with its id.</summary>
    ValueTask<AsyncInvocation> EnqueueInvocationAsync(AsyncInvocation invocation);

    /// <summary>Records another attempt of an invocation (written behind: after a crash an attempt may run again).</summary>
    void UpdateInvocation(AsyncInvocation invocation);

    /// <summary>Forgets a finished invocation (written behind).</summary>
    void ForgetInvocation(long id);

    /// <summary>The invocations not finished, oldest first (at open: the ones to resume).</summary>
    IReadOnlyList<AsyncInvocation> PendingInvocations();
}
