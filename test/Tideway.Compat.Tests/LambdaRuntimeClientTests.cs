using System.Net;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// The Node.js and Python runtimes of Tideway speak HTTP/1.1 to the Runtime API on a socket of their own: large
/// events and responses (read and written in many pieces) and many invocations on one kept-alive connection.
/// </summary>
public sealed class LambdaRuntimeClientTests : IAsyncLifetime
{
    private InProcessLambdaServer _host = null!;

    private const string Python = """
        def handler(event, context):
            return {"echo": event, "id": context.aws_request_id, "arn": context.invoked_function_arn, "left": context.get_remaining_time_in_millis() > 0}

        """;

    private const string Node = """
        export const handler = async (event, context) => ({ echo: event, id: context.awsRequestId, arn: context.invokedFunctionArn, left: context.getRemainingTimeInMillis() > 0 });

        """;

    public async ValueTask InitializeAsync() => _host = await InProcessLambdaServer.StartAsync("runtime-client");

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private Task<string> CreateAsync(string runtime, string file, string code) => _host.Lambda.CreateAsync("client", new Dictionary<string, object>
    {
        ["Runtime"] = runtime,
        ["Role"] = "arn:aws:iam::000000000000:role/lambda",
        ["Handler"] = "handler.handler",
        ["Code"] = new Dictionary<string, object> { ["ZipFile"] = LambdaHttp.Package(file, code) },
    });

    private const string PythonError = """
        class 上传错误(Exception):
            pass

        def handler(event, context):
            raise 上传错误("broken")

        """;

    private const string NodeError = """
        export const handler = async () => { const error = new Error('broken'); error.name = '上传错误'; throw error; };

        """;

    [Theory]
    [InlineData("python3.12", "handler.py", PythonError)]
    [InlineData("nodejs20.x", "handler.mjs", NodeError)]
    public async Task an_error_named_in_any_script_is_reported_whole_though_its_header_is_ascii(string runtime, string file, string code)
    {
        var name = await CreateAsync(runtime, file, code);

        var (response, result, log) = await _host.Lambda.InvokeAsync(name, "{}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
        response.Headers.GetValues("X-Amz-Function-Error").Single().ShouldBe("Unhandled");
        result.GetProperty("errorType").GetString().ShouldBe("上传错误");
        result.GetProperty("errorMessage").GetString().ShouldBe("broken");
    }

    [Theory]
    [InlineData("python3.12", "handler.py", Python)]
    [InlineData("nodejs20.x", "handler.mjs", Node)]
    public async Task large_events_and_responses_and_many_invocations_go_over_the_runtimes_connection(string runtime, string file, string code)
    {
        var name = await CreateAsync(runtime, file, code);
        // About 4 MB each way, under the 6 MB limits: the request and the response cross the socket in many reads.
        var big = new string('x', 4_000_000);
        var payloads = new[] { "{\"n\":1}", $"\"{big}\"", "{\"n\":3,\"text\":\"é 日本 🌊\"}", "null" };
        var ids = new HashSet<string>();
        foreach (var payload in payloads)
        {
            var (response, result, log) = await _host.Lambda.InvokeAsync(name, payload);

            response.StatusCode.ShouldBe(HttpStatusCode.OK, log);
            response.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse(log);
            System.Text.Json.JsonElement.DeepEquals(result.GetProperty("echo"), System.Text.Json.JsonDocument.Parse(payload).RootElement).ShouldBeTrue();
            result.GetProperty("arn").GetString()!.ShouldEndWith(":function:" + name);
            result.GetProperty("left").GetBoolean().ShouldBeTrue();
            ids.Add(result.GetProperty("id").GetString()!).ShouldBeTrue();
        }
        // One warm environment served them all.
        _host.Server.Functions.Environments().ShouldBe(1);
    }
}
