using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Tideway.Functions;

/// <summary>
/// Execution environments run as users of their own when the server runs as root: each environment gets a user id
/// (and group id) that no other environment and no account of the machine has, switched to by <c>setpriv</c> after the
/// launcher has joined the memory cgroup and opened the output FIFO. The function then cannot read the server's data
/// directory (owner-only), the server's memory or open files through <c>/proc</c>, or another environment's
/// temporary folder. Not run as root, the server cannot switch users and functions run as its own user (see
/// docs/compat/lambda.md).
/// </summary>
/// <remarks>
/// Everything an environment needs must be reachable by a user that is neither owner nor group: our bootstraps are
/// copied into the runtime root (the server's own folder may sit where others cannot go, under <c>/root</c>), and
/// interpreters are taken from where others may run them (a pyenv Python under <c>/root</c> is passed over for the
/// system's).
/// </remarks>
internal sealed class FunctionUsers
{
    /// <summary>The first user id of the range environments take their ids from (far above the ids of accounts and of subordinate id ranges).</summary>
    public const uint FirstUid = 1_900_000_000;

    /// <summary>Ids per block: a server takes one block, in which no process runs when it starts.</summary>
    public const uint BlockIds = 100_000;

    /// <summary>Blocks in the range (it ends below 3,800,000,000).</summary>
    public const uint Blocks = 19_000;

    /// <summary>Where a root server holds a lock on its block of ids (root's own, so no other user can hold them).</summary>
    internal const string LockFolder = "/run/tideway";

    private readonly uint _firstUid;
    private readonly string[] _prefix;
    private readonly string? _unshare;
    private FileStream? _blockLock;

    private FunctionUsers(string setpriv, string? setsid, string? unshare, string runtimeFolder, (uint FirstUid, FileStream? Lock) block)
    {
        Setpriv = setpriv;
        _unshare = unshare;
        RuntimeFolder = runtimeFolder;
        _firstUid = block.FirstUid;
        _blockLock = block.Lock;
        // With a controlling terminal, each environment starts a session of its own: a process of another user must
        // not open the terminal of the root that started the server (and type into it).
        _prefix = setsid is null ? [] : [setsid];
    }

    /// <summary>The <c>setpriv</c> program that switches the user.</summary>
    public string Setpriv { get; }

    /// <summary>The copy of our Runtimes folder that every environment user can read.</summary>
    public string RuntimeFolder { get; }

    private readonly object _gate = new();
    // The ids given to environments that have not ended, with the temporary folder of each.
    private readonly Dictionary<uint, string> _rented = [];
    private uint _next;

    /// <summary>
    /// A user (and group) id for an environment whose temporary folder is <paramref name="tmp"/>: the next one of this
    /// server's block that no live environment has and no account of the machine has.
    /// </summary>
    public uint Rent(string tmp)
    {
        lock (_gate)
        {
            for (var i = 0; i < BlockIds; i++)
            {
                var uid = _firstUid + (_next++ % BlockIds);
                if (!_rented.ContainsKey(uid) && GetPasswordEntry(uid) == IntPtr.Zero)
                {
                    _rented[uid] = tmp;
                    return uid;
                }
            }
        }
        throw new InvalidOperationException("Every user id of the server's block is in use or belongs to an account of the machine.");
    }

    /// <summary>An environment has ended: its user's processes are killed, its temporary folder emptied, and the id freed.</summary>
    public void Release(uint uid)
    {
        string? tmp;
        lock (_gate)
        {
            _rented.Remove(uid, out tmp);
        }
        if (tmp is not null)
        {
            Clean(tmp, uid);
        }
    }

    /// <summary>Releases every id still given out (at shutdown, for environments that did not end in time).</summary>
    public void ReleaseAll()
    {
        uint[] uids;
        lock (_gate)
        {
            uids = [.. _rented.Keys];
        }
        foreach (var uid in uids)
        {
            Release(uid);
        }
        // No process of the block is left: another server may take it.
        Interlocked.Exchange(ref _blockLock, null)?.Dispose();
    }

    /// <summary>Separate users when the server runs as root on Linux and <c>setpriv</c> is there; null otherwise.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static FunctionUsers? Detect(string runtimeRoot)
    {
        if (GetEffectiveUid() != 0 || Runtimes.OnPath("setpriv") is not { } setpriv)
        {
            return null;
        }
        string? setsid = null;
        if (HasControllingTerminal())
        {
            setsid = Runtimes.OnPath("setsid") ?? throw new InvalidOperationException("Functions run as users of their own need `setsid` when the server has a terminal.");
        }
        // Others may pass through the root (code and environment folders are below it) but not list it.
        Directory.CreateDirectory(runtimeRoot);
        File.SetUnixFileMode(runtimeRoot, PassThrough);
        var (unshare, reason) = MountNamespaces();
        return new FunctionUsers(setpriv, setsid, unshare, CopyRuntimes(runtimeRoot), FreeBlock()) { NoMountNamespace = reason };
    }

    /// <summary>Why environments get no mount namespace of their own (null when they do).</summary>
    public string? NoMountNamespace { get; private init; }

    // unshare, when a mount namespace can be made here (tried once: a container without CAP_SYS_ADMIN, or a seccomp
    // filter, refuses it); else null and why.
    private static (string? Unshare, string? Reason) MountNamespaces()
    {
        if (Runtimes.OnPath("unshare") is not { } unshare)
        {
            return (null, "`unshare` (util-linux) is not on the PATH");
        }
        return FunctionSandbox.Trial(unshare, ["--mount", "/bin/true"], "a trial `unshare --mount`") is { } failure ? (null, failure) : (unshare, null);
    }

    /// <summary>
    /// Copies our bootstraps and the .NET host into <c>runtime</c> under the runtime root, readable by all (once per
    /// root), where every environment can reach them; returns the copy's Runtimes folder.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal static string CopyRuntimes(string runtimeRoot)
    {
        var copy = Path.Combine(runtimeRoot, "runtime");
        Directory.CreateDirectory(copy);
        File.SetUnixFileMode(copy, Readable);
        if (Directory.Exists(Runtimes.Folder))
        {
            CopyFolder(Runtimes.Folder, Path.Combine(copy, "Runtimes"));
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Runtimes.Folder)!, Runtimes.DotnetHostName + ".*"))
            {
                CopyFile(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }
        return Path.Combine(copy, "Runtimes");
    }

    // A random block in which no process runs now (another server's, or what a killed server left running) and
    // that no live server has locked (one with no environment running yet has no process in its block).
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static (uint FirstUid, FileStream? Lock) FreeBlock()
    {
        var used = new HashSet<uint>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(folder, "status")))
                {
                    if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    {
                        var real = line.AsSpan(4).Trim();
                        var end = real.IndexOfAny(' ', '\t');
                        if (uint.TryParse(end < 0 ? real : real[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid >= FirstUid)
                        {
                            used.Add((uid - FirstUid) / BlockIds);
                        }
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended meanwhile.
            }
        }
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var block = (uint)Random.Shared.Next((int)Blocks);
            if (!used.Contains(block) && LockBlock(block) is var (free, held) && free)
            {
                return (FirstUid + block * BlockIds, held);
            }
        }
        throw new InvalidOperationException("No free block of user ids for the functions' users.");
    }

    /// <summary>
    /// Locks a block of ids for this process (an exclusive <c>flock</c> on a file of <see cref="LockFolder"/>, held
    /// until the lock is disposed or the process ends): free is false when another holds it, or when the file is
    /// there and cannot be opened. Where the folder or the file cannot be made (no <c>/run</c>, a read-only or full
    /// file system) or the system has no locks, free is true and no lock is held: the check of running processes is
    /// all there is. The lock is taken with <c>flock</c> itself, not through .NET's file sharing, which
    /// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> turns off.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal static (bool Free, FileStream? Lock) LockBlock(uint block)
    {
        try
        {
            Directory.CreateDirectory(LockFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (true, null);
        }
        var path = Path.Combine(LockFolder, $"uid-block-{block.ToString(CultureInfo.InvariantCulture)}.lock");
        FileStream file;
        try
        {
            // .NET takes a shared lock of its own here (unless told not to); the exclusive one is taken below.
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Locked by another (or not ours to open) when the file is there; otherwise it could not be made, and the
            // folder is unusable.
            return (!File.Exists(path), null);
        }
        int result;
        try
        {
            result = Flock(file.SafeFileHandle, LockExclusive | LockNonBlocking);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without flock: a system without locks, as documented above.
            file.Dispose();
            return (true, null);
        }
        if (result == 0)
        {
            return (true, file);
        }
        var error = Marshal.GetLastPInvokeError();
        file.Dispose();
        return error == WouldBlock ? (false, null) : (true, null);
    }

    /// <summary>Whether the server has a controlling terminal (then environments start a session of their own).</summary>
    internal static bool HasControllingTerminal()
    {
        var fd = Open("/dev/tty", OpenReadWrite | OpenNoControllingTerminal | OpenCloseOnExec);
        if (fd < 0)
        {
            return false;
        }
        _ = CloseDescriptor(fd);
        return true;
    }

    /// <summary>
    /// Ends every process of an environment's user, then empties its temporary folder as that user: root never walks
    /// a folder whose entries the function could swap for links while root deletes them.
    /// </summary>
    private void Clean(string tmp, uint uid)
    {
        if (!Directory.Exists(tmp))
        {
            return;
        }
        // In the environment's own view of the files when it had one: a process of the user that outlived the kill
        // could otherwise see the machine's view through /proc/PID/root of this one (other functions' code). If
        // the view cannot be made, the cleanup still runs: its kill and its emptying matter more.
        var environment = Path.GetDirectoryName(tmp)!;
        var table = FunctionSandbox.MountTable(environment);
        string[] view = _unshare is not null && File.Exists(table)
            ? [_unshare, "--mount", "/bin/sh", "-c", CleanupView, "sh", table, Path.Combine(environment, ".sandbox"),
                FunctionSandbox.ReplacedFolder(Path.GetDirectoryName(Path.GetDirectoryName(RuntimeFolder)!)!)]
            : [];
        var command = (string[])[.. view, .. Switch(uid), "/bin/sh", "-c", "kill -KILL -1 2>/dev/null; find \"$1\" -mindepth 1 -delete 2>/dev/null; exit 0", "sh", tmp];
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                // The whole tree: a find left running as the user while root deletes the folder is what this avoids.
                process.Kill(entireProcessTree: true);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // setpriv is gone: the folder stays behind (it is removed with the runtime root when that is safe).
        }
    }

    // Run as root in a mount namespace of the cleanup's own (arguments: the environment's mount table, its staging
    // area, the folder that replaces, then the cleanup's command).
    private const string CleanupView = FunctionSandbox.MountView + "; shift 3; exec \"$@\"";

    private const UnixFileMode PassThrough = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode Readable = PassThrough | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    // Modes are set, not left to the umask: a umask of 077 would close the copies to the environments' users.
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, Readable);
        foreach (var file in Directory.GetFiles(from))
        {
            CopyFile(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var folder in Directory.GetDirectories(from))
        {
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    // Copied once per runtime root: a second engine on the same root (a restart in tests) must not truncate files
    // that running environments have open.
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void CopyFile(string from, string to)
    {
        if (File.Exists(to))
        {
            return;
        }
        File.Copy(from, to);
        File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>
    /// Readies an environment's folders for its user: the top of the code folder readable (its contents keep the zip's modes under the umask), the
    /// environment's folder passable, and its temporary folder given to the user alone.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static void Prepare(string codeFolder, string environmentFolder, string tmp, uint uid)
    {
        File.SetUnixFileMode(Path.GetDirectoryName(codeFolder)!, PassThrough);
        File.SetUnixFileMode(codeFolder, Readable);
        File.SetUnixFileMode(Path.GetDirectoryName(environmentFolder)!, PassThrough);
        File.SetUnixFileMode(environmentFolder, PassThrough);
        if (Chown(tmp, uid, uid) != 0)
        {
            throw new IOException($"chown {tmp} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Makes <paramref name="file"/> the environment user's, readable by it alone.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static void GiveTo(string file, uint uid)
    {
        if (Chown(file, uid, uid) != 0)
        {
            throw new IOException($"chown {file} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        File.SetUnixFileMode(file, UnixFileMode.UserRead);
    }

    /// <summary>The arguments that start a command as the environment's user: no supplementary groups, no new privileges.</summary>
    public IEnumerable<string> SwitchTo(uint uid) => [.. _prefix, .. Switch(uid)];

    /// <summary>
    /// The <c>unshare</c> program the launcher starts under, so that each environment has a mount namespace of its
    /// own (its own <c>/tmp</c>; of the runtime root, only its folder, its code and our bootstraps); null when there
    /// is none on the PATH or a trial at start failed (then <c>/tmp</c> is the machine's; see <see cref="NoMountNamespace"/>).
    /// </summary>
    public string? Unshare => _unshare;

    private string[] Switch(uint uid)
    {
        var id = uid.ToString(CultureInfo.InvariantCulture);
        return [Setpriv, "--reuid=" + id, "--regid=" + id, "--clear-groups", "--no-new-privs", "--"];
    }

    /// <summary>
    /// True when a user that is neither the owner nor in the group can run <paramref name="path"/>: the file readable
    /// and executable by others, and every folder above it searchable by others.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static bool OpenToOthers(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            const UnixFileMode Run = UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            if ((File.GetUnixFileMode(full) & Run) != Run)
            {
                return false;
            }
            for (var folder = Path.GetDirectoryName(full); folder is not null; folder = Path.GetDirectoryName(folder))
            {
                if ((File.GetUnixFileMode(folder) & UnixFileMode.OtherExecute) == 0)
                {
                    return false;
                }
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEffectiveUid();

    private const int OpenReadWrite = 2;
    private const int OpenNoControllingTerminal = 0x100;
    private const int OpenCloseOnExec = 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11;

    // libc takes an int descriptor; the handle is marshalled as its native-sized value, whose low 32 bits are the
    // descriptor. On the 64-bit ABIs .NET runs on here (x86-64, arm64) an int argument is read from the low half of
    // its register, so this is the same call, and the handle cannot be closed while the call runs.
    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Flock(Microsoft.Win32.SafeHandles.SafeFileHandle file, int operation);

    [DllImport("libc", EntryPoint = "close")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int CloseDescriptor(int fd);

    [DllImport("libc", EntryPoint = "getpwuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern IntPtr GetPasswordEntry(uint uid);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
}
