using System.Diagnostics;

namespace Tideway.Functions;

/// <summary>How an execution environment of a runtime is started.</summary>
/// <param name="Name">The runtime identifier, e.g. <c>python3.12</c>.</param>
/// <param name="Interpreter">The interpreter run from the machine (null for <c>provided</c>: the package's own <c>bootstrap</c>).</param>
/// <param name="Bootstrap">Our bootstrap for the interpreter, relative to the Runtimes folder.</param>
internal sealed record RuntimeSpec(string Name, string? Interpreter, string? Bootstrap);

/// <summary>
/// The runtimes Tideway runs: <c>provided*</c> (the package's <c>bootstrap</c>), Node.js and Python (the machine's
/// <c>node</c> and <c>python3</c> with a small bootstrap of ours). Other AWS runtimes are recognised and refused with
/// a clear message. Interpreters are located once, by their real path (pyenv shims would cost a shell per start).
/// </summary>
internal static class Runtimes
{
    /// <summary>Every runtime identifier AWS accepts (the API's enum), so that a known but unsupported one gets its own message.</summary>
    public static readonly string[] AwsRuntimes =
    [
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
        "java8", "java8.al2", "java11", "java17", "java21", "java25",
        "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10",
        "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4",
        "provided", "provided.al2", "provided.al2023",
    ];

    private static readonly Dictionary<string, RuntimeSpec> Supported = new(StringComparer.Ordinal)
    {
        ["provided"] = new("provided", null, null),
        ["provided.al2"] = new("provided.al2", null, null),
        ["provided.al2023"] = new("provided.al2023", null, null),
        ["nodejs18.x"] = new("nodejs18.x", "node", "nodejs/bootstrap.mjs"),
        ["nodejs20.x"] = new("nodejs20.x", "node", "nodejs/bootstrap.mjs"),
        ["nodejs22.x"] = new("nodejs22.x", "node", "nodejs/bootstrap.mjs"),
        ["python3.9"] = new("python3.9", "python3", "python/bootstrap.py"),
        ["python3.10"] = new("python3.10", "python3", "python/bootstrap.py"),
        ["python3.11"] = new("python3.11", "python3", "python/bootstrap.py"),
        ["python3.12"] = new("python3.12", "python3", "python/bootstrap.py"),
        ["python3.13"] = new("python3.13", "python3", "python/bootstrap.py"),
        ["dotnet8"] = new("dotnet8", "dotnet", DotnetHost),
        ["dotnet10"] = new("dotnet10", "dotnet", DotnetHost),
    };

    /// <summary>The .NET runtime client: a program of ours built beside this assembly (not in the Runtimes folder).</summary>
    public const string DotnetHostName = "Tideway.Functions.DotnetHost";

    private const string DotnetHost = "../" + DotnetHostName + ".dll";

    private static readonly Lazy<string?> Node = new(() => Locate("node", "-e", "process.stdout.write(process.execPath)"));
    private static readonly Lazy<string?> Python = new(() => Locate("python3", "-c", "import sys; sys.stdout.write(sys.executable)"));

    /// <summary>The folder holding our bootstraps (beside this assembly).</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Runtimes");

    /// <summary>The spec of a runtime this build runs, or null.</summary>
    public static RuntimeSpec? Find(string runtime) => Supported.GetValueOrDefault(runtime);

    /// <summary>
    /// The real path of a runtime's interpreter, or null when the machine lacks it. <paramref name="forOthers"/>: one
    /// that a user other than the server's may run (environments with users of their own), else null.
    /// </summary>
    public static string? InterpreterPath(RuntimeSpec spec, bool forOthers = false) => spec.Interpreter switch
    {
        null => null,
        "node" => forOthers ? NodeForOthers.Value : Node.Value,
        "dotnet" => forOthers ? DotnetForOthers.Value : Dotnet.Value,
        _ => forOthers ? PythonForOthers.Value : Python.Value,
    };

    // The interpreter found, when others may run it; else the first of that name on the PATH that they may (a pyenv
    // Python under /root is passed over for the system's).
    private static string? ForOthers(string? found, string command)
    {
        if (!OperatingSystem.IsLinux())
        {
            return found;
        }
        if (found is not null && FunctionUsers.OpenToOthers(found))
        {
            return found;
        }
        foreach (var candidate in AllOnPath(command))
        {
            try
            {
                if ((File.ResolveLinkTarget(candidate, returnFinalTarget: true)?.FullName ?? candidate) is var real && FunctionUsers.OpenToOthers(real))
                {
                    return real;
                }
            }
            catch (IOException)
            {
                // An unreadable link: the next folder.
            }
        }
        return null;
    }

    // The dotnet host running this server when there is one (its runtimes are those the functions get), else the PATH's.
    private static readonly Lazy<string?> Dotnet = new(() =>
        Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self : OnPath("dotnet"));

    private static readonly Lazy<string?> NodeForOthers = new(() => ForOthers(Node.Value, "node"));
    private static readonly Lazy<string?> PythonForOthers = new(() => ForOthers(Python.Value, "python3"));
    private static readonly Lazy<string?> DotnetForOthers = new(() => ForOthers(Dotnet.Value, "dotnet"));

    /// <summary>The first <paramref name="command"/> on the server's PATH, or null.</summary>
    public static string? OnPath(string command) => AllOnPath(command).FirstOrDefault();

    private static IEnumerable<string> AllOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, command)).Where(File.Exists);

    /// <summary>Why a runtime cannot be used on this machine, or null when it can (<paramref name="forOthers"/> as for <see cref="InterpreterPath"/>).</summary>
    public static string? Unavailable(string runtime, bool forOthers = false)
    {
        if (Find(runtime) is not { } spec)
        {
            return $"The runtime parameter of {runtime} is not supported by Tideway. Supported runtimes: {string.Join(", ", Supported.Keys)}.";
        }
        if (spec.Interpreter is null || InterpreterPath(spec, forOthers) is not null)
        {
            return null;
        }
        return forOthers && InterpreterPath(spec) is not null
            ? $"The runtime {runtime} needs `{spec.Interpreter}`, and the one on the PATH of the Tideway server cannot be run by the functions' own users (a folder above it is closed to other users)."
            : $"The runtime {runtime} needs `{spec.Interpreter}` on the PATH of the Tideway server, and this machine has none.";
    }

    private static string? Locate(string command, string flag, string script)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, [flag, script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }
            var path = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && File.Exists(path) ? path : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
