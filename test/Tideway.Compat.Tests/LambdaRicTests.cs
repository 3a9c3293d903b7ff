using System.IO.Compression;
using System.Net;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// The Runtime API against the real aws-lambda-ric (npm 3.3.0, built by eng/install-lambda-ric.sh): a
/// provided.al2023 function whose bootstrap starts the ric's own entry point, so every Runtime API call comes
/// from AWS's client (aws-lambda-cpp over curl).
/// </summary>
public sealed class LambdaRicTests(ServerFixture server) : IDisposable
{
    // The ric travels in the package, as users deploy it (and an environment's user may not reach the repository).
    private const string Bootstrap = "#!/bin/sh\ncd \"$LAMBDA_TASK_ROOT\" || exit 1\nexec node \"$LAMBDA_TASK_ROOT/node_modules/aws-lambda-ric/bin/index.mjs\" \"$_HANDLER\"\n";

    private const string Handlers = """
        console.log("init: index.mjs loaded");
        export const handler = async (event, context) => {
          console.log("hello from ric", JSON.stringify(event));
          return { echo: event, requestId: context.awsRequestId, functionName: context.functionName, memory: context.memoryLimitInMB,
                   logStream: context.logStreamName, remainingMs: context.getRemainingTimeInMillis(), traceId: process.env._X_AMZN_TRACE_ID ?? null };
        };
        export const boom = async () => { throw new Error("boom"); };

        """;

    private readonly LambdaHttp _lambda = new(server.Endpoint);

    public void Dispose() => _lambda.Dispose();

    private static string RicDirectory => Path.Combine(ExternalClient.RepositoryRoot(), "test", "Tideway.Compat.Tests", "ric");

    private static readonly Lazy<string> ZipFile = new(() => Convert.ToBase64String(Package()));

    private static byte[] Package()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            foreach (var (name, content, mode) in new[] { ("bootstrap", Bootstrap, 0b111_101_101), ("index.mjs", Handlers, 0b110_100_100) })
            {
                var entry = archive.CreateEntry(name);
                entry.ExternalAttributes = mode << 16;
                using var writer = new StreamWriter(entry.Open());
                writer.Write(content);
            }
            var ric = Path.Combine(RicDirectory, "node_modules", "aws-lambda-ric");
            foreach (var file in Directory.GetFiles(ric, "*", SearchOption.AllDirectories))
            {
                var entry = archive.CreateEntryFromFile(file, "node_modules/aws-lambda-ric/" + Path.GetRelativePath(ric, file).Replace('\\', '/'), CompressionLevel.Fastest);
                entry.ExternalAttributes = 0b110_100_100 << 16;
            }
        }
        return buffer.ToArray();
    }

    private async Task<string> CreateAsync(string handler)
    {
        Directory.Exists(Path.Combine(RicDirectory, "node_modules", "aws-lambda-ric")).ShouldBeTrue("aws-lambda-ric is missing: eng/install-test-deps.sh installs it");
        return await _lambda.CreateAsync("ric", new Dictionary<string, object>
        {
            ["Runtime"] = "provided.al2023",
            ["Role"] = "arn:aws:iam::000000000000:role/lambda",
            ["Handler"] = handler,
            ["Timeout"] = 30,
            ["MemorySize"] = 256,
            ["Code"] = new Dictionary<string, object> { ["ZipFile"] = ZipFile.Value },
        });
    }

    [Fact]
    public async Task the_real_runtime_client_gets_its_invocations_and_posts_results()
    {
        var name = await CreateAsync("index.handler");

        var (cold, payload, coldLog) = await _lambda.InvokeAsync(name, "{\"k\":\"v\"}");
        var (warm, _, warmLog) = await _lambda.InvokeAsync(name, "{\"k\":\"w\"}");

        cold.StatusCode.ShouldBe(HttpStatusCode.OK);
        cold.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse();
        payload.GetProperty("echo").GetProperty("k").GetString().ShouldBe("v");
        payload.GetProperty("functionName").GetString().ShouldBe(name);
        payload.GetProperty("memory").GetString().ShouldBe("256");
        payload.GetProperty("requestId").GetString().ShouldNotBeNullOrEmpty();
        payload.GetProperty("logStream").GetString()!.ShouldContain("/[$LATEST]");
        payload.GetProperty("remainingMs").GetInt32().ShouldBeInRange(1, 30_000);
        payload.GetProperty("traceId").GetString()!.ShouldMatch(@"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$");
        coldLog.ShouldContain("init: index.mjs loaded");
        coldLog.ShouldContain("Init Duration:");
        var lines = warmLog.Split('\n');
        Array.FindIndex(lines, l => l.Contains("hello from ric {\"k\":\"w\"}", StringComparison.Ordinal))
            .ShouldBeGreaterThan(Array.FindIndex(lines, l => l.StartsWith("START RequestId:", StringComparison.Ordinal)));
        warm.Headers.Contains("X-Amz-Function-Error").ShouldBeFalse();
        warmLog.ShouldNotContain("Init Duration:");
    }

    [Fact]
    public async Task errors_the_real_runtime_client_posts_reach_the_caller()
    {
        var failing = await CreateAsync("index.boom");
        var missing = await CreateAsync("missing.handler");

        var (thrown, error, _) = await _lambda.InvokeAsync(failing, "{}");
        var (init, initError, initLog) = await _lambda.InvokeAsync(missing, "{}");

        thrown.Headers.GetValues("X-Amz-Function-Error").Single().ShouldBe("Unhandled");
        error.GetProperty("errorType").GetString().ShouldBe("Error");
        error.GetProperty("errorMessage").GetString().ShouldBe("boom");
        init.Headers.GetValues("X-Amz-Function-Error").Single().ShouldBe("Unhandled");
        initError.GetProperty("errorType").GetString().ShouldBe("Runtime.ImportModuleError");
        initLog.ShouldContain("Status: error\tError Type: Runtime.ImportModuleError");
    }
}
