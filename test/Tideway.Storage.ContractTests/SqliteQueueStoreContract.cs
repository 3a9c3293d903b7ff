using Shouldly;
using Tideway.Storage.Sqlite;

namespace Tideway.Storage.ContractTests;

/// <summary>A temporary data directory, deleted with the test.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tideway-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>The contract against SQLite, plus what only a durable provider promises: a reopen restores everything acknowledged.</summary>
public sealed class SqliteQueueStoreContract : QueueStoreContract
{
    private readonly TemporaryDirectory _directory = new();

    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(SqliteStore.Open(_directory.Path, T0));

    private async Task ReopenAsync(long now)
    {
        await Store.DisposeAsync();
        Store = SqliteStore.Open(_directory.Path, now);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task reopening_restores_queues_messages_and_their_receive_state()
    {
        var dlq = await Queue("dlq");
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a"), Message("b"), Message("c", delayMs: 60_000)], T0, 0);
        var claimed = await Queues.ClaimAsync(queue.Id, new ClaimRequest(1, T0, 30_000, 86_400_000));
        await Queues.DeleteAsync(queue.Id, [new Receipt(claimed[0].Sequence, claimed[0].ReceiptToken)]);
        var inFlight = await Queues.ClaimAsync(queue.Id, new ClaimRequest(1, T0, 30_000, 86_400_000));
        await Queues.UpdateQueueAsync(queue with { Tags = new Dictionary<string, string> { ["k"] = "v" } });

        await ReopenAsync(T0 + 1);

        Queues.FindQueue("000000000000", "us-east-1", "dlq")!.Id.ShouldBe(dlq.Id);
        var restored = Queues.GetQueue(queue.Id)!;
        restored.Tags.ShouldContainKeyAndValue("k", "v");
        Queues.Count(queue.Id, T0 + 1).ShouldBe(new QueueCounts(0, 1, 1));
        var later = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 60_000, 30_000, 86_400_000));
        later.Select(m => m.Body).ShouldBe(["b", "c"]);
        later[0].ReceiveCount.ShouldBe(2);
        later[0].MessageId.ShouldBe(inFlight[0].MessageId);
        later[0].Attributes.ShouldBe(new byte[] { 1, 2, 3 });
        // Sequences and queue ids continue past everything used before the restart.
        var next = await Queues.SendAsync(queue.Id, [Message("d")], T0 + 60_000, 0);
        next[0].Sequence.ShouldBeGreaterThan(later.Max(m => m.Sequence));
        (await Queue("new", T0 + 60_000)).Id.ShouldBeGreaterThan(queue.Id);
    }

    [Fact]
    public async Task the_log_is_checkpointed_off_the_writer_and_restarts_once_moved_into_the_database()
    {
        // SQLite's own checkpoint is off on the writer's connection: the log keeps everything until a pass.
        var queue = await Queue("wal");
        var body = new string('w', 1_000);
        for (var i = 0; i < 20; i++)
        {
            await Queues.SendAsync(queue.Id, [.. Enumerable.Range(0, 10).Select(_ => Message(body))], T0, 0);
        }
        var store = (SqliteStore)Store;
        var wal = store.Path + "-wal";
        var grown = new FileInfo(wal).Length;
        grown.ShouldBeGreaterThan(200 * 1_000);

        var (log, moved) = store.Checkpointer.Pass();

        log.ShouldBeGreaterThan(0);
        moved.ShouldBe(log);
        new FileInfo(store.Path).Length.ShouldBeGreaterThan(200 * 1_000);
        // The next commit starts the log again from its beginning: it stops growing.
        await Queues.SendAsync(queue.Id, [Message("after")], T0, 0);
        new FileInfo(wal).Length.ShouldBeLessThanOrEqualTo(grown);
        store.Checkpointer.Pass().LogFrames.ShouldBeLessThan(log);

        // Closing empties the log into the database: the next start has nothing to replay.
        await Store.DisposeAsync();
        (File.Exists(wal) ? new FileInfo(wal).Length : 0).ShouldBe(0);
        Store = SqliteStore.Open(_directory.Path, T0 + 1);
        Queues.Count(queue.Id, T0 + 1).ShouldBe(new QueueCounts(201, 0, 0));
    }

    [Fact]
    public async Task a_long_log_is_restarted_only_once_the_passive_passes_have_caught_up()
    {
        var queue = await Queue("restart");
        var body = new string('r', 4_000);
        var store = (SqliteStore)Store;
        await Queues.SendAsync(queue.Id, [Message(body)], T0, 0);
        var checkpointer = store.Checkpointer;
        var connection = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = store.Path, Pooling = false }.ToString();

        // A reader holding an old snapshot keeps the passive passes from moving what came after it: more frames are
        // left than a restart may copy while holding the writer up, so none is tried.
        using (var reader = new Microsoft.Data.Sqlite.SqliteConnection(connection))
        {
            reader.Open();
            using var transaction = reader.BeginTransaction(deferred: true);
            using (var read = reader.CreateCommand())
            {
                read.Transaction = transaction;
                read.CommandText = "SELECT count(*) FROM message_batches";
                read.ExecuteScalar().ShouldBe(1L);
            }
            for (var i = 0; i < 40; i++)
            {
                await Queues.SendAsync(queue.Id, [.. Enumerable.Range(0, 10).Select(_ => Message(body))], T0, 0);
            }
            // The threshold is lowered only now: the store's own passes (every 100 ms) then see the same long backlog.
            checkpointer.RestartFrames = 10;
            var (log, moved) = checkpointer.Pass();
            (log - moved).ShouldBeGreaterThan(WalCheckpointer.RestartBacklogFrames);
            checkpointer.RestartsTried.ShouldBe(0);
        }

        // Once the reader is gone the passes catch up and the log is restarted (by this pass, or by a background one just
        // before it): the next commits write over its start.
        var (after, done) = checkpointer.Pass();
        done.ShouldBe(after);
        checkpointer.Restarts.ShouldBeGreaterThanOrEqualTo(1);
        var size = new FileInfo(store.Path + "-wal").Length;
        await Queues.SendAsync(queue.Id, [Message("after")], T0, 0);
        new FileInfo(store.Path + "-wal").Length.ShouldBe(size);
        checkpointer.Pass().LogFrames.ShouldBeLessThan(10);
    }

    [Fact]
    public async Task every_text_of_a_batch_is_stored_as_given_whatever_its_length()
    {
        // The writer encodes each text into one reused buffer before binding it: each row must keep its own.
        var queue = await Queue("texts");
        string[] bodies = ["é", new string('x', 40_000) + "end", "", "日本語 🌊", "short", new string('y', 20_000), "z"];
        await Queues.SendAsync(queue.Id, [.. bodies.Select(b => Message(b))], T0, 0);

        await ReopenAsync(T0 + 1);

        var restored = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000));
        restored.Select(m => m.Body).ShouldBe(bodies);
    }

    [Fact]
    public async Task a_row_without_attributes_or_group_after_one_with_them_stores_none()
    {
        // The writer skips binding null values (a reused statement starts with every parameter NULL): the values of the
        // rows the same statement wrote before must not carry over. Both batches have two rows: the same statement.
        var queue = await Queue("carry");
        await Queues.SendAsync(queue.Id, [Message("with-1", group: "g"), Message("with-2", group: "g")], T0, 0);
        await Queues.SendAsync(queue.Id, [new NewMessage("s1", "without-1", null, T0, T0), new NewMessage("s2", "without-2", null, T0, T0)], T0, 0);

        await ReopenAsync(T0 + 1);

        var restored = (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000))).ToDictionary(m => m.Body);
        restored.Keys.ShouldBe(["with-1", "with-2", "without-1", "without-2"], ignoreOrder: true);
        foreach (var body in new[] { "with-1", "with-2" })
        {
            restored[body].GroupId.ShouldBe("g");
            restored[body].Attributes.ShouldBe(new byte[] { 1, 2, 3 });
        }
        foreach (var body in new[] { "without-1", "without-2" })
        {
            restored[body].GroupId.ShouldBeNull();
            restored[body].Attributes.ShouldBeNull();
        }
        restored.Values.ShouldAllBe(m => m.ReceiveCount == 1 && m.DeduplicationId == null);
    }

    [Fact]
    public async Task a_receive_that_only_dead_letters_writes_the_move_at_once()
    {
        // The receive returns nothing, but its move must reach the writer now, not with whatever operation comes next.
        var dlq = await Queue("retire-dlq");
        var queue = await Queue("retire");
        var sent = await Queues.SendAsync(queue.Id, [Message("poison")], T0, 0);
        var redrive = new ClaimRequest(10, T0, 0, 86_400_000, MaxReceiveCount: 1, DeadLetterQueueId: dlq.Id, DeadLetterRetentionMs: 86_400_000);
        (await Queues.ClaimAsync(queue.Id, redrive)).Count.ShouldBe(1);
        (await Queues.ClaimAsync(queue.Id, redrive with { Now = T0 + 1 })).ShouldBeEmpty();

        var store = (SqliteStore)Store;
        // Transactions commit in order: once this empty change is committed, so is anything appended before it.
        await store.Writer.Append(new GroupCommitWriterTests.Nothing());
        using var reader = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = store.Path, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        reader.Open();
        using var command = reader.CreateCommand();
        command.CommandText = "SELECT queue_id FROM messages WHERE message_id = $id";
        command.Parameters.AddWithValue("$id", sent[0].MessageId);
        command.ExecuteScalar().ShouldBe(dlq.Id);
    }

    [Fact]
    public async Task a_receipt_from_before_a_crash_matches_no_later_receive()
    {
        var queue = await Queue("tokens");
        await Queues.SendAsync(queue.Id, [Message("m")], T0, 0);
        // As the engine claims for a queue without a redrive policy: not journaled. Visibility 0: visible again at once.
        var before = (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0, 0, 86_400_000, JournalClaims: false))).ShouldHaveSingleItem();

        // A crash: the store is never closed (closing would write the claim); a new one opens the same files.
        var crashed = Store;
        Store = SqliteStore.Open(_directory.Path, T0 + 1);
        try
        {
            var after = (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000))).ShouldHaveSingleItem();
            after.Sequence.ShouldBe(before.Sequence);
            after.ReceiptToken.ShouldNotBe(before.ReceiptToken);
            (await Queues.DeleteAsync(queue.Id, [new Receipt(before.Sequence, before.ReceiptToken)])).ShouldBe([ReceiptOutcome.Stale]);
        }
        finally
        {
            await crashed.DisposeAsync();
        }
    }

    [Fact]
    public async Task message_ids_are_stored_as_sent()
    {
        var queue = await Queue("stored-ids");
        await Queues.SendAsync(queue.Id, MessagesWithIds(), T0, 0);

        await ReopenAsync(T0 + 1);

        var restored = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000));
        restored.Select(m => m.MessageId).ShouldBe(MessageIds);
    }

    [Fact]
    public async Task reopening_keeps_fifo_order_and_the_deduplication_window()
    {
        var queue = await Queue("q.fifo");
        await Queues.SendAsync(queue.Id, [Message("1", group: "g", dedup: "one"), Message("2", group: "g", dedup: "two")], T0, 300_000);
        await ReopenAsync(T0 + 1_000);
        (await Queues.SendAsync(queue.Id, [Message("1 again", group: "g", dedup: "one")], T0 + 1_000, 300_000))[0].Deduplicated.ShouldBeTrue();
        (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1_000, 30_000, 86_400_000))).Select(m => m.Body).ShouldBe(["1", "2"]);
    }

    [Fact]
    public async Task a_deleted_queue_stays_deleted_after_reopening()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        await Queues.DeleteQueueAsync(queue.Id);
        await ReopenAsync(T0 + 1);
        Queues.AllQueues().ShouldBeEmpty();
        (await Queue("q", T0 + 1)).Id.ShouldNotBe(queue.Id);
    }

    [Fact]
    public async Task claims_that_were_not_journaled_are_written_when_the_store_closes()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [Message("a")], T0, 0);
        var lazy = new ClaimRequest(1, T0, 0, 86_400_000, JournalClaims: false);
        await Queues.ClaimAsync(queue.Id, lazy);
        await Queues.ClaimAsync(queue.Id, lazy with { Now = T0 + 1 });
        await ReopenAsync(T0 + 2);
        (await Queues.ClaimAsync(queue.Id, lazy with { Now = T0 + 2 }))[0].ReceiveCount.ShouldBe(3);
    }

    [Fact]
    public async Task expiry_drops_stale_deduplication_entries_from_the_database()
    {
        var queue = await Queue("q.fifo");
        await Queues.SendAsync(queue.Id, [Message("a", group: "g", dedup: "d1"), Message("b", group: "g", dedup: "d2")], T0, 300_000);
        await Queues.ExpireAsync(queue.Id, T0 + 300_000);
        await Store.DisposeAsync();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={System.IO.Path.Combine(_directory.Path, "tideway.db")};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM dedup";
            Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(0);
        }
        Store = SqliteStore.Open(_directory.Path, T0 + 300_000);
    }

    [Fact]
    public async Task a_purge_stays_purged_after_reopening()
    {
        var queue = await Queue("q");
        await Queues.SendAsync(queue.Id, [.. Enumerable.Range(0, 50).Select(i => Message($"m{i}"))], T0, 0);
        await Queues.PurgeAsync(queue.Id);
        await Queues.SendAsync(queue.Id, [Message("after")], T0 + 1, 0);
        await ReopenAsync(T0 + 2);
        (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 2, 30_000, 86_400_000))).Select(m => m.Body).ShouldBe(["after"]);
    }

    /// <summary>A value read from the database by a second connection, once everything appended so far is committed.</summary>
    private async Task<object?> Read(string sql)
    {
        // Transactions commit in order: once this empty change is committed, so is anything appended before it (claims are
        // written behind, not awaited).
        await ((SqliteStore)Store).Writer.Append(new GroupCommitWriterTests.Nothing());
        using var reader = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = ((SqliteStore)Store).Path,
            Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        reader.Open();
        using var command = reader.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task a_send_into_a_standard_queue_is_one_row_that_goes_with_its_last_message()
    {
        var queue = await Queue("batched");
        var sent = await Queues.SendAsync(queue.Id, [.. Enumerable.Range(0, 10).Select(i => Message("m" + i))], T0, 0);
        (await Read("SELECT count(*) FROM message_batches")).ShouldBe(1L);
        (await Read("SELECT count(*) FROM messages")).ShouldBe(0L);

        // Deletes clear the messages' bits in the row; a restart restores only those left.
        var claimed = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0, 30_000, 86_400_000, JournalClaims: false));
        await Queues.DeleteAsync(queue.Id, [.. claimed.Take(4).Select(m => new Receipt(m.Sequence, m.ReceiptToken))]);
        (await Read("SELECT live FROM message_batches")).ShouldBe((long)(MessageBatch.LiveBase | (0x3FF & ~0xF)));
        await ReopenAsync(T0 + 60_000);
        var left = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 60_000, 30_000, 86_400_000, JournalClaims: false));
        left.Select(m => m.Body).ShouldBe(["m4", "m5", "m6", "m7", "m8", "m9"], ignoreOrder: true);
        left.Select(m => m.MessageId).ShouldBe(sent.Skip(4).Select(s => s.MessageId), ignoreOrder: true);
        left.ShouldAllBe(m => m.Attributes!.SequenceEqual(new byte[] { 1, 2, 3 }) && m.SentAt == T0);

        await Queues.DeleteAsync(queue.Id, [.. left.Select(m => new Receipt(m.Sequence, m.ReceiptToken))]);
        (await Read("SELECT count(*) FROM message_batches")).ShouldBe(0L);
        // With every row gone, the next send still takes sequences past those used before.
        await ReopenAsync(T0 + 120_000);
        var next = await Queues.SendAsync(queue.Id, [Message("next")], T0 + 120_000, 0);
        next[0].Sequence.ShouldBeGreaterThan(sent.Max(s => s.Sequence));
    }

    [Fact]
    public async Task after_a_crash_a_sequence_used_again_matches_no_receipt_from_before()
    {
        // The next sequence is recorded when the store closes; after a crash, a block whose rows were all deleted may be
        // used again, but the receipts handed out before the crash carry older tokens.
        var queue = await Queue("crash-sequences");
        var sent = await Queues.SendAsync(queue.Id, [Message("gone")], T0, 0);
        var before = (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0, 30_000, 86_400_000, JournalClaims: false))).ShouldHaveSingleItem();
        await Queues.DeleteAsync(queue.Id, [new Receipt(before.Sequence, before.ReceiptToken)]);
        (await Read("SELECT count(*) FROM message_batches")).ShouldBe(0L);

        var crashed = Store;
        Store = SqliteStore.Open(_directory.Path, T0 + 1);
        try
        {
            var next = await Queues.SendAsync(queue.Id, [Message("new")], T0 + 1, 0);
            next[0].Sequence.ShouldBe(sent[0].Sequence);
            var after = (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 0, 86_400_000, JournalClaims: false))).ShouldHaveSingleItem();
            (await Queues.DeleteAsync(queue.Id, [new Receipt(before.Sequence, before.ReceiptToken)])).ShouldBe([ReceiptOutcome.Stale]);
            (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 2, 30_000, 86_400_000))).Single().Body.ShouldBe("new");
            after.ReceiptToken.ShouldNotBe(before.ReceiptToken);
        }
        finally
        {
            await crashed.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_journaled_receive_gives_the_message_a_row_of_its_own_and_leaves_the_others_in_the_batch()
    {
        var dlq = await Queue("own-row-dlq");
        var queue = await Queue("own-row");
        await Queues.SendAsync(queue.Id, [Message("a"), Message("b", delayMs: 60_000), Message("c", delayMs: 60_000)], T0, 0);
        var redrive = new ClaimRequest(1, T0, 30_000, 86_400_000, MaxReceiveCount: 5, DeadLetterQueueId: dlq.Id, DeadLetterRetentionMs: 86_400_000);
        var first = (await Queues.ClaimAsync(queue.Id, redrive)).ShouldHaveSingleItem();

        (await Read("SELECT receive_count FROM messages WHERE body = 'a'")).ShouldBe(1L);
        (await Read("SELECT live & 1 FROM message_batches")).ShouldBe(0L);
        (await Read("SELECT count(*) FROM message_batches")).ShouldBe(1L);

        // A crash: the store is never closed; a new one opens the same files and finds the receive and the others.
        var crashed = Store;
        Store = SqliteStore.Open(_directory.Path, T0 + 60_000);
        try
        {
            var all = await Queues.ClaimAsync(queue.Id, redrive with { MaxMessages = 10, Now = T0 + 60_000 });
            all.Select(m => (m.Body, m.ReceiveCount)).ShouldBe([("a", 2), ("b", 1), ("c", 1)], ignoreOrder: true);
            all.Single(m => m.Body == "a").MessageId.ShouldBe(first.MessageId);
            all.Single(m => m.Body == "b").VisibleAt.ShouldBe(T0 + 60_000 + 30_000);
            // The row of its own keeps what the batch row held: send time, attributes, id.
            var own = all.Single(m => m.Body == "a");
            (own.SentAt, own.EnqueuedAt, own.FirstReceivedAt).ShouldBe((T0, T0, T0));
            own.Attributes.ShouldBe(new byte[] { 1, 2, 3 });
        }
        finally
        {
            await crashed.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_send_whose_messages_reach_the_writer_in_two_parts_keeps_them_in_one_row()
    {
        // A deduplication entry is its own change: the plain messages before it and after it reach the writer separately,
        // in the same block. The engine sends no deduplication id to a standard queue; the store must still cope.
        var queue = await Queue("parts");
        await Queues.SendAsync(queue.Id, [Message("a"), Message("b", dedup: "d"), Message("c")], T0, 300_000);
        (await Read("SELECT count(*) FROM message_batches")).ShouldBe(1L);

        await ReopenAsync(T0 + 1);
        (await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000))).Select(m => m.Body).ShouldBe(["a", "b", "c"], ignoreOrder: true);
    }

    [Fact]
    public async Task messages_rows_written_before_batch_rows_are_still_read()
    {
        // A database from a build that wrote a row per message of a standard queue: those rows are restored beside batch rows.
        var queue = await Queue("older");
        await Queues.SendAsync(queue.Id, [Message("new")], T0, 0);
        await Store.DisposeAsync();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={System.IO.Path.Combine(_directory.Path, "tideway.db")};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO messages (seq, queue_id, message_id, body, attributes, group_id, dedup_id, sent_at, enqueued_at,
                    visible_at, receive_count, first_received_at, receipt_token, source_queue_id)
                VALUES (1000, {queue.Id}, '0f8fad5b-d9cb-469f-a165-70867728950e', 'old', NULL, NULL, NULL, {T0}, {T0}, {T0}, 0, 0, 0, 0)
                """;
            command.ExecuteNonQuery();
        }
        Store = SqliteStore.Open(_directory.Path, T0 + 1);

        var claimed = await Queues.ClaimAsync(queue.Id, new ClaimRequest(10, T0 + 1, 30_000, 86_400_000));
        claimed.Select(m => m.Body).ShouldBe(["new", "old"], ignoreOrder: true);
        claimed.Single(m => m.Body == "old").MessageId.ShouldBe("0f8fad5b-d9cb-469f-a165-70867728950e");
        await Queues.DeleteAsync(queue.Id, [.. claimed.Select(m => new Receipt(m.Sequence, m.ReceiptToken))]);
        (await Read("SELECT count(*) FROM messages")).ShouldBe(0L);
        (await Read("SELECT count(*) FROM message_batches")).ShouldBe(0L);
        (await Queues.SendAsync(queue.Id, [Message("after")], T0 + 1, 0))[0].Sequence.ShouldBeGreaterThan(1000);
    }

    [Fact]
    public async Task a_database_from_a_newer_schema_is_refused()
    {
        await Store.DisposeAsync();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={System.IO.Path.Combine(_directory.Path, "tideway.db")};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 999";
            command.ExecuteNonQuery();
        }
        Should.Throw<InvalidOperationException>(() => SqliteStore.Open(_directory.Path, T0)).Message.ShouldContain("newer Tideway");
        Store = new Memory.MemoryStore();
    }
}
