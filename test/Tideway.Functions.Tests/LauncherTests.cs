using System.Diagnostics;
using System.Text;
using Shouldly;

namespace Tideway.Functions.Tests;

/// <summary>
/// The shell that starts every runtime (real <c>/bin/sh</c> processes): it puts the runtime's output on the
/// environment's FIFO, and it never waits for a reader of that FIFO (a server killed while starting an
/// environment left the shell blocked for ever on a write-only open, holding the server's stdout).
/// </summary>
public sealed class LauncherTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tideway-launcher-" + Guid.NewGuid().ToString("N"));
    private readonly string _fifo;

    public LauncherTests()
    {
        Directory.CreateDirectory(_folder);
        _fifo = Path.Combine(_folder, "output");
        using var mkfifo = Process.Start("mkfifo", [_fifo]);
        mkfifo.WaitForExit();
        mkfifo.ExitCode.ShouldBe(0);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs the launcher with <c>/bin/sh -c "echo out; echo err >&amp;2"</c> as the runtime; the exit code, or null if it is still running after 30 s.</summary>
    private static async Task<int?> LaunchAsync(string fifo)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-c", ExecutionEnvironment.Launcher, "sh", fifo, string.Empty, "/bin/sh", "-c", "echo out; echo err >&2"])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return null;
        }
        (await stdout).ShouldBeEmpty("the runtime's output must go to the FIFO, not to the server's stdout");
        return process.ExitCode;
    }

    [Fact]
    public async Task the_runtimes_stdout_and_stderr_go_to_the_fifo()
    {
        // Opened read-write as the environment opens it: the open does not wait for a writer.
        using var reader = new FileStream(_fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);

        (await LaunchAsync(_fifo)).ShouldBe(0);

        var buffer = new byte[64];
        var read = 0;
        while (read < "out\nerr\n".Length)
        {
            read += await reader.ReadAsync(buffer.AsMemory(read), TestContext.Current.CancellationToken);
        }
        Encoding.ASCII.GetString(buffer, 0, read).ShouldBe("out\nerr\n");
    }

    [Fact]
    public async Task with_no_reader_of_the_fifo_the_runtime_still_starts_and_ends()
    {
        // The server that made the FIFO is gone (killed between starting the shell and the shell's open).
        (await LaunchAsync(_fifo)).ShouldBe(0, "the launcher waited for a reader of the FIFO");
    }
}

/// <summary>Whether a user that is neither owner nor group may run a file (how interpreters are chosen for environments with users of their own).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OpenToOthersTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tideway-open-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Theory]
    [InlineData(Open, Open, true)]
    [InlineData(Owner, Open, false)]
    [InlineData(Open, Owner, false)]
    [InlineData(Open, Open & ~UnixFileMode.OtherRead, false)]
    public void a_file_is_open_to_others_when_it_and_every_folder_above_it_are(UnixFileMode folder, UnixFileMode file, bool open)
    {
        var inner = Path.Combine(_folder, "bin");
        Directory.CreateDirectory(inner);
        var program = Path.Combine(inner, "python3");
        File.WriteAllText(program, "#!/bin/sh\n");
        File.SetUnixFileMode(program, file);
        File.SetUnixFileMode(_folder, folder);

        FunctionUsers.OpenToOthers(program).ShouldBe(open);
        FunctionUsers.OpenToOthers(Path.Combine(inner, "missing")).ShouldBeFalse();
    }
}
