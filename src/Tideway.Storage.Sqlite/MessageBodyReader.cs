using System.Text;
using SQLitePCL;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// Reads the bodies of messages kept on disk only, for receives: read-only connections (WAL readers, so they
/// never wait for the writer), each with its statement prepared once, taken from a pool by the thread that reads.
/// </summary>
internal sealed class MessageBodyReader(string path) : IDisposable
{
    // One snapshot for both tables: a message the writer takes out of its batch row in between is found in one of the two.
    private const string Sql = """
        SELECT body, NULL, 0 FROM messages WHERE seq = ?1
        UNION ALL
        SELECT NULL, data, live FROM message_batches WHERE id = ?2 AND (live >> ?3) & 1
        """;

    private const int MaxIdle = 4;

    private readonly Stack<Reader> _idle = new();
    private bool _disposed;

    /// <summary>Fills in the body of each message that has none; false for a message whose row is gone (deleted since it was claimed).</summary>
    public void Fill(IReadOnlyList<StoredMessage> messages, Span<bool> found)
    {
        var reader = Rent();
        try
        {
            // One read transaction: every body comes from one snapshot, so a batch row read once serves its other messages.
            using var snapshot = reader.Snapshot();
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i].HasBody)
                {
                    found[i] = true;
                    continue;
                }
                if (reader.Read(messages[i].Sequence) is { } body)
                {
                    messages[i].SetBody(body);
                    found[i] = true;
                }
            }
        }
        finally
        {
            Return(reader);
        }
    }

    private Reader Rent()
    {
        lock (_idle)
        {
            if (_disposed)
            {
                throw new StoreClosedException();
            }
            return _idle.TryPop(out var reader) ? reader : new Reader(path, this);
        }
    }

    private void Return(Reader reader)
    {
        lock (_idle)
        {
            // Each connection has its own page cache: only a few are kept for the next receives.
            if (_disposed || _idle.Count >= MaxIdle || !reader.Idle)
            {
                reader.Dispose();
            }
            else
            {
                _idle.Push(reader);
            }
        }
    }

    /// <summary>Closes the connections (they would hold the write-ahead log at the final checkpoint); one in use closes when returned.</summary>
    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            while (_idle.TryPop(out var reader))
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>Batch rows read from the database so far (for tests: the messages of one row received together read it once).</summary>
    internal long BatchRowsRead => Interlocked.Read(ref _batchRowsRead);

    private long _batchRowsRead;

    private sealed class Reader : IDisposable
    {
        private readonly MessageBodyReader _owner;
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        // The batch row last read within the current snapshot: its block, live bits and bytes.
        private long _block = -1;
        private int _live;
        private byte[]? _data;

        public Reader(string path, MessageBodyReader owner)
        {
            _owner = owner;
            var rc = raw.sqlite3_open_v2(path, out _db, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null);
            try
            {
                Check(rc, _db);
                raw.sqlite3_busy_timeout(_db, 5_000);
                Check(raw.sqlite3_prepare_v2(_db, Sql, out _statement), _db);
            }
            catch
            {
                _db.Dispose();
                throw;
            }
        }

        /// <summary>Begins a read transaction, ended (and the row read in it forgotten) when disposed.</summary>
        public Transaction Snapshot()
        {
            Check(raw.sqlite3_exec(_db, "BEGIN"), _db);
            return new Transaction(this);
        }

        public readonly struct Transaction(Reader reader) : IDisposable
        {
            public void Dispose()
            {
                reader._block = -1;
                reader._data = null;
                if (raw.sqlite3_exec(reader._db, "COMMIT") != raw.SQLITE_OK)
                {
                    // A read transaction left open would hold the log's start: end it however it can be ended.
                    raw.sqlite3_exec(reader._db, "ROLLBACK");
                }
            }
        }

        /// <summary>Whether no transaction is open on the connection (one that is not is closed, not pooled).</summary>
        public bool Idle => raw.sqlite3_get_autocommit(_db) != 0;

        public string? Read(long sequence)
        {
            var block = MessageBatch.Block(sequence);
            var position = MessageBatch.Position(sequence);
            if (block == _block && (_live & (1 << position)) != 0)
            {
                return MessageBatch.Body(_data!, position);
            }
            var statement = _statement;
            raw.sqlite3_bind_int64(statement, 1, sequence);
            raw.sqlite3_bind_int64(statement, 2, block);
            raw.sqlite3_bind_int(statement, 3, position);
            try
            {
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }
                Check(rc, _db);
                if (raw.sqlite3_column_type(statement, 0) != raw.SQLITE_NULL)
                {
                    return Encoding.UTF8.GetString(raw.sqlite3_column_blob(statement, 0));
                }
                Interlocked.Increment(ref _owner._batchRowsRead);
                var data = raw.sqlite3_column_blob(statement, 1).ToArray();
                _data = data;
                _live = raw.sqlite3_column_int(statement, 2);
                _block = block;
                return MessageBatch.Body(data, position);
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }

        private static void Check(int rc, sqlite3? db)
        {
            if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
            {
                throw new Microsoft.Data.Sqlite.SqliteException(db is null ? $"SQLite error {rc}" : raw.sqlite3_errmsg(db).utf8_to_string(), rc);
            }
        }

        public void Dispose()
        {
            _statement.Dispose();
            _db.Dispose();
        }
    }
}
