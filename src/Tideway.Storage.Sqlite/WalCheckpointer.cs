using Microsoft.Data.Sqlite;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// Moves the write-ahead log into the database from its own connection and thread, so that the writer never
/// waits for a checkpoint. SQLite's automatic checkpoint runs in the connection that commits: with the log
/// growing by 100-200 MB/s under load it ran every few milliseconds of writing, each time copying pages and
/// syncing files while every request waited behind the writer (switching it off raised `bench events` by
/// 17-33 %). The writer's connection has <c>wal_autocheckpoint = 0</c>; this class checkpoints PASSIVE (never
/// blocking the writer) a few times a second while there are commits. A log that a passive checkpoint can
/// never empty (writes without a pause) is restarted once it passes <see cref="RestartFrames"/>, so that
/// the writer writes over the start of a file it has written before instead of extending it for ever. A
/// restart holds up the writer for the frames not yet in the database and waits for readers: passive
/// passes first catch up until few frames are left, and the restart gives up after
/// <see cref="RestartWait"/> rather than stall commits behind a reader. Past
/// <see cref="ForceRestartFrames"/> a restart is tried even when the passes could not catch up.
/// See docs/adr/0002-single-writer-group-commit.md.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Func<long> _commits;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private readonly object _gate = new();
    private long _seenCommits = -1;
    private long _noRestartUntil;
    private bool _disposed;

    public WalCheckpointer(string connectionString, bool fullSync, Func<long> commits, int restartFrames = ForceRestartFrames, TimeSpan? interval = null)
    {
        _commits = commits;
        RestartFrames = restartFrames;
        Interval = interval ?? TimeSpan.FromMilliseconds(100);
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        Exec(fullSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        // A restart waits for the writer and for open readers while it holds the writer out: it gives up soon
        // (and is not tried again for a while) rather than stall every commit behind a long read.
        Exec($"PRAGMA busy_timeout = {(int)RestartWait.TotalMilliseconds}");
        _thread = new Thread(Run) { IsBackground = true, Name = "tideway-sqlite-checkpointer" };
        _thread.Start();
    }

    private volatile int _restartFrames;

    /// <summary>
    /// Log frames (pages) beyond which a checkpoint also restarts the log once the passive passes have caught up (1 GB of
    /// 4 KB pages by default). 32 MB made <c>bench sqs</c> faster and <c>bench events</c> slower (ADR 0002).
    /// </summary>
    public int RestartFrames { get => _restartFrames; internal set => _restartFrames = value; }

    /// <summary>
    /// Log frames beyond which a restart is tried however far the passive passes are behind (1 GB of 4 KB pages): under
    /// writes that outrun every pass, this bounds the log on disk and what a start after <c>kill -9</c> replays.
    /// </summary>
    public const int ForceRestartFrames = 262_144;

    /// <summary>Frames left behind by the passive passes below which a restart is tried (the writer waits while it copies them and what came since).</summary>
    public const int RestartBacklogFrames = 256;

    /// <summary>Passive passes at most before a restart; under writes faster than checkpoints, the restart waits for another pass.</summary>
    public const int CatchUpPasses = 4;

    /// <summary>How long a restart waits for the writer's transaction and for readers before it gives up.</summary>
    public static readonly TimeSpan RestartWait = TimeSpan.FromMilliseconds(10);

    /// <summary>Restart checkpoints tried so far (for tests).</summary>
    public long RestartsTried { get; private set; }

    /// <summary>Restart checkpoints that completed so far (for tests; the writer's next commit then starts the log over).</summary>
    public long Restarts { get; private set; }

    public TimeSpan Interval { get; }

    /// <summary>Checkpoints run so far (for metrics and tests).</summary>
    public long Checkpoints { get; private set; }

    private void Run()
    {
        while (!_stop.Wait(Interval))
        {
            var commits = _commits();
            if (commits == Interlocked.Exchange(ref _seenCommits, commits))
            {
                continue;
            }
            try
            {
                Pass();
            }
            // A failed pass leaves the log longer, nothing else: the next one tries again (the writer reports its own failures).
            catch (SqliteException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>One checkpoint: passive, then a restart when the log is still longer than the threshold. Returns the log's frames and those now in the database.</summary>
    public (long LogFrames, long CheckpointedFrames) Pass()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // A busy pass (another connection checkpointing) reports -1 frames: nothing is known, nothing more is tried.
            var (busy, log, done) = Checkpoint("PASSIVE");
            if (!busy && log > RestartFrames && Environment.TickCount64 >= _noRestartUntil)
            {
                // Each pass copies what the writer added during the one before: when checkpoints outrun the
                // writer, a few passes leave little for the restart to copy while it holds the writer up.
                for (var pass = 1; pass < CatchUpPasses && !busy && log - done > RestartBacklogFrames; pass++)
                {
                    (busy, log, done) = Checkpoint("PASSIVE");
                }
                if (!busy && (log - done <= RestartBacklogFrames || log > ForceRestartFrames))
                {
                    RestartsTried++;
                    (busy, log, done) = Checkpoint("RESTART");
                    if (busy)
                    {
                        _noRestartUntil = Environment.TickCount64 + 2_000;
                    }
                    else
                    {
                        Restarts++;
                    }
                }
            }
            Checkpoints++;
            return (log, done);
        }
    }

    private (bool Busy, long Log, long Done) Checkpoint(string mode)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode})";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }

    private void Exec(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        lock (_gate)
        {
            _disposed = true;
            _connection.Dispose();
        }
        _stop.Dispose();
    }
}
