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
    /// <summary>The first user id given to environments (far above the ids of accounts and of subordinate id ranges).</summary>
    public const uint FirstUid = 1_900_000_000;

    /// <summary>How many distinct ids are cycled through.</summary>
    public const uint Ids = 100_000_000;

    private FunctionUsers(string setpriv, string runtimeFolder)
    {
        Setpriv = setpriv;
        RuntimeFolder = runtimeFolder;
    }

    /// <summary>The <c>setpriv</c> program that switches the user.</summary>
    public string Setpriv { get; }

    /// <summary>The copy of our Runtimes folder that every environment user can read.</summary>
    public string RuntimeFolder { get; }

    /// <summary>The user (and group) id of an environment.</summary>
    public static uint UidOf(long environmentId) => FirstUid + (uint)(environmentId % Ids);

    /// <summary>Separate users when the server runs as root on Linux and <c>setpriv</c> is there; null otherwise.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static FunctionUsers? Detect(string runtimeRoot)
    {
        if (GetEffectiveUid() != 0 || Runtimes.OnPath("setpriv") is not { } setpriv)
        {
            return null;
        }
        // Others may pass through the root (code and environment folders are below it) but not list it.
        Directory.CreateDirectory(runtimeRoot);
        File.SetUnixFileMode(runtimeRoot, PassThrough);
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
        return new FunctionUsers(setpriv, Path.Combine(copy, "Runtimes"));
    }

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

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void CopyFile(string from, string to)
    {
        File.Copy(from, to, overwrite: true);
        File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>
    /// Readies an environment's folders for its user: the code folder readable (as a umask left it or not), the
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

    /// <summary>The arguments that run a command as the environment's user: no supplementary groups, no new privileges.</summary>
    public IEnumerable<string> SwitchTo(uint uid)
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

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
}
