using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Tideway.Storage.Sqlite;

/// <summary>One change for the writer to apply inside its current transaction.</summary>
internal abstract class WriteOp
{
    public abstract void Execute(WriteContext context);

    /// <summary>Runs on the writer's thread once the transaction that executed this change has committed, before its waiters resume.</summary>
    public virtual void Committed()
    {
    }
}

/// <summary>The writer's connection, with one prepared command per statement text.</summary>
internal sealed class WriteContext(SqliteConnection connection)
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SQLitePCL.sqlite3_stmt> _statements = new(StringComparer.Ordinal);

    /// <summary>
    /// A raw prepared statement for <paramref name="sql"/>, bound by position (1-based) rather than by name:
    /// for the multi-row statements of the hot path, where looking up a hundred parameter names per
    /// execution cost more than the insert itself. Runs inside the writer's current transaction. Its parameters
    /// are all NULL when it is returned (<see cref="Run"/> clears them), so a null value needs no call.
    /// </summary>
    public SQLitePCL.sqlite3_stmt Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            var rc = SQLitePCL.raw.sqlite3_prepare_v2(Connection.Handle, sql, out statement);
            Check(rc);
            _statements[sql] = statement;
        }
        return statement;
    }

    /// <summary>Runs a bound statement to completion and resets it for the next use.</summary>
    public void Run(SQLitePCL.sqlite3_stmt statement)
    {
        var rc = SQLitePCL.raw.sqlite3_step(statement);
        Reset(statement);
        if (rc != SQLitePCL.raw.SQLITE_DONE)
        {
            Check(rc);
        }
    }

    /// <summary>Steps a bound statement once: true with a row to read (then <see cref="Reset"/> it), false once done (it is reset then).</summary>
    public bool Step(SQLitePCL.sqlite3_stmt statement)
    {
        var rc = SQLitePCL.raw.sqlite3_step(statement);
        if (rc == SQLitePCL.raw.SQLITE_ROW)
        {
            return true;
        }
        Reset(statement);
        if (rc != SQLitePCL.raw.SQLITE_DONE)
        {
            Check(rc);
        }
        return false;
    }

    /// <summary>Resets a statement and clears its parameters, for the next use.</summary>
    public static void Reset(SQLitePCL.sqlite3_stmt statement)
    {
        SQLitePCL.raw.sqlite3_reset(statement);
        SQLitePCL.raw.sqlite3_clear_bindings(statement);
    }

    private void Check(int rc)
    {
        if (rc != SQLitePCL.raw.SQLITE_OK && rc != SQLitePCL.raw.SQLITE_DONE && rc != SQLitePCL.raw.SQLITE_ROW)
        {
            throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(Connection.Handle).utf8_to_string(), rc);
        }
    }

    public static void Bind(SQLitePCL.sqlite3_stmt statement, int index, long value) => SQLitePCL.raw.sqlite3_bind_int64(statement, index, value);

    // The UTF-8 of a text being bound (SQLite copies it: SQLITE_TRANSIENT), reused by each writer thread: binding a
    // string directly allocated its UTF-8 copy for every message body.
    [ThreadStatic]
    private static byte[]? _utf8;

    public static void Bind(SQLitePCL.sqlite3_stmt statement, int index, string? value)
    {
        if (value is null)
        {
            // Already NULL: every statement is handed out with its parameters cleared (each native call costs).
            return;
        }
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        var buffer = _utf8;
        if (buffer is null || buffer.Length < max)
        {
            _utf8 = buffer = new byte[Math.Max(max, 16 * 1024)];
        }
        var count = System.Text.Encoding.UTF8.GetBytes(value, buffer);
        if (count == 0)
        {
            // An empty span is pinned as a null pointer, which SQLite binds as NULL: the text overload binds ''.
            SQLitePCL.raw.sqlite3_bind_text(statement, index, string.Empty);
            return;
        }
        SQLitePCL.raw.sqlite3_bind_text(statement, index, buffer.AsSpan(0, count));
    }

    public static void Bind(SQLitePCL.sqlite3_stmt statement, int index, byte[]? value)
    {
        if (value is not null)
        {
            SQLitePCL.raw.sqlite3_bind_blob(statement, index, value);
        }
    }

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction? Transaction { get; set; }

    /// <summary>The cached command for <paramref name="sql"/>, its parameters named <c>$p0</c>, <c>$p1</c>, ...</summary>
    public SqliteCommand Command(string sql, int parameterCount)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < parameterCount; i++)
            {
                command.Parameters.Add(new SqliteParameter("$p" + i, null));
            }
            _commands[sql] = command;
        }
        command.Transaction = Transaction;
        return command;
    }

    public void Execute(string sql, params ReadOnlySpan<object?> values)
    {
        var command = Command(sql, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        command.ExecuteNonQuery();
    }

    public void DisposeCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        _statements.Clear();
    }
}

/// <summary>
/// The single writer of a SQLite database: changes are appended from any thread and applied by one
/// dedicated thread, as many as have accumulated per transaction (group commit), so that throughput is
/// not one commit per request. <see cref="Append"/> returns the task of the transaction the change went
/// into; transactions commit in order, so awaiting the task of the last change of a request makes the
/// whole request durable. A failed commit closes the writer: every pending and later change fails.
/// See docs/adr/0002-single-writer-group-commit.md.
/// </summary>
internal sealed class GroupCommitWriter : IDisposable
{
    private readonly WriteContext _context;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private List<WriteOp> _pending = new(256);
    private List<WriteOp> _spare = new(256);
    private TaskCompletionSource _batch = NewBatch();
    private readonly Func<long> _clock;
    private volatile int _pendingCount;
    private long _lastAppendAt;
    private int _lastBatch;
    private volatile bool _stopping;
    private Exception? _failure;

    /// <param name="connection">The only write connection.</param>
    /// <param name="maxBatch">Changes per transaction at most.</param>
    /// <param name="clock">The timestamps of <see cref="CommitGathering"/> (<see cref="Stopwatch.GetTimestamp"/>; tests freeze it).</param>
    public GroupCommitWriter(SqliteConnection connection, int maxBatch = 4096, Func<long>? clock = null)
    {
        _clock = clock ?? Stopwatch.GetTimestamp;
        _context = new WriteContext(connection);
        MaxBatch = maxBatch;
        _thread = new Thread(Run) { IsBackground = true, Name = "tideway-sqlite-writer" };
        _thread.Start();
    }

    public int MaxBatch { get; }

    /// <summary>Transactions committed so far (for metrics).</summary>
    public long Commits { get; private set; }

    /// <summary>Changes committed so far (for metrics).</summary>
    public long Changes { get; private set; }

    /// <summary>Times the writer has started to gather (for tests).</summary>
    internal long Gatherings => Volatile.Read(ref _gatherings);

    private long _gatherings;

    private static TaskCompletionSource NewBatch() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Queues a change; returns the task that completes when its transaction commits.</summary>
    public Task Append(WriteOp op)
    {
        lock (_gate)
        {
            if (_failure is not null || _stopping)
            {
                return Task.FromException(Closed());
            }
            _pending.Add(op);
            _pendingCount = _pending.Count;
            Volatile.Write(ref _lastAppendAt, _clock());
            if (_pending.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
            return _batch.Task;
        }
    }

    /// <summary>
    /// The task of the transaction that the next change would join (completed when nothing is pending). It does not
    /// cover a transaction the writer is already writing: to wait for everything appended so far, append a change.
    /// </summary>
    public Task Pending
    {
        get
        {
            lock (_gate)
            {
                return _failure is not null ? Task.FromException(Closed()) : _pending.Count == 0 ? Task.CompletedTask : _batch.Task;
            }
        }
    }

    private StoreClosedException Closed() =>
        _failure is null ? new StoreClosedException() : new StoreClosedException("The store's writer failed: " + _failure.Message, _failure);

    private void Run()
    {
        while (true)
        {
            List<WriteOp> ops;
            TaskCompletionSource batch;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }
                if (_pending.Count == 0)
                {
                    return;
                }
            }
            Gather();
            lock (_gate)
            {
                ops = _pending;
                _pending = _spare;
                _pendingCount = 0;
                batch = _batch;
                _batch = NewBatch();
            }
            _lastBatch = ops.Count;
            try
            {
                Commit(ops);
                Commits++;
                Changes += ops.Count;
                ops.Clear();
                _spare = ops;
                batch.SetResult();
            }
            // Any failure closes the writer: a dying writer thread that left its waiters pending would hang every request.
            catch (Exception e)
            {
                lock (_gate)
                {
                    _failure = e;
                    _pending.Clear();
                    _batch.TrySetException(Closed());
                }
                batch.SetException(Closed());
                return;
            }
        }
    }

    /// <summary>
    /// Under load, lets more changes join the transaction before it starts (see <see cref="CommitGathering"/>). The writer
    /// yields its core meanwhile: the requests queued behind it are what it waits for.
    /// </summary>
    private void Gather()
    {
        if (_stopping || !CommitGathering.ShouldGather(_lastBatch, ThreadPool.PendingWorkItemCount))
        {
            return;
        }
        Interlocked.Increment(ref _gatherings);
        var started = _clock();
        while (!_stopping && CommitGathering.KeepGathering(_pendingCount, started, Volatile.Read(ref _lastAppendAt), _clock(), ThreadPool.PendingWorkItemCount))
        {
            Thread.Yield();
        }
    }

    private void Commit(List<WriteOp> ops)
    {
        // Very large bursts are split so that one transaction never holds the WAL for long.
        for (var start = 0; start < ops.Count; start += MaxBatch)
        {
            var end = Math.Min(ops.Count, start + MaxBatch);
            using var transaction = _context.Connection.BeginTransaction();
            _context.Transaction = transaction;
            for (var i = start; i < end; i++)
            {
                ops[i].Execute(_context);
            }
            transaction.Commit();
            _context.Transaction = null;
            for (var i = start; i < end; i++)
            {
                ops[i].Committed();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
        _context.DisposeCommands();
        Debug.Assert(_pending.Count == 0 || _failure is not null);
    }
}
