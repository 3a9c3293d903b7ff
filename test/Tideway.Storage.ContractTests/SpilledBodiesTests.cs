using Shouldly;
using Tideway.Storage.Memory;
using Tideway.Storage.Sqlite;

namespace Tideway.Storage.ContractTests;

/// <summary>The whole queue contract against SQLite with a budget of nothing: every body is read back from disk for a receive.</summary>
public sealed class SpilledBodiesSqliteQueueStoreContract : QueueStoreContract
{
    private readonly TemporaryDirectory _directory = new();

    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(SqliteStore.Open(_directory.Path, T0, SqliteDurability.Process, bodyBudgetBytes: 0));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task no_body_is_held_in_memory_and_every_claim_reads_it_back()
    {
        var queue = await Queue("q");
        string[] bodies = ["é", new string('x', 40_000), "日本語 🌊", "z"];
        await Queues.SendAsync(queue.Id, [.. bodies.Select(b => Message(b))], T0, 0);

        // Dropped on the writer's thread once committed, before the send returned.
        ((SqliteQueueStore)Queues).HeldBodyBytes.ShouldBe(0);
        ((SqliteQueueStore)Queues).BodiesInMemory.ShouldBe(0);
        var claimed = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0, 30_000, 86_400_000));
        claimed.Select(m => m.Body).ShouldBe(bodies);
        // The messages left in the queue still have no body in memory: a second receive reads it again.
        var again = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 30_000, 30_000, 86_400_000));
        again.Select(m => m.Body).ShouldBe(bodies);
        ((SqliteQueueStore)Queues).HeldBodyBytes.ShouldBe(0);
    }

    [Fact]
    public async Task a_receive_of_messages_sent_together_reads_their_row_once()
    {
        var queue = await Queue("one-read");
        string[] bodies = [.. Enumerable.Range(0, 10).Select(i => "body-" + i)];
        await Queues.SendAsync(queue.Id, [.. bodies.Select(b => Message(b))], T0, 0);

        var store = (SqliteQueueStore)Queues;
        var before = store.BatchRowsRead;
        // Claims not journaled (no redrive policy): the messages stay in their batch row.
        (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0, 30_000, 86_400_000, JournalClaims: false))).Select(m => m.Body).ShouldBe(bodies);
        (store.BatchRowsRead - before).ShouldBe(1);
        // Each receive reads again: what it read before may have changed since (a message taken out, deleted).
        (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 30_000, 30_000, 86_400_000, JournalClaims: false))).Select(m => m.Body).ShouldBe(bodies);
        (store.BatchRowsRead - before).ShouldBe(2);
    }

    [Fact]
    public async Task a_fifo_queue_drops_its_bodies_once_written_too()
    {
        // FIFO messages are objects from the start; theirs leave memory by the same report of durable inserts.
        var queue = await Queue("bodies.fifo");
        await Queues.SendAsync(queue.Id, [Message("a", group: "g"), Message("b", group: "g")], T0, 0);
        ((SqliteQueueStore)Queues).BodiesInMemory.ShouldBe(0);
        (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0, 30_000, 86_400_000))).Select(m => m.Body).ShouldBe(["a", "b"]);
    }

    private sealed class Held(ManualResetEventSlim release) : WriteOp
    {
        public override void Execute(WriteContext context) => release.Wait(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task a_message_received_before_its_insert_is_durable_has_its_body_which_then_leaves_memory()
    {
        // A message of a standard queue waits as a struct with no body in memory past the budget; until its row is written
        // the index keeps the body aside, and a receive in that moment must still hand it out.
        var queue = await Queue("pending");
        using var release = new ManualResetEventSlim();
        var store = (SqliteStore)Store;
        var held = store.Writer.Append(new Held(release));
        var send = Queues.SendAsync(queue.Id, [Message("early"), Message("later")], T0, 0).AsTask();
        send.IsCompleted.ShouldBeFalse();

        var early = await Queues.ClaimAsync(queue.Id, new ClaimRequest(1, T0, 30_000, 86_400_000));
        early.ShouldHaveSingleItem().Body.ShouldBe("early");
        ((SqliteQueueStore)Queues).BodiesInMemory.ShouldBe(2, "the received message's body and the one set aside for the other");

        release.Set();
        await held;
        await send;
        ((SqliteQueueStore)Queues).BodiesInMemory.ShouldBe(0);
        ((SqliteQueueStore)Queues).HeldBodyBytes.ShouldBe(0);
        var rest = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 30_000, 30_000, 86_400_000));
        rest.Select(m => m.Body).ShouldBe(["later", "early"]);
    }
}

/// <summary>The budget of message bodies kept in memory: what is held, released and spilled.</summary>
public sealed class BodyBudgetTests : IAsyncDisposable
{
    private const long T0 = 1_800_000_000_000;
    private readonly TemporaryDirectory _directory = new();
    private SqliteStore? _store;

    // A body of n ASCII characters is counted as 2n + 24 bytes.
    private static long Size(string body) => (2L * body.Length) + 24;

    private static NewMessage Message(string body) => new(Guid.NewGuid().ToString(), body, null, T0, T0);

    private async Task<(SqliteQueueStore Queues, long QueueId)> OpenAsync(long budget, string name = "q")
    {
        _store = SqliteStore.Open(_directory.Path, T0, SqliteDurability.Process, budget);
        var queues = (SqliteQueueStore)_store.Queues;
        var (queue, _) = await queues.CreateQueueAsync("000000000000", "us-east-1", name, new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        return (queues, queue.Id);
    }

    [Fact]
    public async Task bodies_are_held_up_to_the_budget_and_released_by_deletes_and_purges()
    {
        var (queues, queue) = await OpenAsync(2 * Size("aaaa"));
        await queues.SendAsync(queue, [Message("aaaa"), Message("bbbb"), Message("cccc")], T0, 0);
        queues.HeldBodyBytes.ShouldBe(2 * Size("aaaa"));
        queues.BodiesInMemory.ShouldBe(2);

        var claimed = await queues.ClaimAsync(queue, new ClaimRequest(3, T0, 30_000, 86_400_000));
        claimed.Select(m => m.Body).ShouldBe(["aaaa", "bbbb", "cccc"]);
        await queues.DeleteAsync(queue, [new Receipt(claimed[0].Sequence, claimed[0].ReceiptToken)]);
        queues.HeldBodyBytes.ShouldBe(Size("aaaa"));
        // Deleting the spilled one changes nothing held; the room freed above takes the next message.
        await queues.DeleteAsync(queue, [new Receipt(claimed[2].Sequence, claimed[2].ReceiptToken)]);
        queues.HeldBodyBytes.ShouldBe(Size("aaaa"));
        await queues.SendAsync(queue, [Message("dddd")], T0, 0);
        queues.HeldBodyBytes.ShouldBe(2 * Size("aaaa"));

        await queues.PurgeAsync(queue);
        queues.HeldBodyBytes.ShouldBe(0);
    }

    [Fact]
    public async Task a_count_lets_bodies_leave_once_their_insert_is_durable()
    {
        // Reports of durable inserts are drained under the lock by the next send, claim or count: a queue whose traffic
        // stopped at a send still lets them go when its attributes are read.
        var (queues, queue) = await OpenAsync(0);
        await queues.SendAsync(queue, [Message("aaaa"), Message("bbbb")], T0, 0);
        queues.PendingBodies.ShouldBe(2);
        queues.Count(queue, T0).Visible.ShouldBe(2);
        queues.PendingBodies.ShouldBe(0);
        (await queues.ClaimAsync(queue, new ClaimRequest(2, T0, 30_000, 86_400_000))).Select(m => m.Body).ShouldBe(["aaaa", "bbbb"]);
    }

    [Fact]
    public async Task the_retention_sweep_lets_bodies_leave_on_an_idle_server()
    {
        // The sweep runs every minute whatever the traffic: the last bodies over the budget leave even if nothing else comes.
        var (queues, queue) = await OpenAsync(0);
        await queues.SendAsync(queue, [Message("aaaa"), Message("bbbb")], T0, 0);
        queues.PendingBodies.ShouldBe(2);
        (await queues.ExpireAsync(queue, T0 - 1)).ShouldBe(0);
        queues.PendingBodies.ShouldBe(0);
        (await queues.ClaimAsync(queue, new ClaimRequest(2, T0, 30_000, 86_400_000))).Select(m => m.Body).ShouldBe(["aaaa", "bbbb"]);
    }

    [Fact]
    public async Task a_reopened_store_loads_bodies_up_to_the_budget_and_reads_the_rest_when_received()
    {
        var (queues, queue) = await OpenAsync(SqliteQueueStore.DefaultBodyBudgetBytes);
        await queues.SendAsync(queue, [Message("aaaa"), Message("bbbb"), Message("cccc")], T0, 0);
        queues.HeldBodyBytes.ShouldBe(3 * Size("aaaa"));
        await _store!.DisposeAsync();

        _store = SqliteStore.Open(_directory.Path, T0 + 1, SqliteDurability.Process, Size("aaaa"));
        queues = (SqliteQueueStore)_store.Queues;
        queues.HeldBodyBytes.ShouldBe(Size("aaaa"));
        queues.BodiesInMemory.ShouldBe(1);
        var claimed = await queues.ClaimAsync(queue, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000));
        claimed.Select(m => m.Body).ShouldBe(["aaaa", "bbbb", "cccc"]);
    }

    [Fact]
    public async Task a_message_moved_to_the_dead_letter_queue_keeps_its_body()
    {
        var (queues, dlq) = await OpenAsync(0, "dlq");
        var (source, _) = await queues.CreateQueueAsync("000000000000", "us-east-1", "source", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        await queues.SendAsync(source.Id, [Message("poison")], T0, 0);
        await queues.ClaimAsync(source.Id, new ClaimRequest(1, T0, 0, 86_400_000));

        // Received once already with maxReceiveCount 1: this receive moves it instead.
        (await queues.ClaimAsync(source.Id, new ClaimRequest(1, T0 + 1, 0, 86_400_000, MaxReceiveCount: 1, DeadLetterQueueId: dlq, DeadLetterRetentionMs: 86_400_000))).ShouldBeEmpty();

        (await queues.ClaimAsync(dlq, new ClaimRequest(1, T0 + 2, 30_000, 86_400_000))).Single().Body.ShouldBe("poison");
    }

    [Fact]
    public void a_backlogged_queue_spills_its_own_bodies_and_leaves_room_to_the_others()
    {
        var index = new QueueIndex(NullQueueJournal.Instance, bodyBudgetBytes: 10 * Size("aaaa"), queueBodyBudgetBytes: 2 * Size("aaaa"));
        var (busy, _) = index.CreateQueue("000000000000", "us-east-1", "busy", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        var (quiet, _) = index.CreateQueue("000000000000", "us-east-1", "quiet", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);

        index.Send(busy.Id, [.. Enumerable.Range(0, 5).Select(_ => Message("aaaa"))], T0, 0, false);
        index.HeldBodyBytes.ShouldBe(2 * Size("aaaa"));
        index.Send(quiet.Id, [Message("bbbb")], T0, 0, false);
        index.HeldBodyBytes.ShouldBe(3 * Size("aaaa"));
    }

    [Fact]
    public void a_message_moved_into_a_queue_over_its_budget_is_spilled_not_counted()
    {
        var index = new QueueIndex(NullQueueJournal.Instance, bodyBudgetBytes: 10 * Size("aaaa"), queueBodyBudgetBytes: Size("aaaa"));
        var (source, _) = index.CreateQueue("000000000000", "us-east-1", "source", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        var (destination, _) = index.CreateQueue("000000000000", "us-east-1", "destination", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        index.Send(source.Id, [Message("aaaa")], T0, 0, false);
        index.Send(destination.Id, [Message("bbbb")], T0, 0, false);
        index.HeldBodyBytes.ShouldBe(2 * Size("aaaa"));

        index.Move(source.Id, destination.Id, 10, T0 + 1).ShouldBe(1);

        // The destination's budget is taken by its own message: the moved body is left for the provider to drop.
        index.HeldBodyBytes.ShouldBe(Size("bbbb"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        _directory.Dispose();
    }
}
