using System.Globalization;

namespace Tideway.Functions;

/// <summary>
/// MemorySize enforced per execution environment. With the cgroup v1 memory controller writable (root on Linux),
/// each environment gets a cgroup whose limit is the function's MemorySize: the kernel kills the process when it
/// goes beyond, and the cgroup reports the peak and the kill. Otherwise the environment's resident memory is
/// polled and the process killed past the limit (coarser: a fast allocation can overshoot between two polls).
/// </summary>
internal static class MemoryLimits
{
    private const string V1Root = "/sys/fs/cgroup/memory";
    private static readonly Lazy<string?> Parent = new(CreateParent);

    /// <summary>How limits are enforced on this machine (printed in docs and logs).</summary>
    public static string Mode => Parent.Value is null ? "polled resident memory (no writable cgroup memory controller)" : "cgroup v1 memory controller";

    private static string? CreateParent()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists(Path.Combine(V1Root, "memory.limit_in_bytes")))
            {
                return null;
            }
            RemoveStale();
            var parent = Path.Combine(V1Root, $"tideway-{Environment.ProcessId}");
            Directory.CreateDirectory(parent);
            return parent;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Sets up the server's cgroups now (at start): what a killed server left running ends here, not at the first invoke.</summary>
    public static void Prepare() => _ = Parent.Value;

    // The cgroups of servers that are gone (killed, or whose last environment was still leaving at shutdown), and
    // the processes still in them: environments a killed server left running, which nothing would end otherwise.
    private static void RemoveStale()
    {
        foreach (var folder in Directory.GetDirectories(V1Root, "tideway-*"))
        {
            if (int.TryParse(Path.GetFileName(folder).AsSpan("tideway-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                foreach (var child in Directory.GetDirectories(folder))
                {
                    EndProcesses(child);
                    Remove(child);
                }
                Remove(folder);
            }
        }
    }

    // SIGKILL to each; a process that has not left the cgroup yet keeps the folder until the next start removes it.
    private static void EndProcesses(string cgroup)
    {
        var procs = Path.Combine(cgroup, "cgroup.procs");
        foreach (var line in File.Exists(procs) ? File.ReadAllLines(procs) : [])
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                _ = Signal(pid, 9);
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int Signal(int pid, int signal);

    /// <summary>A cgroup limited to <paramref name="memoryMb"/> for one environment, or null when cgroups are not available.</summary>
    public static string? Create(string name, int memoryMb)
    {
        if (Parent.Value is not { } parent)
        {
            return null;
        }
        try
        {
            var folder = Path.Combine(parent, name);
            Directory.CreateDirectory(folder);
            var bytes = (memoryMb * 1024L * 1024L).ToString(CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(folder, "memory.limit_in_bytes"), bytes);
            // With swap accounting, swap may not stretch the limit either (absent when the kernel does not account swap).
            var swap = Path.Combine(folder, "memory.memsw.limit_in_bytes");
            if (File.Exists(swap))
            {
                File.WriteAllText(swap, bytes);
            }
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// What a cgroup holds now apart from tmpfs pages (<c>shmem</c>: an environment's own <c>/tmp</c>), in MB: the
    /// memory of all its processes.
    /// </summary>
    public static int UsageWithoutTmpMb(string cgroup)
    {
        long shmem = 0;
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(cgroup, "memory.stat")))
            {
                if (line.StartsWith("total_shmem ", StringComparison.Ordinal))
                {
                    shmem = long.Parse(line.AsSpan("total_shmem ".Length), CultureInfo.InvariantCulture);
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The cgroup is gone.
        }
        return (int)(Math.Max(0, Read(Path.Combine(cgroup, "memory.usage_in_bytes")) - shmem) >> 20);
    }

    /// <summary>The peak memory of the cgroup, in MB rounded up.</summary>
    public static int PeakMb(string cgroup) => (int)((Read(Path.Combine(cgroup, "memory.max_usage_in_bytes")) + (1L << 20) - 1) >> 20);

    /// <summary>True when the kernel killed a process of the cgroup for going past its limit.</summary>
    public static bool OutOfMemory(string cgroup)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(cgroup, "memory.oom_control")))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture) > 0;
                }
            }
            return Read(Path.Combine(cgroup, "memory.failcnt")) > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Removes an environment's cgroup (its processes are gone).</summary>
    public static void Remove(string cgroup)
    {
        try
        {
            Directory.Delete(cgroup);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A process is still leaving; the parent goes at shutdown.
        }
    }

    /// <summary>Removes the server's parent cgroup (at shutdown, once every environment has ended).</summary>
    public static void RemoveParent()
    {
        if (Parent.IsValueCreated && Parent.Value is { } parent)
        {
            foreach (var child in Directory.Exists(parent) ? Directory.GetDirectories(parent) : [])
            {
                Remove(child);
            }
            Remove(parent);
        }
    }

    /// <summary>Resident memory of a process in MB rounded up (VmRSS), or its peak (VmHWM); 0 when it is gone.</summary>
    public static int ProcessMb(int pid, bool peak)
    {
        var key = peak ? "VmHWM:" : "VmRSS:";
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return (int)((kb + 1023) / 1024);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The process is gone.
        }
        return 0;
    }

    /// <summary>The first child process of <paramref name="pid"/>, or 0 when it has none (or is gone).</summary>
    public static int FirstChild(int pid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").AsSpan().Trim();
            var end = children.IndexOf(' ');
            return int.TryParse(end < 0 ? children : children[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var child) ? child : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The user namespace <paramref name="pid"/> is in (its <c>/proc</c> link, e.g. <c>user:[4026531837]</c>), or null when it is gone.</summary>
    public static string? UserNamespace(int pid)
    {
        try
        {
            return File.ResolveLinkTarget($"/proc/{pid}/ns/user", returnFinalTarget: false)?.LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Read(string path)
    {
        try
        {
            return long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
