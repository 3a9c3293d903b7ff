using System.Diagnostics;

namespace Tideway.Functions;

/// <summary>
/// Execution environments of a server not run as root, in namespaces of their own (ADR 0007): the server cannot give
/// them users of their own, so each runtime starts through <c>unshare</c> in a new user, mount and PID namespace. In
/// its mount namespace the data directory (and the server user's runtime folder under <c>/run/user</c>) is covered by
/// an empty, unreadable folder; <c>/tmp</c> is a tmpfs of its own, sized by EphemeralStorage, in which of the runtime
/// root only the environment's own folder and its function's code (read-only) are; its terminals are a devpts of its
/// own; its PID namespace has its own <c>/proc</c>, in which no process of the server or of another environment
/// shows. The runtime then runs under a second user namespace as the server's user id, without capabilities, so it
/// cannot unmount what covers the rest.
/// </summary>
/// <remarks>
/// Everything else the server's user may read, the function may read too (its home folder, for one): the namespaces
/// hide the server's data, not the machine. Needs unprivileged user namespaces (most Linux distributions allow them)
/// and util-linux's <c>unshare</c> 2.36 or later; without them functions run as the server's user, not isolated, and
/// the server says so at start.
/// </remarks>
internal sealed class FunctionSandbox
{
    /// <summary>
    /// Run as root of the first user namespace and as PID 1 of the new PID namespace. Arguments: the environment's
    /// mount table (<see cref="Arguments"/>), the staging tmpfs it mounts, the folder that tmpfs then replaces, the
    /// code folder, the user and group ids, <c>--</c>, the runtime's command. One <c>mount -a</c> does every mount of
    /// the table (each <c>mount</c> process costs about 2 ms); a mount cannot be moved from a table. The runtime runs
    /// in a foreground subshell, not as PID 1 (PID 1 of a namespace ignores the signals it sends itself, and a
    /// background job would start with SIGINT and SIGQUIT ignored); the shell exits with its status, a signal as 128 +
    /// its number, which <c>unshare</c> passes on.
    /// </summary>
    internal const string Script = MountView + """
         && cd "$4" || exit 125
        u=$5; g=$6; shift 7
        (exec unshare --user --map-user="$u" --map-group="$g" -- "$@"); exit $?
        """;

    /// <summary>
    /// The shell command every view starts with (arguments: the mount table, its staging area, the folder the staging
    /// area replaces): one <c>mount -a</c> for the table, then the move, as root of a new mount namespace.
    /// </summary>
    internal const string MountView = "mount -n -a -T \"$1\" && mount -n --move \"$2\" \"$3\"";

    private readonly string[] _start;
    private readonly string _runtimeRoot;
    private readonly string _replaced;
    private readonly string[] _hidden;
    private readonly string _uid;
    private readonly string _gid;

    private FunctionSandbox(string[] start, string runtimeRoot, string[] hidden, uint uid, uint gid, string runtimeFolder)
    {
        _start = start;
        RuntimeFolder = runtimeFolder;
        _runtimeRoot = runtimeRoot;
        _replaced = ReplacedFolder(runtimeRoot);
        _hidden = hidden;
        _uid = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _gid = gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The copy of our Runtimes folder that environments use.</summary>
    public string RuntimeFolder { get; }

    /// <summary>
    /// The sandbox, when environments can start in one here (tried once with <c>/bin/true</c>); otherwise null and
    /// the reason.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static (FunctionSandbox? Sandbox, string Reason) Detect(string runtimeRoot, IEnumerable<string> hidden)
    {
        var root = Path.GetFullPath(runtimeRoot);
        var uid = GetUid();
        // The server user's runtime folder holds sockets that act for that user outside any namespace (its systemd
        // manager, its D-Bus session).
        var folders = hidden.Append($"/run/user/{uid}").Select(Path.GetFullPath).Where(Directory.Exists).Distinct().ToArray();
        foreach (var folder in folders)
        {
            if (Inside(root, folder))
            {
                return (null, $"the runtime root {root} is inside {folder}, which functions must not see");
            }
        }
        if (GetEffectiveUid() == 0)
        {
            // Root inside the namespaces would still own every root-owned file of the machine.
            return (null, "the server runs as root but `setpriv` (util-linux) is not on its PATH");
        }
        if (Runtimes.OnPath("unshare") is not { } unshare)
        {
            return (null, "`unshare` (util-linux) is not on the PATH");
        }
        // With a controlling terminal, each environment starts a session of its own: a function of the same user could
        // otherwise open that terminal as /dev/tty.
        string? setsid = null;
        if (FunctionUsers.HasControllingTerminal() && (setsid = Runtimes.OnPath("setsid")) is null)
        {
            return (null, "the server has a terminal and `setsid` is not on the PATH");
        }
        var sandbox = new FunctionSandbox(setsid is null ? [unshare] : [setsid, unshare], root, folders, uid, GetGid(), FunctionUsers.CopyRuntimes(root));
        var probe = Path.Combine(root, "probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(probe, "env"));
            Directory.CreateDirectory(Path.Combine(probe, "code"));
            return Trial("/bin/sh", ["-c", "exec \"$@\"", "sh", .. sandbox.Arguments(Path.Combine(probe, "env"), Path.Combine(probe, "code"), 1), "/bin/true"], "a trial start in namespaces") is { } failure
                ? (null, failure) : (sandbox, string.Empty);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, "a trial start in namespaces failed: " + e.Message);
        }
        finally
        {
            try
            {
                Directory.Delete(probe, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the runtime root's removal at shutdown.
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="program"/> once, as a trial of what environments will need: null when it exits 0 within
    /// 10 s, else why not (<paramref name="what"/> failed: its standard error).
    /// </summary>
    internal static string? Trial(string program, IEnumerable<string> arguments, string what)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return $"{what} did not end within 10 s";
            }
            if (process.ExitCode == 0)
            {
                return null;
            }
            var message = error.Wait(TimeSpan.FromSeconds(1)) ? error.Result.Trim() : string.Empty;
            return $"{what} failed (exit status {process.ExitCode}{(message.Length > 0 ? ": " + message.ReplaceLineEndings(" ") : string.Empty)})";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{what} failed: {e.Message}";
        }
    }

    /// <summary>
    /// The command (from <c>[setsid] unshare</c> on) that starts what follows it in the sandbox of the environment whose folder
    /// is <paramref name="environmentFolder"/>, running <paramref name="codeFolder"/>'s code, with a <c>/tmp</c> of
    /// <paramref name="tmpMb"/> MB. Writes the environment's mount table beside its folder (<see cref="MountTable"/>).
    /// </summary>
    public IEnumerable<string> Arguments(string environmentFolder, string codeFolder, int tmpMb)
    {
        var environment = Path.GetFullPath(environmentFolder);
        var code = Path.GetFullPath(codeFolder);
        CheckInside(environment);
        CheckInside(code);
        var (table, staging) = WriteMountTable(_replaced, environment, code, Path.GetDirectoryName(RuntimeFolder)!, tmpMb, _hidden, ownTerminals: true);
        return
        [
            .. _start, "--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
            "/bin/sh", "-c", Script, "sh", table, staging, _replaced, code, _uid, _gid, "--",
        ];
    }

    /// <summary>
    /// The folder an environment's staging tmpfs replaces: <c>/tmp</c> when the runtime root is in it; elsewhere the
    /// folder the runtime root is in, the server's temporary folder, where .NET keeps the sockets that dump and trace
    /// the server (and <c>/tmp</c> gets a tmpfs of its own too).
    /// </summary>
    public static string ReplacedFolder(string runtimeRoot)
    {
        var root = Path.GetFullPath(runtimeRoot);
        return Inside(root, "/tmp") ? "/tmp" : Path.GetDirectoryName(root) is { } parent && parent != "/" ? parent : root;
    }

    /// <summary>
    /// Writes an environment's mount table beside its folder (<see cref="MountTable"/>) and returns it with its staging
    /// area. In order: a tmpfs in the environment's folder (the staging area, sized by EphemeralStorage) with binds of
    /// that folder, of the code (read-only) and of our bootstraps' copy (read-only) at their paths below the replaced
    /// folder; an empty read-only tmpfs of mode 000 over each folder to hide; <c>/tmp</c> when it is not the
    /// replaced folder; with <paramref name="ownTerminals"/>, a devpts of its own (the server user's terminals are in
    /// the machine's). Whoever mounts it then moves the staging area over the replaced folder.
    /// </summary>
    internal static (string Table, string Staging) WriteMountTable(string replaced, string environment, string code, string runtimeCopy, int tmpMb, IEnumerable<string> hidden, bool ownTerminals)
    {
        var staging = Path.Combine(environment, ".sandbox");
        var size = $"size={tmpMb.ToString(System.Globalization.CultureInfo.InvariantCulture)}m,mode=1777";
        string Staged(string path) => Path.Combine(staging, Path.GetRelativePath(replaced, path));
        List<string> table =
        [
            Entry("tideway", staging, "tmpfs", size + ",X-mount.mkdir"),
            Entry(environment, Staged(environment), "none", "bind,X-mount.mkdir"),
            Entry(code, Staged(code), "none", "bind,ro,X-mount.mkdir"),
            Entry(runtimeCopy, Staged(runtimeCopy), "none", "bind,ro,X-mount.mkdir"),
            .. hidden.Select(folder => Entry("tideway", folder, "tmpfs", "ro,mode=0,size=4k")),
            .. replaced == "/tmp" ? Array.Empty<string>() : [Entry("tideway", "/tmp", "tmpfs", size)],
            // Named other than the machine's devpts: mount -a skips what looks mounted already.
            .. ownTerminals ? [Entry("tideway", "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=620"), Entry("/dev/pts/ptmx", "/dev/ptmx", "none", "bind")] : Array.Empty<string>(),
        ];
        var path = MountTable(environment);
        File.WriteAllText(path, string.Join('\n', table) + "\n");
        return (path, staging);
    }

    /// <summary>Where the mount table of the environment whose folder is <paramref name="environmentFolder"/> is written (beside the folder: no function sees it).</summary>
    public static string MountTable(string environmentFolder) => Path.GetFullPath(environmentFolder) + ".mounts";

    // A line of fstab(5): spaces, tabs, newlines and backslashes in paths written as octal escapes.
    private static string Entry(string source, string target, string type, string options) => $"{Escape(source)} {Escape(target)} {type} {options} 0 0";

    private static string Escape(string path) => path.Replace("\\", "\\134", StringComparison.Ordinal).Replace(" ", "\\040", StringComparison.Ordinal)
        .Replace("\t", "\\011", StringComparison.Ordinal).Replace("\n", "\\012", StringComparison.Ordinal);

    private void CheckInside(string folder)
    {
        if (folder == _runtimeRoot || !Inside(folder, _runtimeRoot))
        {
            throw new InvalidOperationException($"{folder} is not inside the runtime root {_runtimeRoot}.");
        }
    }

    private static bool Inside(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative == "." || !(relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getuid")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern uint GetUid();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEffectiveUid();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getgid")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern uint GetGid();
}
