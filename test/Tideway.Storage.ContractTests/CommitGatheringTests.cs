using Microsoft.Data.Sqlite;
using Shouldly;
using Tideway.Storage.Sqlite;

namespace Tideway.Storage.ContractTests;

public sealed class CommitGatheringTests
{
    private const long T0 = 1_000_000_000;

    [Fact]
    public void a_lone_client_is_committed_at_once()
    {
        CommitGathering.ShouldGather(lastBatch: 1, queuedWork: 0).ShouldBeFalse();
        CommitGathering.ShouldGather(lastBatch: 0, queuedWork: 0).ShouldBeFalse();
    }

    [Fact]
    public void the_writer_gathers_after_a_transaction_of_several_changes_or_with_work_queued()
    {
        CommitGathering.ShouldGather(lastBatch: 2, queuedWork: 0).ShouldBeTrue();
        CommitGathering.ShouldGather(lastBatch: 1, queuedWork: 3).ShouldBeTrue();
    }

    [Fact]
    public void it_stops_at_the_target()
    {
        CommitGathering.KeepGathering(CommitGathering.TargetChanges - 1, T0, T0, T0 + 1, queuedWork: 5).ShouldBeTrue();
        CommitGathering.KeepGathering(CommitGathering.TargetChanges, T0, T0, T0 + 1, queuedWork: 5).ShouldBeFalse();
    }

    [Fact]
    public void it_never_waits_longer_than_the_maximum_even_with_work_queued()
    {
        CommitGathering.KeepGathering(2, T0, T0 + CommitGathering.MaxWait - 1, T0 + CommitGathering.MaxWait - 1, queuedWork: 5).ShouldBeTrue();
        CommitGathering.KeepGathering(2, T0, T0 + CommitGathering.MaxWait, T0 + CommitGathering.MaxWait, queuedWork: 5).ShouldBeFalse();
    }

    /// <summary>The gap after the last arrival: short with nothing queued, longer with work queued (it may be unrelated).</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void it_stops_once_no_change_has_arrived_for_the_gap(int queuedWork)
    {
        var gap = queuedWork > 0 ? CommitGathering.BusyGap : CommitGathering.Gap;
        var lastArrival = T0 + 10;
        CommitGathering.KeepGathering(2, T0, lastArrival, lastArrival + gap - 1, queuedWork).ShouldBeTrue();
        CommitGathering.KeepGathering(2, T0, lastArrival, lastArrival + gap, queuedWork).ShouldBeFalse();
        CommitGathering.Gap.ShouldBeLessThan(CommitGathering.BusyGap);
        CommitGathering.BusyGap.ShouldBeLessThan(CommitGathering.MaxWait);
    }

    /// <summary>Holds the writer inside its transaction until released.</summary>
    private sealed class Held : WriteOp
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public override void Execute(WriteContext context)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task changes_that_arrive_during_a_commit_share_the_next_and_a_lone_change_after_them_still_commits()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var writer = new GroupCommitWriter(connection);
        var held = new Held();
        var first = writer.Append(held);
        held.Entered.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken).ShouldBeTrue();
        var during = Enumerable.Range(0, 5).Select(_ => writer.Append(new GroupCommitWriterTests.Nothing())).ToArray();
        held.Release.Set();
        await first.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await Task.WhenAll(during).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        writer.Commits.ShouldBe(2);
        writer.Changes.ShouldBe(6);
        // The last transaction held five changes, so the writer gathers before the next: with nothing else arriving, it
        // stops after the gap and commits the lone change.
        await writer.Append(new GroupCommitWriterTests.Nothing()).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        writer.Commits.ShouldBe(3);
    }

    /// <summary>With time frozen, a gathering writer can only stop at the target: the lone change waits for the others.</summary>
    [Fact]
    public async Task after_a_transaction_of_several_changes_the_writer_waits_for_the_target_before_it_commits()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var writer = new GroupCommitWriter(connection, clock: () => T0);
        // With time frozen, any transaction the writer gathers for starts only at the target, and the thread pool's queue
        // (other tests) may make it gather at any time: every transaction before the one under test is given the target
        // at once. The first is the held change (alone, or with the next ones if the writer gathered for it); changes
        // appended while it is held make the second.
        var held = new Held();
        var first = writer.Append(held);
        var rest = Enumerable.Range(0, CommitGathering.TargetChanges - 1).Select(_ => writer.Append(new GroupCommitWriterTests.Nothing())).ToList();
        held.Entered.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken).ShouldBeTrue();
        rest.AddRange(Enumerable.Range(0, CommitGathering.TargetChanges).Select(_ => writer.Append(new GroupCommitWriterTests.Nothing())));
        held.Release.Set();
        await Task.WhenAll([first, .. rest]).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var commits = writer.Commits;
        var gatherings = writer.Gatherings;

        // The last transaction held several changes: the next one gathers.
        var lone = writer.Append(new GroupCommitWriterTests.Nothing());
        SpinWait.SpinUntil(() => writer.Gatherings > gatherings, TimeSpan.FromSeconds(30)).ShouldBeTrue();
        lone.IsCompleted.ShouldBeFalse();
        writer.Commits.ShouldBe(commits);
        var others = Enumerable.Range(0, CommitGathering.TargetChanges - 1).Select(_ => writer.Append(new GroupCommitWriterTests.Nothing())).ToArray();
        await Task.WhenAll([lone, .. others]).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        writer.Commits.ShouldBe(commits + 1);
        writer.Changes.ShouldBe(3 * CommitGathering.TargetChanges);
    }
}
