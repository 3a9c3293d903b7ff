using Shouldly;

namespace Tideway.Functions.Tests;

/// <summary>
/// The block of user ids a root server takes (ADR 0007): held with a lock on a file of its own, so that a second
/// server never takes a block whose server has no environment running yet (real flock locks).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FunctionUsersTests
{
    private static void SkipUnlessRoot()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("Only a root server takes blocks of user ids (and may write in /run).");
        }
    }

    /// <summary>A block no server of this machine holds now, locked by this test.</summary>
    private static (uint Block, FileStream? Lock) FreeBlock()
    {
        for (var tries = 0; tries < 10; tries++)
        {
            var block = (uint)Random.Shared.Next((int)FunctionUsers.Blocks);
            var (free, held) = FunctionUsers.LockBlock(block);
            if (free)
            {
                return (block, held);
            }
        }
        throw new InvalidOperationException("Ten random blocks were all held.");
    }

    [Fact]
    public void a_block_another_holds_is_not_free_until_it_lets_go()
    {
        SkipUnlessRoot();
        var (block, held) = FreeBlock();
        held.ShouldNotBeNull("the lock is held in /run/tideway");
        using (held)
        {
            // A second open file, as another server's would be.
            FunctionUsers.LockBlock(block).Free.ShouldBeFalse();
        }

        var (again, second) = FunctionUsers.LockBlock(block);
        using (second)
        {
            again.ShouldBeTrue("the first holder let go");
        }
    }

    [Fact]
    public async Task a_block_another_process_holds_with_flock_is_not_free()
    {
        SkipUnlessRoot();
        if (!File.Exists("/usr/bin/flock"))
        {
            Assert.Skip("util-linux flock is not installed.");
        }
        var (block, probe) = FreeBlock();
        probe?.Dispose();

        // util-linux flock holds the lock until its stdin closes; "held" on its stdout says it has it.
        var path = Path.Combine(FunctionUsers.LockFolder, $"uid-block-{block}.lock");
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/flock", ["--exclusive", "--nonblock", path, "sh", "-c", "echo held; read line"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var holder = System.Diagnostics.Process.Start(start)!;
        (await holder.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken)).ShouldBe("held");
        var (whileHeld, stray) = FunctionUsers.LockBlock(block);
        using (stray)
        {
            whileHeld.ShouldBeFalse();
        }

        holder.StandardInput.Close();
        await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
        var (free, held) = FunctionUsers.LockBlock(block);
        using (held)
        {
            free.ShouldBeTrue("the other process let go");
        }
    }

    [Fact]
    public async Task the_lock_tests_pass_with_dotnet_file_locking_turned_off()
    {
        SkipUnlessRoot();
        // .NET's own file locks (which DOTNET_SYSTEM_IO_DISABLEFILELOCKING turns off) must not be what holds a block:
        // the two tests above run again in a process of their own with them off.
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [
            typeof(FunctionUsersTests).Assembly.Location, "-noColor",
            "-method", $"{typeof(FunctionUsersTests).FullName}.{nameof(a_block_another_holds_is_not_free_until_it_lets_go)}",
            "-method", $"{typeof(FunctionUsersTests).FullName}.{nameof(a_block_another_process_holds_with_flock_is_not_free)}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = "1";
        using var run = System.Diagnostics.Process.Start(start)!;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        string output;
        try
        {
            var errors = run.StandardError.ReadToEndAsync(limit.Token);
            output = await run.StandardOutput.ReadToEndAsync(limit.Token) + await errors;
            await run.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            run.Kill(entireProcessTree: true);
            throw new TimeoutException("The child test process did not end within 2 minutes.");
        }
        run.ExitCode.ShouldBe(0, output);
        // Skipped only where the flock test skips here too (no util-linux flock).
        output.ShouldContain(File.Exists("/usr/bin/flock") ? "Total: 2, Errors: 0, Failed: 0, Skipped: 0" : "Total: 2, Errors: 0, Failed: 0, Skipped: 1");
    }
}
