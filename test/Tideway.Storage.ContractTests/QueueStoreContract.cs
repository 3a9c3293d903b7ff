using Shouldly;

namespace Tideway.Storage.ContractTests;

/// <summary>
/// The queue half of the storage contract. Every provider runs it (in-memory, SQLite, later
/// PostgreSQL): claiming, visibility, FIFO groups, deduplication, redrive, expiry, moves, counts.
/// Times are explicit Unix milliseconds, so no test sleeps.
/// </summary>
public abstract class QueueStoreContract : IAsyncLifetime
{
    protected const long T0 = 1_800_000_000_000;
    private const long Day = 86_400_000;

    protected ITidewayStore Store { get; set; } = null!;

    protected IQueueStore Queues => Store.Queues;

    protected abstract ValueTask<ITidewayStore> OpenAsync();

    public async ValueTask InitializeAsync() => Store = await OpenAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected async Task<QueueRecord> Queue(string name, long now = T0)
    {
        var (queue, created) = await Queues.CreateQueueAsync("000000000000", "us-east-1", name, new Dictionary<string, string> { ["VisibilityTimeout"] = "30" }, new Dictionary<string, string>(), now);
        created.ShouldBeTrue();
        return queue;
    }

    protected static NewMessage Message(string body, long at = T0, long delayMs = 0, string? group = null, string? dedup = null) =>
        new(Guid.NewGuid().ToString(), body, [1, 2, 3], at, at + delayMs, group, dedup);

    private static ClaimRequest Claim(int max, long now, long visibilityMs = 30_000, long retentionMs = 4 * Day) =>
        new(max, now, visibilityMs, retentionMs);

    [Fact]
    public async Task create_queue_returns_the_existing_queue_for_the_same_name()
    {
        var first = await Queue("orders");
        var (again, created) = await Queues.CreateQueueAsync("000000000000", "us-east-1", "orders", new Dictionary<string, string>(), new Dictionary<string, string>(), T0 + 5);
        created.ShouldBeFalse();
        again.Id.ShouldBe(first.Id);
        again.Attributes["VisibilityTimeout"].ShouldBe("30");
    }

    [Fact]
    public async Task queues_are_namespaced_by_account_and_region_and_listed_by_prefix()
    {
        await Queue("orders");
        await Queue("orders-dlq");
        await Queue("payments");
        await Queues.CreateQueueAsync("111111111111", "us-east-1", "orders", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        await Queues.CreateQueueAsync("000000000000", "eu-west-1", "orders", new Dictionary<string, string>(), new Dictionary<string, string>(), T0);
        Queues.ListQueues("000000000000", "us-east-1", "ord").Select(q => q.Name).ShouldBe(["orders", "orders-dlq"]);
        Queues.ListQueues("000000000000", "us-east-1", null).Count.ShouldBe(3);
        Queues.FindQueue("111111111111", "us-east-1", "orders").ShouldNotBeNull();
        Queues.FindQueue("111111111111", "us-east-1", "payments").ShouldBeNull();
        Queues.AllQueues().Count.ShouldBe(5);
    }

    [Fact]
    public async Task a_deleted_queue_takes_its_messages_and_its_id_is_never_reused()
    {
        var queue = await Queue("gone");
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        (await Queues.DeleteQueueAsync(queue.Id)).ShouldBeTrue();
        (await Queues.DeleteQueueAsync(queue.Id)).ShouldBeFalse();
        Queues.GetQueue(queue.Id).ShouldBeNull();
        var again = await Queue("gone");
        again.Id.ShouldNotBe(queue.Id);
        (await Queues.ClaimAsync(again.Id, Claim(10, T0))).ShouldBeEmpty();
    }

    [Fact]
    public async Task update_replaces_attributes_and_tags()
    {
        var queue = await Queue("q");
        await Queues.UpdateQueueAsync(queue with { Attributes = new Dictionary<string, string> { ["DelaySeconds"] = "5" }, Tags = new Dictionary<string, string> { ["team"] = "a" }, ModifiedAt = T0 + 1 });
        var stored = Queues.GetQueue(queue.Id)!;
        stored.Attributes.ShouldContainKeyAndValue("DelaySeconds", "5");
        stored.Attributes.ShouldNotContainKey("VisibilityTimeout");
        stored.Tags.ShouldContainKeyAndValue("team", "a");
        stored.ModifiedAt.ShouldBe(T0 + 1);
    }

    /// <summary>Message ids in the engines' form (a lower-case GUID) and in others: a store gives each back as it was sent.</summary>
    protected static readonly string[] MessageIds =
        [
            "0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E", "not-a-guid", "{0f8fad5b-d9cb-469f-a165-70867728950e}", "",
            " 0f8fad5b-d9cb-469f-a165-70867728950e", "+f8fad5b-d9cb-469f-a165-70867728950e", "0x8fad5b-d9cb-469f-a165-70867728950e",
        ];

    protected static NewMessage[] MessagesWithIds() => [.. MessageIds.Select((id, i) => new NewMessage(id, "m" + i, null, T0, T0))];

    [Fact]
    public async Task message_ids_come_back_exactly_as_sent()
    {
        var queue = await Queue("ids");
        var outcomes = await Queues.SendAsync(queue.Id, MessagesWithIds(), T0, 0);
        outcomes.Select(o => o.MessageId).ShouldBe(MessageIds);
        var claimed = await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 1));
        claimed.Select(m => m.MessageId).ShouldBe(MessageIds);
    }

    [Fact]
    public async Task claims_return_messages_oldest_first_and_hide_them_for_the_visibility_timeout()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a"), Message("b"), Message("c")], T0, 0);
        var first = await Queues.ClaimAsync(queue.Id, Claim(2, T0 + 1));
        first.Select(m => m.Body).ShouldBe(["a", "b"]);
        first.ShouldAllBe(m => m.ReceiveCount == 1 && m.FirstReceivedAt == T0 + 1 && m.ReceiptToken != 0 && m.VisibleAt == T0 + 30_001);
        first[0].Attributes.ShouldBe(new byte[] { 1, 2, 3 });
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 2))).Select(m => m.Body).ShouldBe(["c"]);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 30_000))).ShouldBeEmpty();
        var again = await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 30_001));
        again.Select(m => m.Body).ShouldBe(["a", "b"]);
        again.ShouldAllBe(m => m.ReceiveCount == 2 && m.FirstReceivedAt == T0 + 1);
        again[0].ReceiptToken.ShouldNotBe(first[0].ReceiptToken);
    }

    [Fact]
    public async Task a_zero_visibility_timeout_does_not_return_a_message_twice_in_one_claim()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0, visibilityMs: 0))).Count.ShouldBe(1);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0, visibilityMs: 0))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task delete_needs_the_latest_receipt()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        var first = (await Queues.ClaimAsync(queue.Id, Claim(1, T0, visibilityMs: 10)))[0];
        var second = (await Queues.ClaimAsync(queue.Id, Claim(1, T0 + 10, visibilityMs: 10)))[0];
        var outcomes = await Queues.DeleteAsync(queue.Id, [new Receipt(first.Sequence, first.ReceiptToken), new Receipt(second.Sequence, second.ReceiptToken), new Receipt(second.Sequence, second.ReceiptToken), new Receipt(999_999, 1)]);
        outcomes.ShouldBe([ReceiptOutcome.Stale, ReceiptOutcome.Ok, ReceiptOutcome.Gone, ReceiptOutcome.Gone]);
        Queues.Count(queue.Id, T0 + 100).ShouldBe(new QueueCounts(0, 0, 0));
    }

    [Fact]
    public async Task visibility_changes_apply_only_to_messages_in_flight_with_their_latest_receipt()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        var claimed = (await Queues.ClaimAsync(queue.Id, Claim(1, T0)))[0];
        var receipt = new Receipt(claimed.Sequence, claimed.ReceiptToken);
        (await Queues.ChangeVisibilityAsync(queue.Id, [receipt], 0, T0 + 5)).ShouldBe([ReceiptOutcome.Ok]);
        Queues.Count(queue.Id, T0 + 5).Visible.ShouldBe(1);
        (await Queues.ChangeVisibilityAsync(queue.Id, [receipt], 60_000, T0 + 6)).ShouldBe([ReceiptOutcome.NotInFlight]);
        var again = (await Queues.ClaimAsync(queue.Id, Claim(1, T0 + 7)))[0];
        (await Queues.ChangeVisibilityAsync(queue.Id, [receipt], 60_000, T0 + 8)).ShouldBe([ReceiptOutcome.Stale]);
        (await Queues.ChangeVisibilityAsync(queue.Id, [new Receipt(again.Sequence, again.ReceiptToken)], 60_000, T0 + 8)).ShouldBe([ReceiptOutcome.Ok]);
        (await Queues.ClaimAsync(queue.Id, Claim(1, T0 + 60_007))).ShouldBeEmpty();
        (await Queues.ClaimAsync(queue.Id, Claim(1, T0 + 60_008))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task delayed_messages_wait_and_are_counted_as_delayed()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("late", delayMs: 5_000), Message("now")], T0, 0);
        Queues.Count(queue.Id, T0).ShouldBe(new QueueCounts(1, 0, 1));
        Queues.NextVisibleAt(queue.Id).ShouldBe(T0);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0))).Select(m => m.Body).ShouldBe(["now"]);
        Queues.Count(queue.Id, T0).ShouldBe(new QueueCounts(0, 1, 1));
        Queues.NextVisibleAt(queue.Id).ShouldBe(T0 + 5_000);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 5_000))).Select(m => m.Body).ShouldBe(["late"]);
    }

    [Fact]
    public async Task fifo_groups_are_delivered_in_order_and_blocked_while_a_message_is_in_flight()
    {
        var queue = await Queue("q.fifo");
        await Queues.SendAsync(queue.Id, [Message("a1", group: "a"), Message("b1", group: "b"), Message("a2", group: "a"), Message("b2", group: "b")], T0, 0);
        var first = await Queues.ClaimAsync(queue.Id, Claim(1, T0));
        first.Select(m => m.Body).ShouldBe(["a1"]);
        var second = await Queues.ClaimAsync(queue.Id, Claim(10, T0));
        second.Select(m => m.Body).ShouldBe(["b1", "b2"]);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0))).ShouldBeEmpty();
        await Queues.DeleteAsync(queue.Id, [new Receipt(first[0].Sequence, first[0].ReceiptToken)]);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0))).Select(m => m.Body).ShouldBe(["a2"]);
        // b1 and b2 come back, in order, when their visibility timeout ends.
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 30_000))).Select(m => m.Body).ShouldBe(["a2", "b1", "b2"]);
    }

    [Fact]
    public async Task fifo_group_stays_blocked_while_any_of_its_received_messages_is_in_flight()
    {
        var queue = await Queue("q.fifo");
        await Queues.SendAsync(queue.Id, [Message("1", group: "g"), Message("2", group: "g"), Message("3", group: "g")], T0, 0);
        var claimed = await Queues.ClaimAsync(queue.Id, Claim(2, T0));
        await Queues.ChangeVisibilityAsync(queue.Id, [new Receipt(claimed[0].Sequence, claimed[0].ReceiptToken)], 0, T0);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 1))).ShouldBeEmpty();
        await Queues.DeleteAsync(queue.Id, [new Receipt(claimed[1].Sequence, claimed[1].ReceiptToken)]);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 1))).Select(m => m.Body).ShouldBe(["1", "3"]);
    }

    [Fact]
    public async Task fifo_deduplication_returns_the_original_message_within_the_window()
    {
        var queue = await Queue("q.fifo");
        var first = await Queues.SendAsync(queue.Id, [Message("a", group: "g", dedup: "d1")], T0, 300_000);
        var duplicate = await Queues.SendAsync(queue.Id, [Message("a again", group: "g", dedup: "d1")], T0 + 299_999, 300_000);
        duplicate[0].ShouldBe(first[0] with { Deduplicated = true });
        var after = await Queues.SendAsync(queue.Id, [Message("a later", group: "g", dedup: "d1")], T0 + 300_000, 300_000);
        after[0].Deduplicated.ShouldBeFalse();
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 300_000))).Select(m => m.Body).ShouldBe(["a", "a later"]);
    }

    [Fact]
    public async Task fifo_deduplication_can_be_scoped_to_the_message_group()
    {
        var queue = await Queue("q.fifo");
        var outcomes = await Queues.SendAsync(queue.Id, [Message("a", group: "g1", dedup: "d"), Message("b", group: "g2", dedup: "d"), Message("c", group: "g1", dedup: "d")], T0, 300_000, deduplicatePerGroup: true);
        outcomes.Select(o => o.Deduplicated).ShouldBe([false, false, true]);
    }

    [Fact]
    public async Task over_received_messages_move_to_the_dead_letter_queue_keeping_id_and_source()
    {
        var dlq = await Queue("dlq");
        var queue = await Queue("q");
        var sent = await Queues.SendAsync(queue.Id, [Message("poison")], T0, 0);
        var redrive = new ClaimRequest(10, T0, 0, 4 * Day, MaxReceiveCount: 2, DeadLetterQueueId: dlq.Id, DeadLetterRetentionMs: 14 * Day);
        (await Queues.ClaimAsync(queue.Id, redrive)).Count.ShouldBe(1);
        (await Queues.ClaimAsync(queue.Id, redrive with { Now = T0 + 1 })).Count.ShouldBe(1);
        (await Queues.ClaimAsync(queue.Id, redrive with { Now = T0 + 2 })).ShouldBeEmpty();
        Queues.Count(queue.Id, T0 + 2).ShouldBe(new QueueCounts(0, 0, 0));
        var dead = await Queues.ClaimAsync(dlq.Id, Claim(10, T0 + 3));
        dead.Count.ShouldBe(1);
        dead[0].MessageId.ShouldBe(sent[0].MessageId);
        dead[0].SourceQueueId.ShouldBe(queue.Id);
        dead[0].ReceiveCount.ShouldBe(1);
        dead[0].EnqueuedAt.ShouldBe(T0, "a standard queue's dead-lettered message keeps its enqueue time");
    }

    [Fact]
    public async Task messages_past_retention_are_never_claimed_and_are_expired()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("old")], T0, 0);
        await Queues.SendAsync(queue.Id, [Message("new")], T0 + 60_000, 0);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 120_000, retentionMs: 100_000))).Select(m => m.Body).ShouldBe(["new"]);
        await Queues.SendAsync(queue.Id, [Message("newest")], T0 + 130_000, 0);
        // "new" (enqueued at T0 + 60 s, in flight) is before the cutoff too; "newest" stays.
        (await Queues.ExpireAsync(queue.Id, T0 + 100_000)).ShouldBe(1);
        Queues.Count(queue.Id, T0 + 130_000).ShouldBe(new QueueCounts(1, 0, 0));
    }

    [Fact]
    public async Task purge_removes_every_message()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a"), Message("b", delayMs: 1_000)], T0, 0);
        await Queues.ClaimAsync(queue.Id, Claim(1, T0));
        await Queues.PurgeAsync(queue.Id);
        Queues.Count(queue.Id, T0).ShouldBe(new QueueCounts(0, 0, 0));
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 60_000))).ShouldBeEmpty();
    }

    /// <summary>
    /// Sends <paramref name="body"/> to <paramref name="source"/> at T0 and receives it twice with maxReceiveCount 1: it is then
    /// in <paramref name="dlq"/>, not received there. Returns its sequence.
    /// </summary>
    private async Task<long> DeadLetterAsync(QueueRecord source, QueueRecord dlq, string body)
    {
        var redrive = new ClaimRequest(10, T0, 0, 4 * Day, MaxReceiveCount: 1, DeadLetterQueueId: dlq.Id, DeadLetterRetentionMs: 4 * Day);
        var sent = await Queues.SendAsync(source.Id, [Message(body)], T0, 0);
        await Queues.ClaimAsync(source.Id, redrive);
        await Queues.ClaimAsync(source.Id, redrive with { Now = T0 + 1 });
        return sent[0].Sequence;
    }

    [Fact]
    public async Task move_returns_dead_letters_to_their_source_queues_or_to_a_destination()
    {
        var dlq = await Queue("dlq");
        var a = await Queue("a");
        var b = await Queue("b");
        foreach (var source in new[] { a, b })
        {
            await DeadLetterAsync(source, dlq, source.Name);
        }
        Queues.Count(dlq.Id, T0 + 2).Visible.ShouldBe(2);
        (await Queues.MoveAsync(dlq.Id, 0, 1, T0 + 3)).ShouldBe(1);
        (await Queues.ClaimAsync(a.Id, Claim(10, T0 + 3))).Select(m => m.Body).ShouldBe(["a"]);
        var elsewhere = await Queue("elsewhere");
        (await Queues.MoveAsync(dlq.Id, elsewhere.Id, 10, T0 + 4)).ShouldBe(1);
        var moved = await Queues.ClaimAsync(elsewhere.Id, Claim(10, T0 + 4));
        moved.Select(m => m.Body).ShouldBe(["b"]);
        moved[0].ReceiveCount.ShouldBe(1);
        Queues.Count(dlq.Id, T0 + 4).ShouldBe(new QueueCounts(0, 0, 0));
    }

    [Fact]
    public async Task move_takes_messages_sent_straight_to_the_queue_and_leaves_those_it_cannot_place()
    {
        // Messages never received (an index may keep them apart from received ones) move like any other, oldest first.
        var dlq = await Queue("direct-dlq");
        var destination = await Queue("direct-destination");
        await Queues.SendAsync(dlq.Id, [Message("one"), Message("two"), Message("three", delayMs: 60_000)], T0, 0);
        (await Queues.MoveAsync(dlq.Id, 0, 10, T0 + 1)).ShouldBe(0, "no source queue to return them to");
        Queues.Count(dlq.Id, T0 + 1).ShouldBe(new QueueCounts(2, 0, 1));
        (await Queues.MoveAsync(dlq.Id, destination.Id, 2, T0 + 2)).ShouldBe(2);
        (await Queues.ClaimAsync(destination.Id, Claim(10, T0 + 2))).Select(m => m.Body).ShouldBe(["one", "two"]);
        Queues.Count(dlq.Id, T0 + 2).ShouldBe(new QueueCounts(0, 0, 1));
        (await Queues.ClaimAsync(dlq.Id, Claim(10, T0 + 60_000))).Select(m => m.Body).ShouldBe(["three"]);
    }

    [Fact]
    public async Task move_leaves_messages_in_flight_and_delayed_where_they_are()
    {
        var dlq = await Queue("busy-dlq");
        var source = await Queue("busy-source");
        var destination = await Queue("busy-destination");
        // A dead letter being looked at by a consumer of the dead-letter queue.
        await DeadLetterAsync(source, dlq, "dead");
        var inFlight = (await Queues.ClaimAsync(dlq.Id, Claim(10, T0 + 2))).ShouldHaveSingleItem();
        (await Queues.MoveAsync(dlq.Id, 0, 10, T0 + 3)).ShouldBe(0, "the only dead letter is in flight");

        await Queues.SendAsync(dlq.Id, [Message("visible"), Message("delayed", at: T0 + 3, delayMs: 60_000)], T0 + 3, 0);
        (await Queues.MoveAsync(dlq.Id, destination.Id, 10, T0 + 4)).ShouldBe(1);
        (await Queues.ClaimAsync(destination.Id, Claim(10, T0 + 4))).Select(m => m.Body).ShouldBe(["visible"]);
        Queues.Count(dlq.Id, T0 + 4).ShouldBe(new QueueCounts(0, 1, 1));
        (await Queues.DeleteAsync(dlq.Id, [new Receipt(inFlight.Sequence, inFlight.ReceiptToken)])).ShouldBe([ReceiptOutcome.Ok]);
        (await Queues.ClaimAsync(dlq.Id, Claim(10, T0 + 60_003))).Select(m => m.Body).ShouldBe(["delayed"]);
    }

    [Fact]
    public async Task a_receipt_with_token_zero_acts_on_no_message()
    {
        // No receive hands out token 0, but a message never received holds it: a receipt built with it must not match.
        var queue = await Queue("forged.fifo");
        var sent = await Queues.SendAsync(queue.Id, [Message("kept", group: "g", dedup: "one")], T0, 300_000);
        var forged = new Receipt(sent[0].Sequence, 0);
        (await Queues.DeleteAsync(queue.Id, [forged])).ShouldBe([ReceiptOutcome.Stale]);
        (await Queues.ChangeVisibilityAsync(queue.Id, [forged], 60_000, T0 + 1)).ShouldBe([ReceiptOutcome.Stale]);
        (await Queues.ClaimAsync(queue.Id, Claim(10, T0 + 1))).Select(m => m.Body).ShouldBe(["kept"]);

        // In a standard queue a dead letter holds token 0 too, until it is received.
        var dlq = await Queue("forged-dlq");
        var sequence = await DeadLetterAsync(await Queue("forged-source"), dlq, "dead");
        (await Queues.DeleteAsync(dlq.Id, [new Receipt(sequence, 0)])).ShouldBe([ReceiptOutcome.Stale]);
        (await Queues.ClaimAsync(dlq.Id, Claim(10, T0 + 2))).Select(m => m.Body).ShouldBe(["dead"]);
    }

    [Fact]
    public async Task sends_and_visibility_changes_announce_available_messages()
    {
        var queue = await Queue("q");
        var announced = new List<long>();
        Queues.MessagesAvailable += announced.Add;
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        announced.ShouldBe([queue.Id]);
        var claimed = (await Queues.ClaimAsync(queue.Id, Claim(1, T0)))[0];
        announced.Clear();
        await Queues.ChangeVisibilityAsync(queue.Id, [new Receipt(claimed.Sequence, claimed.ReceiptToken)], 0, T0 + 1);
        announced.ShouldBe([queue.Id]);
    }

    [Fact]
    public async Task many_concurrent_senders_and_claimers_see_each_message_exactly_once()
    {
        var queue = await Queue("q");
        const int Senders = 4, PerSender = 250;
        var sends = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < PerSender; i += 10)
            {
                await Queues.SendAsync(queue.Id, [.. Enumerable.Range(i, 10).Select(n => Message($"{s}-{n}"))], T0, 0);
            }
        })).ToArray();
        await Task.WhenAll(sends);
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        var claims = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var batch = await Queues.ClaimAsync(queue.Id, Claim(10, T0, visibilityMs: 3_600_000));
                if (batch.Count == 0)
                {
                    return;
                }
                foreach (var m in batch)
                {
                    seen.Add(m.Body);
                }
                await Queues.DeleteAsync(queue.Id, [.. batch.Select(m => new Receipt(m.Sequence, m.ReceiptToken))]);
            }
        })).ToArray();
        await Task.WhenAll(claims);
        seen.Count.ShouldBe(Senders * PerSender);
        seen.Distinct().Count().ShouldBe(Senders * PerSender);
    }
}

/// <summary>The contract against the in-memory provider (the engines' test double).</summary>
public sealed class MemoryQueueStoreContract : QueueStoreContract
{
    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(new Memory.MemoryStore());
}
