using System.Collections.Concurrent;

namespace Tideway.Functions;

/// <summary>One function's Lambda metrics, by their AWS names.</summary>
/// <param name="Account">The account.</param>
/// <param name="Region">The region.</param>
/// <param name="Function">The function name.</param>
/// <param name="Invocations">Invocations that ran (succeeded or failed).</param>
/// <param name="Errors">Invocations that ended in a function error.</param>
/// <param name="Throttles">Invocations refused for concurrency.</param>
/// <param name="DurationSumMs">The sum of the invocations' durations.</param>
/// <param name="ConcurrentExecutions">Invocations running now.</param>
/// <param name="AsyncEventsReceived">Asynchronous invocations accepted.</param>
/// <param name="AsyncEventsDropped">Asynchronous invocations that failed with nowhere to go (no failure destination, no dead-letter queue).</param>
public sealed record FunctionMetricsSnapshot(
    string Account,
    string Region,
    string Function,
    long Invocations,
    long Errors,
    long Throttles,
    double DurationSumMs,
    long ConcurrentExecutions,
    long AsyncEventsReceived,
    long AsyncEventsDropped);

/// <summary>The Lambda metrics per function, updated lock-free by the invoke path and read by /metrics.</summary>
public sealed class FunctionMetrics
{
    private readonly ConcurrentDictionary<(string Account, string Region, string Function), Counters> _counters = new();

    internal Counters For((string Account, string Region, string Name) key) => _counters.GetOrAdd(key, static _ => new Counters());

    /// <summary>Every function's counters.</summary>
    public IReadOnlyList<FunctionMetricsSnapshot> Snapshot() =>
        [.. _counters.Select(p => new FunctionMetricsSnapshot(p.Key.Account, p.Key.Region, p.Key.Function,
            Interlocked.Read(ref p.Value.Invocations), Interlocked.Read(ref p.Value.Errors), Interlocked.Read(ref p.Value.Throttles),
            Interlocked.Read(ref p.Value.DurationSumMicroseconds) / 1000.0, Interlocked.Read(ref p.Value.Concurrent),
            Interlocked.Read(ref p.Value.AsyncEventsReceived), Interlocked.Read(ref p.Value.AsyncEventsDropped)))];

    /// <summary>The counters of one function.</summary>
    internal sealed class Counters
    {
#pragma warning disable CA1051 // Plain fields so that the invoke path increments them with Interlocked.
        public long Invocations;
        public long Errors;
        public long Throttles;
        public long DurationSumMicroseconds;
        public long Concurrent;
        public long AsyncEventsReceived;
        public long AsyncEventsDropped;
#pragma warning restore CA1051
    }
}
