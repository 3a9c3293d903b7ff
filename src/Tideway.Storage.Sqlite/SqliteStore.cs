using Microsoft.Data.Sqlite;

namespace Tideway.Storage.Sqlite;

/// <summary>How hard each commit pushes data to disk.</summary>
public enum SqliteDurability
{
    /// <summary>
    /// <c>synchronous=NORMAL</c>: a committed change survives the process being killed (kill -9), not a power
    /// cut or kernel crash before the next checkpoint. The default.
    /// </summary>
    Process,

    /// <summary><c>synchronous=FULL</c>: every commit is fsynced; survives power loss too, at the cost of one fsync per group commit.</summary>
    Machine,
}

/// <summary>
/// The embedded provider: one SQLite database (<c>tideway.db</c>) in WAL mode under the data directory,
/// migrated at open, written by one group-commit writer.
/// </summary>
public sealed class SqliteStore : ITidewayStore
{
    private readonly SqliteConnection _writeConnection;
    private readonly GroupCommitWriter _writer;
    private readonly WalCheckpointer _checkpointer;
    private readonly SqliteQueueStore _queues;
    private readonly SqliteLogStore _logs;
    private readonly SqliteBusStore _bus;
    private readonly SqliteFunctionStore _functions;

    private SqliteStore(string path, SqliteConnection writeConnection, GroupCommitWriter writer, WalCheckpointer checkpointer, SqliteQueueStore queues, SqliteLogStore logs, SqliteBusStore bus, SqliteFunctionStore functions, SqliteDurability durability)
    {
        Path = path;
        _writeConnection = writeConnection;
        _writer = writer;
        _checkpointer = checkpointer;
        _queues = queues;
        _logs = logs;
        _bus = bus;
        _functions = functions;
        Description = $"sqlite {path} (WAL, synchronous={(durability == SqliteDurability.Machine ? "FULL" : "NORMAL")}, schema v{Migrations.Latest})";
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public IQueueStore Queues => _queues;

    /// <inheritdoc />
    public ILogStore Logs => _logs;

    /// <inheritdoc />
    public IBusStore Bus => _bus;

    /// <inheritdoc />
    public IFunctionStore Functions => _functions;

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Group commits so far.</summary>
    public long Commits => _writer.Commits;

    /// <summary>The single writer (for tests that hold it up).</summary>
    internal GroupCommitWriter Writer => _writer;

    /// <summary>Changes committed so far.</summary>
    public long CommittedChanges => _writer.Changes;

    /// <summary>The background checkpointer of the write-ahead log.</summary>
    internal WalCheckpointer Checkpointer => _checkpointer;

    /// <summary>Opens (creating and migrating when needed) the database in <paramref name="directory"/>.</summary>
    /// <param name="directory">The data directory; created if missing.</param>
    /// <param name="now">The current time, Unix milliseconds (to skip expired deduplication entries when loading).</param>
    /// <param name="durability">How hard commits push to disk.</param>
    public static SqliteStore Open(string directory, long now, SqliteDurability durability = SqliteDurability.Process) =>
        Open(directory, now, durability, SqliteQueueStore.DefaultBodyBudgetBytes);

    /// <summary>As above, with the budget of message bodies kept in memory (tests give a small one).</summary>
    internal static SqliteStore Open(string directory, long now, SqliteDurability durability, long bodyBudgetBytes)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            // Owner-only: the database holds every message and event, and functions may run as other users of the machine.
            try
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (UnauthorizedAccessException)
            {
                // A folder of another user that this one may write to: its owner decides who reads it.
            }
        }
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, "tideway.db"));
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        try
        {
            Exec(connection, "PRAGMA journal_mode = WAL");
            Exec(connection, durability == SqliteDurability.Machine ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            Exec(connection, "PRAGMA busy_timeout = 5000");
            Exec(connection, "PRAGMA temp_store = MEMORY");
            // Checkpoints run on their own connection and thread (WalCheckpointer), never in the writer's commits;
            // after a checkpoint restarts the log, its file is cut back to this size.
            Exec(connection, "PRAGMA wal_autocheckpoint = 0");
            Exec(connection, "PRAGMA journal_size_limit = 67108864");
            Migrations.Apply(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        var readBuilder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true };
        var writer = new GroupCommitWriter(connection);
        var queues = SqliteQueueStore.Open(connection, writer, path, now, bodyBudgetBytes);
        var logs = SqliteLogStore.Open(connection, writer, readBuilder.ToString());
        var bus = SqliteBusStore.Open(connection, writer);
        var functions = SqliteFunctionStore.Open(connection, writer);
        var checkpointer = new WalCheckpointer(builder.ToString(), durability == SqliteDurability.Machine, () => writer.Commits);
        return new SqliteStore(path, connection, writer, checkpointer, queues, logs, bus, functions, durability);
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Drains the writer (every acknowledged change is already committed) and closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _queues.CloseAsync().ConfigureAwait(false);
        }
        catch (StoreClosedException)
        {
            // The writer already failed; there is nothing more to keep.
        }
        _checkpointer.Dispose();
        _writer.Dispose();
        _queues.CloseReaders();
        // Empty the log into the database before closing, so that the next start does not replay it (it may have
        // grown to about 1 GB under writes that outran the checkpoints). The pooled readers go first: an open reader
        // would hold the log.
        SqliteConnection.ClearAllPools();
        try
        {
            Exec(_writeConnection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException)
        {
            // A reader still open (or a failed writer): the next start replays the log instead.
        }
        _writeConnection.Dispose();
    }
}
