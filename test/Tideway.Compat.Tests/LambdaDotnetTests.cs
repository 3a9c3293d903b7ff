using System.IO.Compression;
using System.Net;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// The dotnet10 runtime: the HelloFunction fixture (test/Fixtures) zipped from its build output and run by
/// Tideway's .NET runtime client as a real process; requests over the Lambda REST API as the SDKs send them.
/// </summary>
public sealed class LambdaDotnetTests(ServerFixture server) : IDisposable
{
    private readonly LambdaHttp _lambda = new(server.Endpoint);

    public void Dispose() => _lambda.Dispose();

    private static byte[] Package()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(Path.Combine(AppContext.BaseDirectory, "HelloFunction.dll"), "HelloFunction.dll");
        }
        return buffer.ToArray();
    }

    private async Task<string> CreateAsync(string handler)
    {
        return await _lambda.CreateAsync("dotnet", new Dictionary<string, object>
        {
            ["Runtime"] = "dotnet10",
            ["Role"] = "arn:aws:iam::000000000000:role/lambda",
            ["Handler"] = "HelloFunction::HelloFunction.Handlers::" + handler,
            ["Timeout"] = 30,
            ["Code"] = new Dictionary<string, object> { ["ZipFile"] = Convert.ToBase64String(Package()) },
        });
    }

    [Fact]
    public async Task an_instance_handler_gets_its_input_and_context_and_stays_warm()
    {
        var name = await CreateAsync("Greet");

        var (first, payload, log) = await _lambda.InvokeAsync(name, "{\"Name\":\"ada\",\"Quantity\":3}");
        var (_, second, _) = await _lambda.InvokeAsync(name, "{\"Name\":\"bob\",\"Quantity\":1}");

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        first.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse();
        payload.GetProperty("Message").GetString().ShouldBe("hello ada x3");
        payload.GetProperty("Function").GetString().ShouldBe(name);
        payload.GetProperty("Memory").GetInt32().ShouldBe(128);
        payload.GetProperty("HasTimeLeft").GetBoolean().ShouldBeTrue();
        payload.GetProperty("RequestId").GetString().ShouldNotBeNullOrEmpty();
        log.ShouldContain("greeting ada");
        log.ShouldContain("Init Duration:");
        second.GetProperty("Calls").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task an_async_static_handler_returns_its_value()
    {
        var name = await CreateAsync("CountAsync");

        var (response, payload, _) = await _lambda.InvokeAsync(name, "{\"Name\":\"ada\",\"Quantity\":21}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        payload.GetInt32().ShouldBe(42);
    }

    [Fact]
    public async Task an_exception_is_an_unhandled_function_error_with_its_type_and_message()
    {
        var name = await CreateAsync("Fail");

        var (response, payload, log) = await _lambda.InvokeAsync(name, "{\"Name\":\"ada\",\"Quantity\":1}");

        response.Headers.GetValues("X-Amz-Function-Error").Single().ShouldBe("Unhandled");
        payload.GetProperty("errorType").GetString().ShouldBe("InvalidOperationException");
        payload.GetProperty("errorMessage").GetString().ShouldBe("cannot handle ada");
        payload.GetProperty("stackTrace")[0].GetString()!.ShouldContain("HelloFunction.Handlers.Fail");
        log.ShouldContain("InvalidOperationException: cannot handle ada");
        using var metrics = await _lambda.SendAsync(HttpMethod.Get, "/metrics", null);
        var text = await metrics.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        text.ShouldContain($"tideway_lambda_total{{metric=\"Invocations\",account=\"000000000000\",region=\"us-east-1\",function=\"{name}\"}} 1");
        text.ShouldContain($"tideway_lambda_total{{metric=\"Errors\",account=\"000000000000\",region=\"us-east-1\",function=\"{name}\"}} 1");
    }

    [Fact]
    public async Task a_handler_that_does_not_exist_is_an_init_error()
    {
        var name = await CreateAsync("Missing");

        var (response, payload, log) = await _lambda.InvokeAsync(name, "{}");

        response.Headers.GetValues("X-Amz-Function-Error").Single().ShouldBe("Unhandled");
        payload.GetProperty("errorType").GetString().ShouldBe("Runtime.HandlerNotFound");
        payload.GetProperty("errorMessage").GetString().ShouldBe("Unable to find method 'Missing' in type 'HelloFunction.Handlers'.");
        log.ShouldContain("INIT_REPORT");
    }
}
