using System.Diagnostics;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// When the group-commit writer waits for more changes before it starts a transaction. Each commit costs the same
/// however many changes it holds (the log's index pages, the locks, a wake-up of the writer and of the waiters), and
/// under load the writer used to commit whatever had arrived, about 3.6 requests per commit in <c>bench sqs</c>'s
/// send-only phase, while the requests that would have joined it were queued for the other core.
/// <para>
/// The writer gathers only when there is load: its last transaction held more than one change, or the thread pool has
/// work queued. It then yields its core until <see cref="TargetChanges"/> changes are pending, or nothing has arrived
/// for <see cref="Gap"/> (<see cref="BusyGap"/> while the thread pool has work queued, which may be unrelated to the
/// writer), or <see cref="MaxWait"/> has passed. A lone client's change is committed at once when its last transaction
/// held one change and nothing is queued, and within the gap otherwise.
/// </para>
/// <para>
/// The target is 8: in three alternating pairs of <c>bench sqs</c> (16 clients) it sent 15,242/14,664/17,962 requests/s
/// against 13,857/14,259/13,251 with 16, which the clients seldom all reach, so each commit waited for the gap or the
/// maximum while they idled.
/// </para>
/// </summary>
internal static class CommitGathering
{
    /// <summary>Pending changes at which the writer stops waiting.</summary>
    public const int TargetChanges = 8;

    /// <summary>The longest the writer waits for more changes.</summary>
    public static readonly long MaxWait = Stopwatch.Frequency / 5_000;

    /// <summary>With nothing queued, how long after the last change arrived the writer stops waiting (20 µs).</summary>
    public static readonly long Gap = Stopwatch.Frequency / 50_000;

    /// <summary>With work queued, how long after the last change arrived the writer stops waiting (100 µs).</summary>
    public static readonly long BusyGap = Stopwatch.Frequency / 10_000;

    public static bool ShouldGather(int lastBatch, long queuedWork) => lastBatch > 1 || queuedWork > 0;

    public static bool KeepGathering(int pending, long startedAt, long lastArrivalAt, long now, long queuedWork) =>
        pending < TargetChanges && now - startedAt < MaxWait && now - lastArrivalAt < (queuedWork > 0 ? BusyGap : Gap);
}
