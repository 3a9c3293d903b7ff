namespace Tideway.Functions;

/// <summary>
/// The folder in the temporary directory where a server keeps its functions' code and environments
/// (<c>tideway-PID-HEX</c>). The server holds a lock on a file in it while it runs; at start a server removes the
/// folders whose lock nobody holds, those of servers that were killed and could not remove their own.
/// </summary>
public sealed class RuntimeRoot : IDisposable
{
    /// <summary>The file in the folder that its server keeps locked.</summary>
    internal const string LockFile = ".server.lock";

    private FileStream? _lock;

    private RuntimeRoot(string path, FileStream? held)
    {
        Path = path;
        _lock = held;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>
    /// Makes this server's folder in <paramref name="tempFolder"/> (owner-only), after removing those of servers that
    /// are gone. On Windows the path is only named, as functions do not run there.
    /// </summary>
    public static RuntimeRoot Create(string tempFolder)
    {
        var name = $"tideway-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];
        var path = System.IO.Path.Combine(tempFolder, name);
        if (!OperatingSystem.IsLinux())
        {
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            return new RuntimeRoot(path, null);
        }
        RemoveStale(tempFolder);
        // Made and locked under a name that no clean-up looks at, then renamed: a folder under its final name always
        // has its lock held while its server runs.
        var staging = System.IO.Path.Combine(tempFolder, "." + name);
        Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (_, held) = ExclusiveLock.Try(System.IO.Path.Combine(staging, LockFile), create: true);
        Directory.Move(staging, path);
        return new RuntimeRoot(path, held);
    }

    /// <summary>
    /// Removes the folders of <paramref name="tempFolder"/> named like a runtime root whose lock file nobody holds;
    /// returns how many. Folders without a lock file (made before servers locked theirs) are left alone: a process id
    /// alone cannot tell a dead server from one in another PID namespace that shares the folder.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal static int RemoveStale(string tempFolder)
    {
        List<string> folders;
        try
        {
            folders = [.. Directory.EnumerateDirectories(tempFolder, "tideway-*")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        var removed = 0;
        foreach (var folder in folders)
        {
            var (outcome, held) = ExclusiveLock.Try(System.IO.Path.Combine(folder, LockFile), create: false);
            if (outcome != ExclusiveLock.Outcome.Taken)
            {
                continue;
            }
            using (held)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left for the next start (a file another user made in it, a read-only folder).
                }
            }
        }
        return removed;
    }

    /// <summary>Lets go of the lock (the server removes the folder itself before).</summary>
    public void Dispose() => Interlocked.Exchange(ref _lock, null)?.Dispose();
}
