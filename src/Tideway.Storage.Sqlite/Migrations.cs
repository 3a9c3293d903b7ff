using Microsoft.Data.Sqlite;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// The schema, as an ordered list of migrations. <c>PRAGMA user_version</c> records how many have run;
/// a database from a newer Tideway (a higher version than we know) is refused rather than misread.
/// Never edit a shipped migration: append a new one.
/// </summary>
internal static class Migrations
{
    private static readonly string[] Steps =
    [
        // 1: queues, messages (no index by queue: the provider deletes by sequence), FIFO deduplication; log groups, streams, events.
        """
        CREATE TABLE queues (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            attributes TEXT NOT NULL, tags TEXT NOT NULL,
            created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,
            UNIQUE (account, region, name));
        CREATE TABLE messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id INTEGER NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL, attributes BLOB,
            group_id TEXT, dedup_id TEXT, sent_at INTEGER NOT NULL, enqueued_at INTEGER NOT NULL,
            visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL, first_received_at INTEGER NOT NULL,
            receipt_token INTEGER NOT NULL, source_queue_id INTEGER NOT NULL);
        CREATE TABLE dedup (
            queue_id INTEGER NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL,
            expires_at INTEGER NOT NULL, PRIMARY KEY (queue_id, key)) WITHOUT ROWID;
        CREATE TABLE log_groups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            created_at INTEGER NOT NULL, retention_days INTEGER, tags TEXT NOT NULL,
            UNIQUE (account, region, name));
        CREATE TABLE log_streams (
            group_id INTEGER NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL,
            first_event INTEGER, last_event INTEGER, last_ingestion INTEGER, stored_bytes INTEGER NOT NULL,
            PRIMARY KEY (group_id, name)) WITHOUT ROWID;
        CREATE TABLE log_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            group_id INTEGER NOT NULL, stream TEXT NOT NULL, ts INTEGER NOT NULL,
            ingestion_time INTEGER NOT NULL, message TEXT NOT NULL);
        CREATE INDEX log_events_by_time ON log_events (group_id, ts, seq);
        """,
        // 2: event buses and rules (engine documents), accepted event batches until delivered, deliveries waiting for a retry.
        """
        CREATE TABLE event_buses (
            account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
            PRIMARY KEY (account, region, name)) WITHOUT ROWID;
        CREATE TABLE event_rules (
            account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
            PRIMARY KEY (account, region, bus, name)) WITHOUT ROWID;
        CREATE TABLE event_batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, events BLOB NOT NULL);
        CREATE TABLE event_deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, target_id TEXT NOT NULL,
            event BLOB NOT NULL, ingested_at INTEGER NOT NULL, attempts INTEGER NOT NULL, due_at INTEGER NOT NULL,
            error_code TEXT, error_message TEXT);
        """,
        // 3: functions (engine documents) and their code packages, stored once per content hash.
        """
        CREATE TABLE functions (
            account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
            PRIMARY KEY (account, region, name)) WITHOUT ROWID;
        CREATE TABLE function_code (sha256 TEXT PRIMARY KEY, package BLOB NOT NULL);
        """,
        // 4: asynchronous invocations accepted and not finished.
        """
        CREATE TABLE function_invocations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, region TEXT NOT NULL, function TEXT NOT NULL, request_id TEXT NOT NULL,
            payload BLOB NOT NULL, queued_at INTEGER NOT NULL, attempts INTEGER NOT NULL, due_at INTEGER NOT NULL);
        """,
        // 5: the messages of one send into a standard queue in one row (see MessageBatch); messages rows stay readable.
        // No AUTOINCREMENT (its sqlite_sequence page would be rewritten by every commit): the next sequence is kept in
        // counters when the store closes.
        """
        CREATE TABLE message_batches (
            id INTEGER PRIMARY KEY,
            queue_id INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, live INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => Steps.Length;

    public static void Apply(SqliteConnection connection)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Latest)
        {
            throw new InvalidOperationException(
                $"The database was written by a newer Tideway (schema version {version}; this build knows up to {Latest}). Use that version, or another --data directory.");
        }
        for (var step = version; step < Latest; step++)
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = Steps[step] + $"\nPRAGMA user_version = {step + 1};";
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
