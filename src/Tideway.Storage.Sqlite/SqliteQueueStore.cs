using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Tideway.Storage.Memory;

namespace Tideway.Storage.Sqlite;

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;

/// <summary>
/// The SQLite queue store: the claiming rules and the working set live in the shared in-memory
/// <see cref="QueueIndex"/>; every change it makes is appended, in order, to the group-commit writer, and
/// a request completes once the transaction holding its changes commits. The messages of one send into a
/// standard queue share one row until each is deleted or its state is written (<see cref="MessageBatch"/>).
/// At start the tables are read back into the index. Message bodies stay in memory up to a budget; beyond
/// it a body is dropped once its message is committed and read back from the database when the message is
/// received.
/// </summary>
internal sealed class SqliteQueueStore : MemoryQueueStore
{
    /// <summary>Bodies kept in memory for all queues (about 2 bytes per character): beyond it bodies stay on disk only.</summary>
    public const long DefaultBodyBudgetBytes = 256L * 1024 * 1024;

    /// <summary>Bodies kept in memory for one queue: a backlog beyond it stays on disk and leaves the memory to the other queues.</summary>
    public const long QueueBodyBudgetBytes = 16L * 1024 * 1024;

    private readonly SqliteQueueJournal _journal;
    private readonly MessageBodyReader _bodies;

    private SqliteQueueStore(SqliteQueueJournal journal, MessageBodyReader bodies, long bodyBudgetBytes)
        : base(journal, bodyBudgetBytes, Math.Min(bodyBudgetBytes, QueueBodyBudgetBytes))
    {
        _journal = journal;
        _bodies = bodies;
    }

    public static SqliteQueueStore Open(SqliteConnection connection, GroupCommitWriter writer, string path, long now, long bodyBudgetBytes = DefaultBodyBudgetBytes)
    {
        var journal = new SqliteQueueJournal(writer);
        var store = new SqliteQueueStore(journal, new MessageBodyReader(path), bodyBudgetBytes);
        journal.ForgetPendingBodies = store.ForgetPendingBodies;
        store.Load(connection, now);
        return store;
    }

    /// <summary>Bytes of message bodies held in memory (for tests of the budget).</summary>
    internal long HeldBodyBytes
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.HeldBodyBytes;
            }
        }
    }

    /// <summary>Bodies set aside until their insert is durable, as the index holds them now (for tests).</summary>
    internal int PendingBodies
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.PendingBodies;
            }
        }
    }

    /// <summary>Batch rows read back for bodies kept on disk (for tests).</summary>
    internal long BatchRowsRead => _bodies.BatchRowsRead;

    /// <summary>Messages whose body is still in memory (for tests: a spilled body leaves once committed).</summary>
    internal int BodiesInMemory
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.CountBodiesInMemory();
            }
        }
    }

    public override async ValueTask<IReadOnlyList<StoredMessage>> ClaimAsync(long queueId, ClaimRequest request)
    {
        var claimed = await base.ClaimAsync(queueId, request).ConfigureAwait(false);
        var onDisk = false;
        foreach (var message in claimed)
        {
            onDisk |= !message.HasBody;
        }
        if (!onDisk)
        {
            return claimed;
        }
        // Outside the index's lock: the claimed messages are copies, and a body on disk is committed and never changes.
        var found = new bool[claimed.Count];
        try
        {
            _bodies.Fill(claimed, found);
        }
        catch (Exception e) when (e is not StoreClosedException)
        {
            // The claim is made but cannot be handed out: the messages become visible again at once (their receive
            // count stays raised, as for a receive whose answer was lost), then the caller gets the error.
            await ChangeVisibilityAsync(queueId, [.. claimed.Select(static m => new Receipt(m.Sequence, m.ReceiptToken))], 0, request.Now).ConfigureAwait(false);
            throw;
        }
        if (Array.IndexOf(found, false) < 0)
        {
            return claimed;
        }
        // Deleted (purged, queue deleted) between the claim and the read: nothing to hand out.
        var kept = new List<StoredMessage>(claimed.Count);
        for (var i = 0; i < claimed.Count; i++)
        {
            if (found[i])
            {
                kept.Add(claimed[i]);
            }
        }
        return kept;
    }

    // On the writer's thread, which must not wait for the index's lock (every commit of every service would wait behind it).
    private void ForgetPendingBodies(List<(long QueueId, long Sequence)> messages) => _index.ForgetPendingBodies(messages);

    private protected override ValueTask CaptureCommit()
    {
        _journal.Flush();
        return new ValueTask(_journal.Last);
    }

    private void Load(SqliteConnection connection, long now)
    {
        lock (_index.Gate)
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT id, account, region, name, attributes, tags, created_at, modified_at FROM queues";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    _index.Restore(new QueueRecord(
                        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                        Map(reader.GetString(4)), Map(reader.GetString(5)), reader.GetInt64(6), reader.GetInt64(7)));
                }
            }
            using (var command = connection.CreateCommand())
            {
                command.CommandText = """
                    SELECT seq, queue_id, message_id, body, attributes, group_id, dedup_id, sent_at, enqueued_at,
                           visible_at, receive_count, first_received_at, receipt_token, source_queue_id
                    FROM messages ORDER BY seq
                    """;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    _index.Restore(new StoredMessage
                    {
                        Sequence = reader.GetInt64(0),
                        QueueId = reader.GetInt64(1),
                        MessageId = reader.GetString(2),
                        // Past the budget the bodies stay on disk, read back when received.
                        Body = _index.HasRoomForBody(reader.GetInt64(1)) ? reader.GetString(3) : null!,
                        Attributes = reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4),
                        GroupId = reader.IsDBNull(5) ? null : reader.GetString(5),
                        DeduplicationId = reader.IsDBNull(6) ? null : reader.GetString(6),
                        SentAt = reader.GetInt64(7),
                        EnqueuedAt = reader.GetInt64(8),
                        VisibleAt = reader.GetInt64(9),
                        ReceiveCount = reader.GetInt32(10),
                        FirstReceivedAt = reader.GetInt64(11),
                        ReceiptToken = reader.GetInt64(12),
                        SourceQueueId = reader.GetInt64(13),
                    });
                }
            }
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT id, queue_id, enqueued_at, live, data FROM message_batches ORDER BY id";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var block = reader.GetInt64(0);
                    var queueId = reader.GetInt64(1);
                    var enqueuedAt = reader.GetInt64(2);
                    var live = reader.GetInt32(3);
                    var data = (byte[])reader.GetValue(4);
                    for (var at = 0; at < data.Length;)
                    {
                        var entry = MessageBatch.Next(data, ref at);
                        if ((live & (1 << entry.Position)) != 0)
                        {
                            // Past the budget the bodies stay on disk, read back when received.
                            _index.Restore(MessageBatch.Message(entry, block, queueId, enqueuedAt, _index.HasRoomForBody(queueId)));
                        }
                    }
                }
            }
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT queue_id, key, seq, message_id, expires_at FROM dedup WHERE expires_at > $now ORDER BY expires_at";
                command.Parameters.AddWithValue("$now", now);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    _index.RestoreDeduplication(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4));
                }
            }
            // Ids are not reused, even those of deleted queues and messages (receipt handles embed them). After a crash the
            // sequences of messages deleted since the last clean stop may be, in blocks no row holds: a receipt from before
            // cannot match them, its token is from before this start (ReceiptTokenFloor).
            using (var command = connection.CreateCommand())
            {
                // The highest sequence used: by a message row, recorded at the last clean stop, or in a batch row's block.
                command.CommandText = $"""
                    SELECT name, seq FROM sqlite_sequence WHERE name IN ('queues', 'messages')
                    UNION ALL SELECT 'counter', value - 1 FROM counters WHERE name = 'next_sequence'
                    UNION ALL SELECT 'batches', ((max(id) + 1) << {MessageBatch.Shift}) - 1 FROM message_batches
                    """;
                using var reader = command.ExecuteReader();
                long nextQueue = 1, nextSequence = 1;
                while (reader.Read())
                {
                    if (reader.GetString(0) == "queues")
                    {
                        nextQueue = reader.GetInt64(1) + 1;
                    }
                    else if (!reader.IsDBNull(1))
                    {
                        nextSequence = Math.Max(nextSequence, reader.GetInt64(1) + 1);
                    }
                }
                _index.RestoreCounters(nextQueue, nextSequence, ReceiptTokenFloor(now));
            }
        }
    }

    /// <summary>
    /// The least receipt token a start issues. Claims without a redrive policy are not journaled, so their tokens are not
    /// stored: after a crash, counting on from the highest stored token could issue one again, and a receipt from before
    /// the crash would match a later receive of its message. Each start counts from its start time times 2^20 instead,
    /// past a million claims a millisecond of any earlier start (unless the clock went back).
    /// </summary>
    internal static long ReceiptTokenFloor(long now) => Math.Max(1, now) << 20;

    internal static Dictionary<string, string> Map(string json) =>
        JsonSerializer.Deserialize(json, StorageJsonContext.Default.DictionaryStringString) ?? [];

    internal static string Json(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(map as Dictionary<string, string> ?? new Dictionary<string, string>(map), StorageJsonContext.Default.DictionaryStringString);

    private protected override void CaptureWriteBehind() => _journal.Flush();

    /// <summary>Writes the receive counts of claims that were not journaled, and the next sequence, before the writer stops.</summary>
    public ValueTask CloseAsync()
    {
        lock (_index.Gate)
        {
            _index.JournalPendingClaims();
            _journal.NextSequence(_index.NextSequence);
            return CaptureCommit();
        }
    }

    /// <summary>Closes the body readers (before the final checkpoint, which an open reader would hold up).</summary>
    public void CloseReaders() => _bodies.Dispose();

    /// <summary>
    /// Turns the index's changes into writer operations. Message inserts, updates and deletes of one store
    /// operation are gathered and written together: the messages of a send into a standard queue as one batch row
    /// (<see cref="MessageBatch"/>: a SendMessageBatch of ten is one row, not ten), other inserts, updates and deletes as
    /// one multi-row statement each; other changes flush what is gathered first, so the order of changes is kept.
    /// </summary>
    private sealed class SqliteQueueJournal(GroupCommitWriter writer) : IQueueJournal
    {
        private List<InsertedMessage>? _inserted;
        private List<InsertedMessage>? _batched;
        private List<(long QueueId, long Sequence)>? _spilled;
        private List<MessageState>? _changed;
        private List<StoredMessage>? _spilledChanged;
        private List<long>? _deleted;

        public Task Last { get; private set; } = Task.CompletedTask;

        /// <summary>Called on the writer's thread once inserts of messages over the budgets are durable (set by the store).</summary>
        public Action<List<(long QueueId, long Sequence)>>? ForgetPendingBodies { get; set; }

        private void Append(WriteOp op)
        {
            Flush();
            Last = writer.Append(op);
        }

        /// <summary>Appends the gathered message changes (inserts, then updates, then deletes: one message is never in two of them within one operation).</summary>
        public void Flush()
        {
            if (_inserted is { Count: > 0 } || _batched is { Count: > 0 })
            {
                Last = writer.Append(new InsertMessages(_inserted, _batched, _spilled, ForgetPendingBodies));
                _inserted = null;
                _batched = null;
                _spilled = null;
            }
            if (_changed is { Count: > 0 })
            {
                Last = writer.Append(new UpdateMessages(_changed, _spilledChanged));
                _changed = null;
                _spilledChanged = null;
            }
            if (_deleted is { Count: > 0 })
            {
                Last = writer.Append(new DeleteMessages(_deleted));
                _deleted = null;
            }
        }

        public void QueueSaved(QueueRecord queue) => Append(new SaveQueue(queue));

        public void QueueDeleted(long queueId, IReadOnlyCollection<long> sequences)
        {
            (_deleted ??= new List<long>(sequences.Count)).AddRange(sequences);
            Append(new DeleteQueue(queueId));
        }

        public void MessageInserted(in InsertedMessage message)
        {
            if (MessageBatch.Fits(message))
            {
                (_batched ??= new List<InsertedMessage>(10)).Add(message);
            }
            else
            {
                (_inserted ??= new List<InsertedMessage>(10)).Add(message);
            }
            if (message.Spill)
            {
                (_spilled ??= new List<(long, long)>(10)).Add((message.QueueId, message.Sequence));
            }
        }

        public void MessageChanged(StoredMessage message)
        {
            (_changed ??= new List<MessageState>(10)).Add(new MessageState(
                message.Sequence, message.QueueId, message.EnqueuedAt, message.VisibleAt, message.ReceiveCount,
                message.FirstReceivedAt, message.ReceiptToken, message.SourceQueueId));
            if (message.SpillBody && message.HasBody)
            {
                // A message moved into a queue over its budget (its row was inserted before, so it is on disk once this commits).
                (_spilledChanged ??= new List<StoredMessage>(10)).Add(message);
            }
        }

        public void MessageDeleted(long sequence) => (_deleted ??= new List<long>(10)).Add(sequence);

        public void QueuePurged(long queueId, IReadOnlyCollection<long> sequences)
        {
            (_deleted ??= new List<long>(sequences.Count)).AddRange(sequences);
            Flush();
        }

        public void DeduplicationRecorded(long queueId, string key, long sequence, string messageId, long expiresAt) =>
            Append(new RecordDeduplication(queueId, key, sequence, messageId, expiresAt));

        public void DeduplicationExpired(long queueId, long cutoff) => Append(new ExpireDeduplication(queueId, cutoff));

        /// <summary>Records the sequence the next message takes (batch rows keep no high mark once deleted).</summary>
        public void NextSequence(long next) => Append(new SaveCounter("next_sequence", next));
    }

    private readonly record struct MessageState(long Sequence, long QueueId, long EnqueuedAt, long VisibleAt, int ReceiveCount, long FirstReceivedAt, long ReceiptToken, long SourceQueueId);

    /// <summary>Statements with one row per message, for up to <see cref="Chunk"/> messages per statement.</summary>
    private static class MultiRow
    {
        public const int Chunk = 32;
        private static readonly string[] Inserts = new string[Chunk + 1];
        private static readonly string[] InsertsWithState = new string[Chunk + 1];
        private static readonly string[] Updates = new string[Chunk + 1];
        private static readonly string[] Deletes = new string[Chunk + 1];

        private static string Rows(int rows, int columns, string constants = "")
        {
            var text = new System.Text.StringBuilder();
            for (var r = 0; r < rows; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns; c++)
                {
                    text.Append(c == 0 ? "?" : ", ?");
                }
                text.Append(constants).Append(')');
            }
            return text.ToString();
        }

        // A sent message has no receive state yet: those four columns are constants, not parameters (each bound value is
        // a native call, ten rows a statement).
        public static string Insert(int rows) => Inserts[rows] ??=
            "INSERT INTO messages (seq, queue_id, message_id, body, attributes, group_id, dedup_id, sent_at, enqueued_at, " +
            "visible_at, receive_count, first_received_at, receipt_token, source_queue_id) VALUES " + Rows(rows, 10, ", 0, 0, 0, 0");

        /// <summary>A message's row with its receive state (one taken out of its batch row to be changed).</summary>
        public static string InsertWithState(int rows) => InsertsWithState[rows] ??=
            "INSERT INTO messages (seq, queue_id, message_id, body, attributes, group_id, dedup_id, sent_at, enqueued_at, " +
            "visible_at, receive_count, first_received_at, receipt_token, source_queue_id) VALUES " + Rows(rows, 14);

        public static string Update(int rows) => Updates[rows] ??=
            "UPDATE messages SET queue_id = v.column2, enqueued_at = v.column3, visible_at = v.column4, receive_count = v.column5, " +
            "first_received_at = v.column6, receipt_token = v.column7, source_queue_id = v.column8 FROM (VALUES " + Rows(rows, 8) +
            ") AS v WHERE messages.seq = v.column1";

        public static string Delete(int rows) => Deletes[rows] ??= "DELETE FROM messages WHERE seq IN " + Rows(1, rows);

        /// <summary>Binds a row's values from position <c>first</c>; returns how many it bound.</summary>
        public delegate int BindRow<T>(SQLitePCL.sqlite3_stmt statement, int first, T row);

        /// <summary>Runs <paramref name="sql"/>'s statement for the rows, <see cref="Chunk"/> at a time.</summary>
        public static void Run<T>(WriteContext context, List<T> rows, Func<int, string> sql, BindRow<T> bind)
        {
            for (var start = 0; start < rows.Count; start += Chunk)
            {
                var count = Math.Min(Chunk, rows.Count - start);
                var statement = context.Statement(sql(count));
                var position = 1;
                for (var r = 0; r < count; r++)
                {
                    position += bind(statement, position, rows[start + r]);
                }
                context.Run(statement);
            }
        }
    }

    /// <summary>Binds a message's enqueue time, visibility and receive state (six columns in this order); returns 6.</summary>
    private static int BindReceiveState(SQLitePCL.sqlite3_stmt statement, int b, in MessageState m)
    {
        WriteContext.Bind(statement, b, m.EnqueuedAt);
        WriteContext.Bind(statement, b + 1, m.VisibleAt);
        WriteContext.Bind(statement, b + 2, m.ReceiveCount);
        WriteContext.Bind(statement, b + 3, m.FirstReceivedAt);
        WriteContext.Bind(statement, b + 4, m.ReceiptToken);
        WriteContext.Bind(statement, b + 5, m.SourceQueueId);
        return 6;
    }

    /// <summary>Drops from memory the bodies of messages over the budget, once the transaction that wrote them has committed.</summary>
    private static void DropBodies(List<StoredMessage>? spilled)
    {
        if (spilled is not null)
        {
            foreach (var message in spilled)
            {
                message.DropBody();
            }
        }
    }

    /// <summary>
    /// Inserts messages (a sent message has no receive state yet); once committed, tells the index that the bodies of those
    /// over the budget may leave memory (the rows hold them now).
    /// </summary>
    private sealed class InsertMessages(List<InsertedMessage>? rows, List<InsertedMessage>? batched, List<(long, long)>? spilled,
        Action<List<(long QueueId, long Sequence)>>? forgetPendingBodies) : WriteOp
    {
        // A block is written by one send, normally in one operation; should a send's messages ever reach the writer in two
        // (a change of another kind appended in between flushes the journal), the second part joins the row.
        private const string InsertBatch = """
            INSERT INTO message_batches (id, queue_id, enqueued_at, live, data) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET live = live | excluded.live, data = CAST(data || excluded.data AS BLOB)
            """;

        // The rows' bytes, reused by each writer thread (a send carries at most 256 KiB of bodies: up to about 1 MB encoded).
        [ThreadStatic]
        private static byte[]? _buffer;

        public override void Committed()
        {
            if (spilled is not null)
            {
                forgetPendingBodies?.Invoke(spilled);
            }
        }

        public override void Execute(WriteContext context)
        {
            if (rows is not null)
            {
                MultiRow.Run(context, rows, MultiRow.Insert, BindRow);
            }
            if (batched is null)
            {
                return;
            }
            // The messages of one block come from one send (the index starts each send at a block): one queue, one enqueue time.
            for (var start = 0; start < batched.Count;)
            {
                var first = batched[start];
                var block = MessageBatch.Block(first.Sequence);
                var live = MessageBatch.LiveBase;
                var end = start;
                for (; end < batched.Count && MessageBatch.Block(batched[end].Sequence) == block; end++)
                {
                    live |= MessageBatch.Bit(batched[end].Sequence);
                }
                var buffer = _buffer ??= new byte[16 * 1024];
                var length = MessageBatch.Encode(batched, start, end - start, ref buffer);
                _buffer = buffer;
                var statement = context.Statement(InsertBatch);
                WriteContext.Bind(statement, 1, block);
                WriteContext.Bind(statement, 2, first.QueueId);
                WriteContext.Bind(statement, 3, first.EnqueuedAt);
                WriteContext.Bind(statement, 4, live);
                SQLitePCL.raw.sqlite3_bind_blob(statement, 5, buffer.AsSpan(0, length));
                context.Run(statement);
                start = end;
            }
        }

        private static int BindRow(SQLitePCL.sqlite3_stmt statement, int b, InsertedMessage m)
        {
            WriteContext.Bind(statement, b, m.Sequence);
            WriteContext.Bind(statement, b + 1, m.QueueId);
            WriteContext.Bind(statement, b + 2, m.MessageId);
            WriteContext.Bind(statement, b + 3, m.Body);
            WriteContext.Bind(statement, b + 4, m.Attributes);
            WriteContext.Bind(statement, b + 5, m.GroupId);
            WriteContext.Bind(statement, b + 6, m.DeduplicationId);
            WriteContext.Bind(statement, b + 7, m.SentAt);
            WriteContext.Bind(statement, b + 8, m.EnqueuedAt);
            WriteContext.Bind(statement, b + 9, m.VisibleAt);
            return 10;
        }
    }

    private sealed class UpdateMessages(List<MessageState> states, List<StoredMessage>? spilled) : WriteOp
    {
        public override void Committed() => DropBodies(spilled);

        public override void Execute(WriteContext context)
        {
            // Messages still in a batch row are inserted with their new state; the others are rows already.
            var rows = Batches.TakeOut(context, states);
            if (rows.Count > 0)
            {
                MultiRow.Run(context, rows, MultiRow.Update, BindState);
            }
        }

        private static int BindState(SQLitePCL.sqlite3_stmt statement, int b, MessageState m)
        {
            WriteContext.Bind(statement, b, m.Sequence);
            WriteContext.Bind(statement, b + 1, m.QueueId);
            return 2 + BindReceiveState(statement, b + 2, m);
        }
    }

    private sealed class DeleteMessages(List<long> sequences) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            MultiRow.Run(context, sequences, MultiRow.Delete, static (statement, b, sequence) =>
            {
                WriteContext.Bind(statement, b, sequence);
                return 1;
            });
            sequences.Sort();
            Batches.Clear(context, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequences));
        }
    }

    /// <summary>The writer's changes to batch rows (<see cref="MessageBatch"/>).</summary>
    private static class Batches
    {
        private const string Select = "SELECT live, data FROM message_batches WHERE id = ?";
        private const string ClearBits = "UPDATE message_batches SET live = live & ~? WHERE id = ?";
        private static readonly string DeleteEmpty = $"DELETE FROM message_batches WHERE id = ? AND live = {MessageBatch.LiveBase}";

        /// <summary>Removes the messages (sorted sequences) from the batch rows that hold them; a row left empty goes.</summary>
        public static void Clear(WriteContext context, ReadOnlySpan<long> sorted)
        {
            for (var start = 0; start < sorted.Length;)
            {
                var (block, bits) = NextBlock(sorted, ref start);
                ClearBlock(context, block, bits);
            }
        }

        /// <summary>The block of <c>sorted[start]</c> and the bits of its messages among the sorted sequences; moves past them.</summary>
        private static (long Block, int Bits) NextBlock(ReadOnlySpan<long> sorted, ref int start)
        {
            var block = MessageBatch.Block(sorted[start]);
            var bits = 0;
            for (; start < sorted.Length && MessageBatch.Block(sorted[start]) == block; start++)
            {
                bits |= MessageBatch.Bit(sorted[start]);
            }
            return (block, bits);
        }

        private static void ClearBlock(WriteContext context, long block, int bits)
        {
            var clear = context.Statement(ClearBits);
            WriteContext.Bind(clear, 1, bits);
            WriteContext.Bind(clear, 2, block);
            context.Run(clear);
            var delete = context.Statement(DeleteEmpty);
            WriteContext.Bind(delete, 1, block);
            context.Run(delete);
        }

        /// <summary>
        /// Gives each of these messages still in a batch row a row of its own in <c>messages</c>, written with its new state,
        /// and takes it out of the batch row. Returns the states of the others (rows of their own already, or gone), for an
        /// update.
        /// </summary>
        public static List<MessageState> TakeOut(WriteContext context, List<MessageState> states)
        {
            var sorted = Latest(states);
            var sequences = Array.ConvertAll(sorted, static m => m.Sequence);
            List<Taken>? taken = null;
            List<(long Block, int Bits)>? cleared = null;
            var isTaken = new bool[sorted.Length];
            for (var start = 0; start < sequences.Length;)
            {
                var first = start;
                var (block, wanted) = NextBlock(sequences, ref start);
                var (bits, data) = Read(context, block, wanted);
                if (bits == 0)
                {
                    continue;
                }
                for (var at = 0; at < data.Length;)
                {
                    var entry = MessageBatch.Next(data, ref at);
                    if ((bits & (1 << entry.Position)) == 0)
                    {
                        continue;
                    }
                    for (var i = first; i < start; i++)
                    {
                        if (!isTaken[i] && MessageBatch.Position(sorted[i].Sequence) == entry.Position)
                        {
                            isTaken[i] = true;
                            (taken ??= new List<Taken>(sorted.Length)).Add(new Taken(sorted[i], entry));
                            break;
                        }
                    }
                }
                (cleared ??= []).Add((block, bits));
            }
            if (taken is null)
            {
                return [.. sorted];
            }
            MultiRow.Run(context, taken, MultiRow.InsertWithState, BindTaken);
            foreach (var (block, bits) in cleared!)
            {
                ClearBlock(context, block, bits);
            }
            var rest = new List<MessageState>(sorted.Length - taken.Count);
            for (var i = 0; i < sorted.Length; i++)
            {
                if (!isTaken[i])
                {
                    rest.Add(sorted[i]);
                }
            }
            return rest;
        }

        /// <summary>The states by sequence, the last one given for each message (a change may list a message twice).</summary>
        private static MessageState[] Latest(List<MessageState> states)
        {
            var order = new int[states.Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }
            Array.Sort(order, (a, b) => states[a].Sequence != states[b].Sequence ? states[a].Sequence.CompareTo(states[b].Sequence) : a.CompareTo(b));
            var latest = new List<MessageState>(order.Length);
            for (var i = 0; i < order.Length; i++)
            {
                if (i + 1 < order.Length && states[order[i + 1]].Sequence == states[order[i]].Sequence)
                {
                    continue;
                }
                latest.Add(states[order[i]]);
            }
            return [.. latest];
        }

        /// <summary>Which of the <paramref name="wanted"/> messages the block's row still holds, and the row's bytes when any.</summary>
        private static (int Bits, byte[] Data) Read(WriteContext context, long block, int wanted)
        {
            var select = context.Statement(Select);
            WriteContext.Bind(select, 1, block);
            if (!context.Step(select))
            {
                return (0, []);
            }
            try
            {
                // The row's bytes only when one of the messages is still in it (a later change of a message taken out finds
                // its bit clear).
                var bits = SQLitePCL.raw.sqlite3_column_int(select, 0) & wanted;
                return (bits, bits == 0 ? [] : SQLitePCL.raw.sqlite3_column_blob(select, 1).ToArray());
            }
            finally
            {
                WriteContext.Reset(select);
            }
        }

        private readonly record struct Taken(MessageState State, MessageBatch.Entry Entry);

        private static int BindTaken(SQLitePCL.sqlite3_stmt statement, int b, Taken row)
        {
            var (m, entry) = (row.State, row.Entry);
            WriteContext.Bind(statement, b, m.Sequence);
            WriteContext.Bind(statement, b + 1, m.QueueId);
            SQLitePCL.raw.sqlite3_bind_text(statement, b + 2, entry.MessageId.Span);
            if (entry.Body.IsEmpty)
            {
                // An empty span is pinned as a null pointer, which SQLite would bind as NULL.
                SQLitePCL.raw.sqlite3_bind_text(statement, b + 3, string.Empty);
            }
            else
            {
                SQLitePCL.raw.sqlite3_bind_text(statement, b + 3, entry.Body.Span);
            }
            if (entry.HasAttributes)
            {
                _ = entry.Attributes.IsEmpty
                    ? SQLitePCL.raw.sqlite3_bind_zeroblob(statement, b + 4, 0)
                    : SQLitePCL.raw.sqlite3_bind_blob(statement, b + 4, entry.Attributes.Span);
            }
            // Group and deduplication ids: none (a batch row holds no message with either).
            WriteContext.Bind(statement, b + 7, entry.SentAt);
            return 8 + BindReceiveState(statement, b + 8, m);
        }
    }

    private sealed class SaveQueue(QueueRecord queue) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            """
            INSERT INTO queues (id, account, region, name, attributes, tags, created_at, modified_at)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7)
            ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, tags = excluded.tags, modified_at = excluded.modified_at
            """,
            queue.Id, queue.Account, queue.Region, queue.Name, Json(queue.Attributes), Json(queue.Tags), queue.CreatedAt, queue.ModifiedAt);
    }

    private sealed class DeleteQueue(long queueId) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            context.Execute("DELETE FROM dedup WHERE queue_id = $p0", queueId);
            context.Execute("DELETE FROM queues WHERE id = $p0", queueId);
        }
    }

    private sealed class SaveCounter(string name, long value) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            "INSERT INTO counters (name, value) VALUES ($p0, $p1) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
            name, value);
    }

    private sealed class RecordDeduplication(long queueId, string key, long sequence, string messageId, long expiresAt) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            "INSERT OR REPLACE INTO dedup (queue_id, key, seq, message_id, expires_at) VALUES ($p0, $p1, $p2, $p3, $p4)",
            queueId, key, sequence, messageId, expiresAt);
    }

    private sealed class ExpireDeduplication(long queueId, long cutoff) : WriteOp
    {
        public override void Execute(WriteContext context) =>
            context.Execute("DELETE FROM dedup WHERE queue_id = $p0 AND expires_at <= $p1", queueId, cutoff);
    }
}
