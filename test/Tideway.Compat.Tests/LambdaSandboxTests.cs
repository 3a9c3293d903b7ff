using System.Net;
using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// A server not run as root starts each execution environment in user, mount and PID namespaces of its own (real
/// processes: the server runs as <c>nobody</c> when the tests run as root): a function cannot read the server's data
/// directory, see the server's process, or read another environment's temporary folder, and its code is read-only.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LambdaSandboxTests : IAsyncLifetime
{
    private const uint Nobody = 65534;
    private string _folder = null!;
    private long _uid;
    private ServerProcess _server = null!;
    private LambdaHttp _lambda = null!;

    // Tries to read the file named by the event and to write into its own code, writes a secret into its own
    // temporary folder, and answers with what it found.
    private static readonly string Bootstrap = LambdaHttp.ShellBootstrap("""
          target="$(tr -d '"' < "$TMPDIR/event")"
          if cat "$target" > /dev/null 2>&1; then read=yes; else read=no; fi
          if (: > bootstrap) 2>/dev/null; then wrote=yes; else wrote=no; fi
          echo secret > "$TMPDIR/secret"
          echo secret > "/tmp/secret-$AWS_LAMBDA_FUNCTION_NAME"
          printf '{"uid":%s,"read":"%s","wroteCode":"%s","tmp":"%s","processes":%s,"codes":%s,"tmpMb":%s}' "$(id -u)" "$read" "$wrote" "$TMPDIR" "$(ls /proc | grep -c '^[0-9]')" "$(ls "$LAMBDA_TASK_ROOT/.." | wc -l)" "$(df -m /tmp | awk 'NR == 2 { print $2 }')" > "$TMPDIR/out"
        """);

    public async ValueTask InitializeAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), "tideway-sandbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        if (Environment.UserName == "root")
        {
            // The server runs as nobody: the namespaces are what a server without root gets.
            (await ExternalClient.RunAsync("chown", [$"{Nobody}:{Nobody}", _folder])).ExitCode.ShouldBe(0);
            _server = await ServerProcess.StartAsUserAsync(Path.Combine(_folder, "data"), Nobody, _folder);
            _uid = Nobody;
        }
        else
        {
            _server = await ServerProcess.StartAsync(Path.Combine(_folder, "data"));
            _uid = long.Parse((await ExternalClient.RunAsync("id", ["-u"])).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        _lambda = new LambdaHttp(_server.Endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        _lambda?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task RequireNamespaces()
    {
        // The banner's lines follow the "listening" line the start waited for.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_server.Output.Contains("  functions: ", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        if (!_server.Output.Contains("functions: each execution environment runs in namespaces of its own", StringComparison.Ordinal))
        {
            // Only a machine that forbids unprivileged user namespaces (to the server's user) may run without them.
            string[] unshare = ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "/bin/true"];
            var probe = Environment.UserName == "root"
                ? await ExternalClient.RunAsync("setpriv", [$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--", .. unshare])
                : await ExternalClient.RunAsync(unshare[0], unshare[1..]);
            probe.ExitCode.ShouldNotBe(0, "the machine allows user namespaces, yet the server did not use them:\n" + _server.Output);
            Assert.Skip("This machine does not allow unprivileged user namespaces: " + probe);
        }
    }

    private async Task<JsonElement> ReadAsync(string function, string path)
    {
        var (response, result, log) = await _lambda.InvokeAsync(function, JsonSerializer.Serialize(path));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, log + _server.Output);
        response.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse(log);
        return result;
    }

    [Fact]
    public async Task an_environment_reads_neither_the_server_nor_another_environment_and_cannot_change_its_code()
    {
        await RequireNamespaces();
        // Two packages (a comment apart), so two code folders.
        var first = await _lambda.CreateBootstrapFunctionAsync("first", Bootstrap + "# first\n");
        var second = await _lambda.CreateBootstrapFunctionAsync("second", Bootstrap + "# second\n");

        // Its own bootstrap (the positive control for the reads below) and its own temporary folder.
        var own = await ReadAsync(first, "bootstrap");
        own.GetProperty("read").GetString().ShouldBe("yes");
        own.GetProperty("uid").GetInt64().ShouldBe(_uid, "the server's own user id");
        var secret = Path.Combine(own.GetProperty("tmp").GetString()!, "secret");
        (await ReadAsync(first, secret)).GetProperty("read").GetString().ShouldBe("yes");

        // The server's database (the server's user could read it), the server's process, the other environment.
        (await ReadAsync(first, Path.Combine(_folder, "data", "tideway.db"))).GetProperty("read").GetString().ShouldBe("no");
        (await ReadAsync(first, $"/proc/{_server.Id}/environ")).GetProperty("read").GetString().ShouldBe("no");
        (await ReadAsync(second, secret)).GetProperty("read").GetString().ShouldBe("no");
        // /tmp is each environment's own, sized by EphemeralStorage (512 MB by default), as on AWS.
        own.GetProperty("tmpMb").GetInt32().ShouldBe(512);
        (await ReadAsync(first, "/tmp/secret-" + first)).GetProperty("read").GetString().ShouldBe("yes");
        (await ReadAsync(second, "/tmp/secret-" + first)).GetProperty("read").GetString().ShouldBe("no");
        File.Exists("/tmp/secret-" + first).ShouldBeFalse("the machine's /tmp is not the function's");
        // Its shell, the bootstrap and the commands of that moment: none of the machine's other processes.
        own.GetProperty("processes").GetInt32().ShouldBeLessThan(10);
        own.GetProperty("wroteCode").GetString().ShouldBe("no", "the code is read-only, as on AWS");
        (await ReadAsync(second, "bootstrap")).GetProperty("codes").GetInt32().ShouldBe(1, "its own code folder, not the other function's");
    }

    [Fact]
    public async Task the_stages_outside_the_namespaces_do_not_get_the_functions_variables()
    {
        await RequireNamespaces();
        // LD_DEBUG=files makes every program the loader starts name itself ("needed by PROGRAM") in the function's
        // log: LD_PRELOAD would run a library of the function's in each, outside the namespaces.
        var name = await _lambda.CreateAsync("loader", new Dictionary<string, object>
        {
            ["Runtime"] = "provided.al2023",
            ["Role"] = "arn:aws:iam::000000000000:role/lambda",
            ["Handler"] = "x",
            ["Code"] = new Dictionary<string, object> { ["ZipFile"] = LambdaHttp.BootstrapPackage(Bootstrap) },
            ["Environment"] = new Dictionary<string, object> { ["Variables"] = new Dictionary<string, string> { ["LD_DEBUG"] = "files" } },
        });
        await ReadAsync(name, "bootstrap");

        var log = await _lambda.LogAsync(name, "needed by curl");
        log.ShouldContain("needed by curl");
        log.ShouldNotContain("needed by unshare");
        log.ShouldNotContain("needed by mount");
    }

    [Fact]
    public async Task what_an_environment_left_running_ends_with_it()
    {
        await RequireNamespaces();
        // A sleep the test can find from outside (the function's own PIDs are its namespace's).
        var token = "4" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var name = await _lambda.CreateBootstrapFunctionAsync("leaver", LambdaHttp.ShellBootstrap($$"""
              (sleep {{token}} > /dev/null 2>&1 < /dev/null &)
              echo '{}' > "$TMPDIR/out"
            """));
        var (response, _, log) = await _lambda.InvokeAsync(name, "{}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        // The function answers once it has started the sleep, which may not have reached its exec yet.
        var started = DateTime.UtcNow.AddSeconds(10);
        int? pid;
        while ((pid = SleepWith(token)) is null && DateTime.UtcNow < started)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        pid.ShouldNotBeNull("the function's background process runs");

        using (var deleted = await _lambda.SendAsync(HttpMethod.Delete, $"/2015-03-31/functions/{name}", null))
        {
            deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // Ended with the environment: a real-time wait with a deadline (the kill is asynchronous).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (LambdaDurabilityTests.Alive(pid.Value))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"process {pid} outlived its environment");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task a_runtime_that_kills_itself_ends_as_on_aws()
    {
        await RequireNamespaces();
        // The first process of a PID namespace ignores the signals it sends itself: the runtime must not be it.
        var name = await _lambda.CreateBootstrapFunctionAsync("suicide", "#!/bin/sh\nkill -KILL $$\n");

        var (response, result, log) = await _lambda.InvokeAsync(name, "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        result.GetProperty("errorType").GetString().ShouldBe("Runtime.ExitError", log);
        result.GetProperty("errorMessage").GetString()!.ShouldContain("Runtime exited with error: signal: killed", customMessage: log);
    }

    [Fact]
    public async Task a_function_cannot_open_the_terminal_the_server_was_started_from()
    {
        await RequireNamespaces();
        if (Environment.UserName != "root")
        {
            Assert.Skip("The test starts a second server as another user under a terminal, which needs root.");
        }
        var data = Path.Combine(_folder, "terminal");
        await using var server = await ServerProcess.StartAsUserAsync(data, Nobody, _folder, terminal: true);
        using var lambda = new LambdaHttp(server.Endpoint);
        var name = await lambda.CreateBootstrapFunctionAsync("terminal", LambdaUserTests.TerminalProbe);

        var (response, result, log) = await lambda.InvokeAsync(name, "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        result.TryGetProperty("tty", out var tty).ShouldBeTrue($"{result}\n{log}\n{server.Output}");
        tty.GetString().ShouldBe("no");
    }

    // The process running `sleep TOKEN`, found through /proc from outside the function's namespaces.
    private static int? SleepWith(string token)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "cmdline")) == $"sleep\0{token}\0")
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // Ended meanwhile.
            }
        }
        return null;
    }
}
