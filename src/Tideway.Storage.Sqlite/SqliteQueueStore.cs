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
/// a request completes once the transaction holding its changes commits. At start the tables are read
/// back into the index.
/// </summary>
internal sealed class SqliteQueueStore : MemoryQueueStore
{
    private readonly SqliteQueueJournal _journal;

    private SqliteQueueStore(SqliteQueueJournal journal) : base(journal)
    {
        _journal = journal;
    }

    public static SqliteQueueStore Open(SqliteConnection connection, GroupCommitWriter writer, long now)
    {
        var store = new SqliteQueueStore(new SqliteQueueJournal(writer));
        store.Load(connection, now);
        return store;
    }

    private protected override ValueTask CaptureCommit() => new(_journal.Last);

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
                        Body = reader.GetString(3),
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
                command.CommandText = "SELECT queue_id, key, seq, message_id, expires_at FROM dedup WHERE expires_at > $now ORDER BY expires_at";
                command.Parameters.AddWithValue("$now", now);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    _index.RestoreDeduplication(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4));
                }
            }
            // Ids are never reused, even those of deleted queues and messages (receipt handles embed them).
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT name, seq FROM sqlite_sequence WHERE name IN ('queues', 'messages')";
                using var reader = command.ExecuteReader();
                long nextQueue = 1, nextSequence = 1;
                while (reader.Read())
                {
                    if (reader.GetString(0) == "queues")
                    {
                        nextQueue = reader.GetInt64(1) + 1;
                    }
                    else
                    {
                        nextSequence = reader.GetInt64(1) + 1;
                    }
                }
                _index.RestoreCounters(nextQueue, nextSequence);
            }
        }
    }

    internal static Dictionary<string, string> Map(string json) =>
        JsonSerializer.Deserialize(json, StorageJsonContext.Default.DictionaryStringString) ?? [];

    internal static string Json(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(map as Dictionary<string, string> ?? new Dictionary<string, string>(map), StorageJsonContext.Default.DictionaryStringString);

    /// <summary>Turns the index's changes into writer operations, remembering the commit task of the last one.</summary>
    private sealed class SqliteQueueJournal(GroupCommitWriter writer) : IQueueJournal
    {
        public Task Last { get; private set; } = Task.CompletedTask;

        private void Append(WriteOp op) => Last = writer.Append(op);

        public void QueueSaved(QueueRecord queue) => Append(new SaveQueue(queue));

        public void QueueDeleted(long queueId) => Append(new DeleteQueue(queueId));

        public void MessageInserted(StoredMessage message) => Append(new InsertMessage(message.Snapshot()));

        public void MessageChanged(StoredMessage message) => Append(new UpdateMessage(
            message.Sequence, message.QueueId, message.EnqueuedAt, message.VisibleAt, message.ReceiveCount,
            message.FirstReceivedAt, message.ReceiptToken, message.SourceQueueId));

        public void MessageDeleted(long sequence) => Append(new DeleteMessage(sequence));

        public void QueuePurged(long queueId) => Append(new PurgeQueue(queueId));

        public void DeduplicationRecorded(long queueId, string key, long sequence, string messageId, long expiresAt) =>
            Append(new RecordDeduplication(queueId, key, sequence, messageId, expiresAt));
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
            context.Execute("DELETE FROM messages WHERE queue_id = $p0", queueId);
            context.Execute("DELETE FROM dedup WHERE queue_id = $p0", queueId);
            context.Execute("DELETE FROM queues WHERE id = $p0", queueId);
        }
    }

    private sealed class PurgeQueue(long queueId) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute("DELETE FROM messages WHERE queue_id = $p0", queueId);
    }

    private sealed class InsertMessage(StoredMessage m) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            """
            INSERT INTO messages (seq, queue_id, message_id, body, attributes, group_id, dedup_id, sent_at, enqueued_at,
                                  visible_at, receive_count, first_received_at, receipt_token, source_queue_id)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, $p12, $p13)
            """,
            m.Sequence, m.QueueId, m.MessageId, m.Body, m.Attributes, m.GroupId, m.DeduplicationId, m.SentAt, m.EnqueuedAt,
            m.VisibleAt, m.ReceiveCount, m.FirstReceivedAt, m.ReceiptToken, m.SourceQueueId);
    }

    private sealed class UpdateMessage(long sequence, long queueId, long enqueuedAt, long visibleAt, int receiveCount, long firstReceivedAt, long receiptToken, long sourceQueueId) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            """
            UPDATE messages SET queue_id = $p1, enqueued_at = $p2, visible_at = $p3, receive_count = $p4,
                                first_received_at = $p5, receipt_token = $p6, source_queue_id = $p7
            WHERE seq = $p0
            """,
            sequence, queueId, enqueuedAt, visibleAt, receiveCount, firstReceivedAt, receiptToken, sourceQueueId);
    }

    private sealed class DeleteMessage(long sequence) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute("DELETE FROM messages WHERE seq = $p0", sequence);
    }

    private sealed class RecordDeduplication(long queueId, string key, long sequence, string messageId, long expiresAt) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            "INSERT OR REPLACE INTO dedup (queue_id, key, seq, message_id, expires_at) VALUES ($p0, $p1, $p2, $p3, $p4)",
            queueId, key, sequence, messageId, expiresAt);
    }
}
