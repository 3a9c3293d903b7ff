namespace Tideway.Storage.Memory;

/// <summary>The in-memory provider: the engines' test double, and <c>tideway serve --data :memory:</c>.</summary>
public sealed class MemoryStore : ITidewayStore
{
    /// <inheritdoc />
    public IQueueStore Queues { get; } = new MemoryQueueStore();

    /// <inheritdoc />
    public ILogStore Logs { get; } = new MemoryLogStore();

    /// <inheritdoc />
    public IBusStore Bus { get; } = new MemoryBusStore();

    /// <inheritdoc />
    public IFunctionStore Functions { get; } = new MemoryFunctionStore();

    /// <inheritdoc />
    public string Description => "memory (nothing is kept after the process ends)";

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
