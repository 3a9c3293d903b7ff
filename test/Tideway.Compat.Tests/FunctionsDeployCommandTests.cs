using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary><c>tideway functions deploy</c>: a folder becomes a function, and deploying again updates its code and configuration.</summary>
public sealed class FunctionsDeployCommandTests(ServerFixture server)
{
    private static async Task<(int Code, string Output)> DeployAsync(string directory, string name, params string[] more)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "tideway.dll"), "functions", "deploy", directory, "--name", name, "--runtime", "provided.al2023", "--handler", "x" }.Concat(more))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Bounded: a deploy that never ends fails the test instead of hanging the run.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tideway functions deploy {name} did not end within 2 minutes");
        }
        return (process.ExitCode, (await output) + (await error));
    }

    private static void WriteBootstrap(string directory, string answer)
    {
        var path = Path.Combine(directory, "bootstrap");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
            while true; do
              id="$(curl -sS -D - -o /dev/null "$api/next" | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p')"
              curl -sS -o /dev/null -X POST --data-binary '{"answer":"{{answer}}"}' "$api/$id/response"
            done

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    private async Task<string> InvokeAsync(string name)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.Endpoint) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/2015-03-31/functions/{name}/invocations") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261203/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        return Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task deploy_creates_then_updates_a_function_from_a_folder_keeping_the_bootstrap_executable()
    {
        var directory = Directory.CreateTempSubdirectory("tideway-deploy-").FullName;
        try
        {
            var name = ServerFixture.Unique("deployed");
            WriteBootstrap(directory, "first");

            var created = await DeployAsync(directory, name, "--endpoint-url", server.Endpoint);
            var first = await InvokeAsync(name);
            WriteBootstrap(directory, "second");
            var updated = await DeployAsync(directory, name, "--endpoint-url", server.Endpoint, "--timeout", "7");
            var second = await InvokeAsync(name);

            created.Code.ShouldBe(0, created.Output);
            created.Output.ShouldContain($"created {name}");
            created.Output.ShouldContain($"arn:aws:lambda:us-east-1:000000000000:function:{name}");
            first.ShouldBe("{\"answer\":\"first\"}");
            updated.Code.ShouldBe(0, updated.Output);
            updated.Output.ShouldContain($"updated {name}");
            second.ShouldBe("{\"answer\":\"second\"}");
            server.Server.Functions.GetFunctionConfiguration(new Primitives.RequestScope("000000000000", "us-east-1"), name, null).Timeout.ShouldBe(7);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task deploying_a_missing_folder_fails_with_a_message()
    {
        var (code, output) = await DeployAsync("/nonexistent/tideway-folder", "nope", "--endpoint-url", server.Endpoint);

        code.ShouldBe(2);
        output.ShouldContain("does not exist");
    }
}
