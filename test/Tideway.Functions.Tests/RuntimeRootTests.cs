using Shouldly;

namespace Tideway.Functions.Tests;

/// <summary>
/// The folder a server keeps its functions in: locked while its server runs, removed by the next server to start
/// once its server is gone (killed with kill -9, it could not remove its own). Real folders and flock locks.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RuntimeRootTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("runtime-roots-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private string Folder(string name, bool lockFile)
    {
        var folder = Path.Combine(_temp, name);
        Directory.CreateDirectory(Path.Combine(folder, "env", "1"));
        File.WriteAllText(Path.Combine(folder, "env", "1", "left"), "by an environment");
        if (lockFile)
        {
            File.WriteAllText(Path.Combine(folder, RuntimeRoot.LockFile), "");
        }
        return folder;
    }

    [Fact]
    public void a_root_whose_lock_nobody_holds_is_removed_and_nothing_else()
    {
        var gone = Folder("tideway-999999-0123456789abcdef012", lockFile: true);
        var live = Folder("tideway-999998-0123456789abcdef012", lockFile: true);
        var old = Folder("tideway-999997-0123456789abcdef012", lockFile: false);
        var other = Folder("other-999996", lockFile: true);
        var (outcome, held) = ExclusiveLock.Try(Path.Combine(live, RuntimeRoot.LockFile), create: false);
        outcome.ShouldBe(ExclusiveLock.Outcome.Taken);
        using (held)
        {
            RuntimeRoot.RemoveStale(_temp).ShouldBe(1);
        }

        Directory.Exists(gone).ShouldBeFalse();
        Directory.Exists(live).ShouldBeTrue("its server holds the lock");
        Directory.Exists(old).ShouldBeTrue("no lock file: it may be a live server's of another PID namespace");
        Directory.Exists(other).ShouldBeTrue();
    }

    [Fact]
    public void a_server_keeps_its_root_locked_until_it_lets_go()
    {
        var root = RuntimeRoot.Create(_temp);
        Path.GetFileName(root.Path).ShouldStartWith($"tideway-{Environment.ProcessId}-");
        File.GetUnixFileMode(root.Path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using (root)
        {
            // Another server starting now.
            RuntimeRoot.RemoveStale(_temp).ShouldBe(0);
            Directory.Exists(root.Path).ShouldBeTrue();
        }

        // Gone without removing its folder, as a killed server would.
        RuntimeRoot.RemoveStale(_temp).ShouldBe(1);
        Directory.Exists(root.Path).ShouldBeFalse();
    }
}
