using System.Collections.Concurrent;

namespace Tideway.Bus;

/// <summary>
/// The EventBridge metrics, per bus and rule (rule "" holds the bus-level MatchedEvents): counters and the
/// IngestionToInvocationStartLatency histogram. Updated lock-free on the delivery path; read by /metrics.
/// </summary>
public sealed class BusMetrics
{
    /// <summary>Upper bounds of the latency histogram buckets, in milliseconds.</summary>
    public static readonly long[] LatencyBucketsMs = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 60000];

    private readonly ConcurrentDictionary<(string Account, string Region, string Bus, string Rule), Counters> _counters = new();

    internal Counters For(string account, string region, string bus, string rule) =>
        _counters.GetOrAdd((account, region, bus, rule), static _ => new Counters());

    internal static void Add(ref long counter) => Interlocked.Increment(ref counter);

    /// <summary>The counters of one bus and rule.</summary>
    internal sealed class Counters
    {
#pragma warning disable CA1051 // Plain fields so that the delivery path increments them with Interlocked.
        public long MatchedEvents;
        public long TriggeredRules;
        public long Invocations;
        public long FailedInvocations;
        public long InvocationsSentToDlq;
        public long InvocationsFailedToBeSentToDlq;
        public long DroppedEvents;
        public long LatencyCount;
        public long LatencySumMs;
        public readonly long[] LatencyBuckets = new long[LatencyBucketsMs.Length + 1];
#pragma warning restore CA1051

        public void ObserveLatency(long ms)
        {
            ms = Math.Max(0, ms);
            var bucket = 0;
            while (bucket < LatencyBucketsMs.Length && ms > LatencyBucketsMs[bucket])
            {
                bucket++;
            }
            Interlocked.Increment(ref LatencyBuckets[bucket]);
            Interlocked.Increment(ref LatencyCount);
            Interlocked.Add(ref LatencySumMs, ms);
        }
    }

    /// <summary>A snapshot of every bus and rule.</summary>
    public IReadOnlyList<RuleMetrics> Snapshot() =>
        [.. _counters.Select(p => new RuleMetrics(p.Key.Account, p.Key.Region, p.Key.Bus, p.Key.Rule,
            Volatile.Read(ref p.Value.MatchedEvents), Volatile.Read(ref p.Value.TriggeredRules), Volatile.Read(ref p.Value.Invocations),
            Volatile.Read(ref p.Value.FailedInvocations), Volatile.Read(ref p.Value.InvocationsSentToDlq), Volatile.Read(ref p.Value.InvocationsFailedToBeSentToDlq),
            Volatile.Read(ref p.Value.DroppedEvents), Volatile.Read(ref p.Value.LatencyCount), Volatile.Read(ref p.Value.LatencySumMs),
            [.. p.Value.LatencyBuckets.Select(b => Volatile.Read(ref b))]))];
}

/// <summary>The metrics of one rule (or, with an empty rule name, of its bus).</summary>
public sealed record RuleMetrics(
    string Account,
    string Region,
    string Bus,
    string Rule,
    long MatchedEvents,
    long TriggeredRules,
    long Invocations,
    long FailedInvocations,
    long InvocationsSentToDlq,
    long InvocationsFailedToBeSentToDlq,
    long DroppedEvents,
    long LatencyCount,
    long LatencySumMs,
    IReadOnlyList<long> LatencyBuckets);
