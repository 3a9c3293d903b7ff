using System.Text;
using SQLitePCL;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// Reads the bodies of messages kept on disk only, for receives: read-only connections (WAL readers, so they
/// never wait for the writer), each with its statement prepared once, taken from a pool by the thread that reads.
/// </summary>
internal sealed class MessageBodyReader(string path) : IDisposable
{
    // One statement, so one snapshot: a message the writer takes out of its batch row in between is found in one of the two.
    private const string Sql = """
        SELECT body, NULL FROM messages WHERE seq = ?1
        UNION ALL
        SELECT NULL, data FROM message_batches WHERE id = ?2 AND (live >> ?3) & 1
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
            return _idle.TryPop(out var reader) ? reader : new Reader(path);
        }
    }

    private void Return(Reader reader)
    {
        lock (_idle)
        {
            // Each connection has its own page cache: only a few are kept for the next receives.
            if (_disposed || _idle.Count >= MaxIdle)
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

    private sealed class Reader : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public Reader(string path)
        {
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

        public string? Read(long sequence)
        {
            raw.sqlite3_bind_int64(_statement, 1, sequence);
            raw.sqlite3_bind_int64(_statement, 2, MessageBatch.Block(sequence));
            raw.sqlite3_bind_int(_statement, 3, MessageBatch.Position(sequence));
            try
            {
                var rc = raw.sqlite3_step(_statement);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }
                Check(rc, _db);
                return raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL
                    ? Encoding.UTF8.GetString(raw.sqlite3_column_blob(_statement, 0))
                    : MessageBatch.Body(raw.sqlite3_column_blob(_statement, 1), MessageBatch.Position(sequence));
            }
            finally
            {
                raw.sqlite3_reset(_statement);
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
