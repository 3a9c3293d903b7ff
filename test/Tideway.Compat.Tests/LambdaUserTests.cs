using System.Net;
using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// A server run as root runs each execution environment as a user of its own (real processes, real users): a
/// function cannot read the server's data directory, the server's process, or another environment's
/// temporary folder, and it has no supplementary groups.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LambdaUserTests : IAsyncLifetime
{
    private InProcessLambdaServer _host = null!;

    // Tries to read the file named by the event, writes a secret into its own temporary folder, and answers with
    // its ids, whether the read worked, and where that folder is.
    private static readonly string Bootstrap = LambdaHttp.ShellBootstrap("""
          target="$(tr -d '"' < "$TMPDIR/event")"
          if cat "$target" > /dev/null 2>&1; then read=yes; else read=no; fi
          echo secret > "$TMPDIR/secret"
          echo secret > "/tmp/secret-$AWS_LAMBDA_FUNCTION_NAME"
          printf '{"uid":%s,"gid":%s,"groups":"%s","read":"%s","tmp":"%s","home":"%s","tmpMb":%s,"quoted":"%s","codes":%s}' "$(id -u)" "$(id -g)" "$(id -G)" "$read" "$TMPDIR" "$HOME" "$(df -m /tmp | awk 'NR == 2 { print $2 }')" "$QUOTED" "$(ls "$LAMBDA_TASK_ROOT/.." | wc -l)" > "$TMPDIR/out"
        """);

    public async ValueTask InitializeAsync() => _host = await InProcessLambdaServer.StartAsync("users");

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private Task<string> CreateAsync(string name) => _host.CreateBootstrapFunctionAsync(name, Bootstrap);

    private async Task<JsonElement> ReadAsync(string function, string path)
    {
        var (response, result, log) = await _host.Lambda.InvokeAsync(function, JsonSerializer.Serialize(path));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        response.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse(log);
        return result;
    }

    [Fact]
    public async Task an_environment_runs_as_its_own_user_and_reads_neither_the_server_nor_another_environment()
    {
        // The data directory is owner-only whoever runs the server.
        (File.GetUnixFileMode(_host.DataDirectory) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)).ShouldBe(UnixFileMode.None);
        if (Environment.UserName != "root")
        {
            Assert.Skip("Only a server run as root can switch users; others run functions as their own user (docs/compat/lambda.md).");
        }
        var first = await CreateAsync("first");
        // Another package (a comment apart), so another code folder.
        var second = await _host.CreateBootstrapFunctionAsync("second", Bootstrap + "# second\n");

        // A file the function may read: its own bootstrap (positive control for the reads below).
        var own = await ReadAsync(first, "bootstrap");
        own.GetProperty("read").GetString().ShouldBe("yes");
        var uid = own.GetProperty("uid").GetInt64();
        uid.ShouldBeGreaterThanOrEqualTo(1_900_000_000);
        own.GetProperty("gid").GetInt64().ShouldBe(uid);
        own.GetProperty("groups").GetString().ShouldBe(uid.ToString(System.Globalization.CultureInfo.InvariantCulture), "no supplementary groups");
        // The user has no account: its HOME is its temporary folder.
        own.GetProperty("home").GetString().ShouldBe(own.GetProperty("tmp").GetString());
        var secret = Path.Combine(own.GetProperty("tmp").GetString()!, "secret");
        (await ReadAsync(first, secret)).GetProperty("read").GetString().ShouldBe("yes");

        // The server's database, the server process's environment, and the other environment's temporary folder.
        (await ReadAsync(first, Path.Combine(_host.DataDirectory, "tideway.db"))).GetProperty("read").GetString().ShouldBe("no");
        (await ReadAsync(first, $"/proc/{Environment.ProcessId}/environ")).GetProperty("read").GetString().ShouldBe("no");
        var other = await ReadAsync(second, secret);
        other.GetProperty("read").GetString().ShouldBe("no");
        other.GetProperty("uid").GetInt64().ShouldNotBe(uid);

        // /tmp is each environment's own, sized by EphemeralStorage (512 MB by default), as on AWS.
        own.GetProperty("tmpMb").GetInt32().ShouldBe(512);
        (await ReadAsync(first, "/tmp/secret-" + first)).GetProperty("read").GetString().ShouldBe("yes");
        (await ReadAsync(second, "/tmp/secret-" + first)).GetProperty("read").GetString().ShouldBe("no");
        File.Exists("/tmp/secret-" + first).ShouldBeFalse("the machine's /tmp is not the function's");
        (await ReadAsync(second, "bootstrap")).GetProperty("codes").GetInt32().ShouldBe(1, "its own code folder, not the other function's");
    }

    [Fact]
    public async Task a_home_the_function_sets_is_kept()
    {
        // HOME is not reserved on AWS (HOME=/tmp is a common setting there); the server's default must not override it.
        var name = await _host.Lambda.CreateAsync("home", new Dictionary<string, object>
        {
            ["Runtime"] = "provided.al2023",
            ["Role"] = "arn:aws:iam::000000000000:role/lambda",
            ["Handler"] = "x",
            ["Code"] = new Dictionary<string, object> { ["ZipFile"] = LambdaHttp.BootstrapPackage(Bootstrap) },
            ["Environment"] = new Dictionary<string, object> { ["Variables"] = new Dictionary<string, string> { ["HOME"] = "/tmp/chosen" } },
            ["EphemeralStorage"] = new Dictionary<string, object> { ["Size"] = 1024 },
        });
        var result = await ReadAsync(name, "bootstrap");
        result.GetProperty("home").GetString().ShouldBe("/tmp/chosen");
        if (Environment.UserName == "root")
        {
            result.GetProperty("tmpMb").GetInt32().ShouldBe(1024, "its own /tmp, sized by EphemeralStorage");
        }
    }

    [Fact]
    public async Task what_tmp_holds_is_not_memory_yet_memory_is_still_limited()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("The memory cgroups, and the tmpfs /tmp in them, need a root server.");
        }
        // 200 MB in /tmp of a 128 MB function: AWS keeps /tmp (EphemeralStorage) apart from memory.
        var writer = await _host.CreateBootstrapFunctionAsync("tmpwriter", LambdaHttp.ShellBootstrap("""
              head -c 200000000 /dev/zero > /tmp/big && printf '{"size":%s}' "$(stat -c %s /tmp/big)" > "$TMPDIR/out"
            """));
        var (response, result, log) = await _host.Lambda.InvokeAsync(writer, "{}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        response.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse(log);
        result.GetProperty("size").GetInt64().ShouldBe(200_000_000);

        // 300 MB of its own memory still ends it as AWS does.
        var eater = await _host.CreateBootstrapFunctionAsync("eater", LambdaHttp.ShellBootstrap("""
              python3 -c 'import time; b = b"x" * (300 << 20); time.sleep(2)'
              echo '{}' > "$TMPDIR/out"
            """));
        (response, result, log) = await _host.Lambda.InvokeAsync(eater, "{}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        result.TryGetProperty("errorType", out var errorType).ShouldBeTrue($"{result}\n{log}");
        errorType.GetString().ShouldBe("Runtime.OutOfMemory", log);
    }

    [Fact]
    public async Task the_stages_that_run_as_root_do_not_get_the_functions_variables()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("Only a server run as root has stages that run as root.");
        }
        // LD_DEBUG=files makes every program the loader starts name itself ("needed by PROGRAM") on stderr, which
        // the launcher sends to the function's log: LD_PRELOAD would run a library of the function's in each.
        var name = await _host.Lambda.CreateAsync("loader", new Dictionary<string, object>
        {
            ["Runtime"] = "provided.al2023",
            ["Role"] = "arn:aws:iam::000000000000:role/lambda",
            ["Handler"] = "x",
            ["Code"] = new Dictionary<string, object> { ["ZipFile"] = LambdaHttp.BootstrapPackage(Bootstrap) },
            ["Environment"] = new Dictionary<string, object> { ["Variables"] = new Dictionary<string, string> { ["LD_DEBUG"] = "files", ["QUOTED"] = "it's $HOME `id` ;|&" } },
        });
        // The runtime's environment, from the file its user reads, arrives as set (quotes, $ and backquotes included).
        (await ReadAsync(name, "bootstrap")).GetProperty("quoted").GetString().ShouldBe("it's $HOME `id` ;|&");

        // The runtime's own programs got it (curl), the root stages did not (mount, setsid, setpriv).
        var log = await _host.Lambda.LogAsync(name, "needed by curl");
        log.ShouldContain("needed by curl");
        log.ShouldNotContain("needed by setpriv");
        log.ShouldNotContain("needed by mount");
    }

    [Fact]
    public async Task what_an_environment_left_running_ends_with_it()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("Only a server run as root can switch users; others run functions as their own user (docs/compat/lambda.md).");
        }
        var name = await _host.CreateBootstrapFunctionAsync("leaver", LambdaDurabilityTests.Leaver);
        var (response, result, log) = await _host.Lambda.InvokeAsync(name, "{}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        var pid = result.GetProperty("pid").GetInt32();
        LambdaDurabilityTests.Alive(pid).ShouldBeTrue("the function's background process runs");

        using (var deleted = await _host.Lambda.SendAsync(HttpMethod.Delete, $"/2015-03-31/functions/{name}", null))
        {
            deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // Ended with the environment: a real-time wait with a deadline (the kill is asynchronous).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (LambdaDurabilityTests.Alive(pid))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"process {pid} outlived its environment");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task a_function_cannot_open_the_terminal_the_server_was_started_from()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("Only a server run as root can switch users; others run functions as their own user (docs/compat/lambda.md).");
        }
        // The harness: under script(1) a process has a controlling terminal.
        var control = await ExternalClient.RunAsync("script", ["-qefc", "sh -c ': < /dev/tty && echo has-tty'", "/dev/null"]);
        control.Stdout.ShouldContain("has-tty", customMessage: control.ToString());
        var data = Path.Combine(Path.GetTempPath(), "tideway-terminal-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await ServerProcess.StartInTerminalAsync(data);
            using var lambda = new LambdaHttp(server.Endpoint);
            var name = await lambda.CreateBootstrapFunctionAsync("terminal", TerminalProbe);

            var (response, result, log) = await lambda.InvokeAsync(name, "{}");

            response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
            result.TryGetProperty("tty", out var tty).ShouldBeTrue($"{result}\n{log}\n{server.Output}");
            tty.GetString().ShouldBe("no");
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // The server's terminal as /dev/tty, or by its path under /dev/pts (the function may know or guess it).
    internal static readonly string TerminalProbe = LambdaHttp.ShellBootstrap("""
          tty=no
          for t in /dev/tty /dev/pts/[0-9]*; do if sh -c ": < $t" 2>/dev/null; then tty="yes: $t"; fi; done
          printf '{"tty":"%s"}' "$tty" > "$TMPDIR/out"
        """);
}
