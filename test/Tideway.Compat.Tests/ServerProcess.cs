using System.Diagnostics;
using System.Text;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>A real <c>tideway serve</c> child process (the CLI built beside the tests), on a free port.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServerProcess(Process process, string endpoint, StringBuilder output)
    {
        _process = process;
        Endpoint = endpoint;
        _output = output;
    }

    public string Endpoint { get; }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Task<ServerProcess> StartAsync(string dataDirectory, params string[] extra) => StartInAsync(Path.GetTempPath(), dataDirectory, extra);

    /// <summary>Starts the server with <paramref name="workingDirectory"/> as its working directory.</summary>
    public static Task<ServerProcess> StartInAsync(string workingDirectory, string dataDirectory, params string[] extra) =>
        LaunchAsync(workingDirectory, ["dotnet", Path.Combine(AppContext.BaseDirectory, "tideway.dll"), "serve", "--port", "0", "--data", dataDirectory, .. extra]);

    /// <summary>Starts the server with a terminal of its own (a pseudo-terminal made by <c>script</c>), as when started from a shell.</summary>
    public static Task<ServerProcess> StartInTerminalAsync(string dataDirectory) =>
        LaunchAsync(Path.GetTempPath(), ["script", "-qefc", $"dotnet {Path.Combine(AppContext.BaseDirectory, "tideway.dll")} serve --port 0 --data {dataDirectory}", "/dev/null"]);

    /// <summary>
    /// Starts the server as the user <paramref name="uid"/> (group the same number, no other groups) with
    /// <paramref name="home"/> as its HOME, with a terminal of its own if asked; the tests must run as root.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static Task<ServerProcess> StartAsUserAsync(string dataDirectory, uint uid, string home, bool terminal = false)
    {
        var id = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var app = AppContext.BaseDirectory;
        if (!OpenToOthers(Path.Combine(app, "tideway.dll")))
        {
            // The build sits where the user cannot go (under /root): it runs from a copy in its home (made once).
            var copy = Path.Combine(home, "app");
            if (!Directory.Exists(copy))
            {
                foreach (var file in Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories))
                {
                    var target = Path.Combine(copy, Path.GetRelativePath(app, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target);
                    File.SetUnixFileMode(target, File.GetUnixFileMode(file) | UnixFileMode.OtherRead);
                }
                foreach (var folder in Directory.EnumerateDirectories(copy, "*", SearchOption.AllDirectories).Append(copy))
                {
                    File.SetUnixFileMode(folder, File.GetUnixFileMode(folder) | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                }
            }
            app = copy;
        }
        string[] serve = ["dotnet", Path.Combine(app, "tideway.dll"), "serve", "--port", "0", "--data", dataDirectory];
        // With a terminal: under a pseudo-terminal made by script(1), as when started from a shell.
        return LaunchAsync(home, ["setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", "--", "env", "HOME=" + home, "TMPDIR=/tmp",
            .. terminal ? ["script", "-qefc", string.Join(' ', serve), "/dev/null"] : serve]);
    }

    // Readable by others, in folders others may pass through.
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static bool OpenToOthers(string file)
    {
        if ((File.GetUnixFileMode(file) & UnixFileMode.OtherRead) == 0)
        {
            return false;
        }
        for (var folder = Path.GetDirectoryName(Path.GetFullPath(file)); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if ((File.GetUnixFileMode(folder) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<ServerProcess> LaunchAsync(string workingDirectory, string[] command)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        void OnLine(string? line)
        {
            if (line is null)
            {
                ready.TrySetException(new InvalidOperationException("tideway serve exited before it was ready:\n" + output));
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
            }
            // Through a terminal the line may start with the terminal's escape sequences.
            const string Marker = "Tideway listening on ";
            if (line.IndexOf(Marker, StringComparison.Ordinal) is var at and >= 0)
            {
                ready.TrySetResult(line[(at + Marker.Length)..].Trim());
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new ServerProcess(process, endpoint, output);
    }

    /// <summary>
    /// SIGKILL: no chance to flush anything. Its environments are left running, as a crash leaves them: the wait is
    /// bounded, because one that inherited the server's output would hold it open (waiting for its end hung the tests).
    /// </summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue("tideway serve did not end after SIGKILL");
    }

    /// <summary>SIGTERM, then waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        _process.Dispose();
    }
}
