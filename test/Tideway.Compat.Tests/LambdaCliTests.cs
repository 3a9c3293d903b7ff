using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Lambda through the AWS CLI v2 (Debian's 2.9.19, REST-JSON): packages written here as zip files and uploaded with
/// <c>fileb://</c>, a <c>provided.al2023</c> function whose bootstrap is a shell script speaking the Runtime API with
/// curl, the operations with the JSON the CLI prints, and the errors as it prints them (exit code 254). Every client is
/// started with one attempt (<see cref="ExternalClient"/>), so a 429 comes back at once.
/// </summary>
public sealed class LambdaCliTests(ServerFixture server) : IDisposable
{
    private const string Account = "000000000000";
    private const string Role = "arn:aws:iam::" + Account + ":role/lambda";

    /// <summary>rwxr-xr-x and rw-r--r--, as a zip entry's external attributes carry them (the Unix mode in the high 16 bits).</summary>
    private const int Executable = 0b111_101_101 << 16;
    private const int Readable = 0b110_100_100 << 16;

    /// <summary>A custom runtime in shell: one invocation at a time through the Runtime API, with curl.</summary>
    private static readonly string ShellBootstrap = """
        #!/bin/sh
        set -eu
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers="${TMPDIR:-/tmp}/next-headers"
        while true; do
          event=$(curl -sS -D "$headers" "$api/invocation/next")
          id=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*$/\1/p' "$headers")
          echo "bootstrap got $event"
          case "$event" in
            *fail*)
              curl -sS -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \
                -d '{"errorType":"Custom.Failure","errorMessage":"asked to fail"}' "$api/invocation/$id/error" ;;
            *)
              curl -sS -o /dev/null -X POST \
                -d "{\"event\":$event,\"requestId\":\"$id\",\"function\":\"$AWS_LAMBDA_FUNCTION_NAME\",\"region\":\"$AWS_REGION\",\"handler\":\"$_HANDLER\",\"greeting\":\"${GREETING:-}\"}" \
                "$api/invocation/$id/response" ;;
          esac
        done

        """.ReplaceLineEndings("\n");

    private static readonly string PythonHandler = """
        import os

        VERSION = "v1"


        def handler(event, context):
            print("python got", event)
            return {"version": VERSION, "color": os.environ.get("COLOR"), "shape": os.environ.get("SHAPE")}

        """.ReplaceLineEndings("\n");

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("tideway-lambda-cli-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Arn(string name) => $"arn:aws:lambda:us-east-1:{Account}:function:{name}";

    private async Task<JsonElement> Aws(params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(0, run.ToString());
        return run.Stdout.Trim().Length == 0 ? default : JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    /// <summary>Runs a command that must fail as a service error: exit code 254 and the code the CLI prints; returns the message it prints.</summary>
    private async Task<string> AwsError(string code, params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(254, run.ToString());
        var line = run.Stderr.Trim();
        line.ShouldStartWith($"An error occurred ({code}) when calling the ", customMessage: run.ToString());
        // "... when calling the Invoke operation: <message>", or "... operation (reached max retries: 0): <message>"
        var operation = line.IndexOf(" operation", StringComparison.Ordinal);
        operation.ShouldBeGreaterThan(0, run.ToString());
        var rest = line[(operation + " operation".Length)..];
        return rest.StartsWith(" (", StringComparison.Ordinal) ? rest[(rest.IndexOf("): ", StringComparison.Ordinal) + 3)..] : rest[2..];
    }

    private async Task AwsFails(string code, string message, params string[] arguments) =>
        (await AwsError(code, arguments)).ShouldBe(message);

    /// <summary>Writes a zip of (entry, content, external attributes) into the test's folder; returns its path.</summary>
    private string Zip(string file, params (string Entry, string Content, int Attributes)[] entries)
    {
        var path = Path.Combine(_folder.FullName, file);
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (name, content, attributes) in entries)
            {
                var entry = archive.CreateEntry(name);
                entry.ExternalAttributes = attributes;
                using var stream = entry.Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return path;
    }

    private string PythonZip(string file, string version = "v1") =>
        Zip(file, ("app.py", PythonHandler.Replace("VERSION = \"v1\"", $"VERSION = \"{version}\"", StringComparison.Ordinal), Readable));

    private Task<JsonElement> CreatePython(string name, string zip, params string[] extra) =>
        Aws(["lambda", "create-function", "--function-name", name, "--runtime", "python3.12", "--role", Role, "--handler", "app.handler",
            "--zip-file", "fileb://" + zip, .. extra]);

    /// <summary><c>aws lambda invoke</c>: what the CLI prints, and the payload it wrote to the outfile.</summary>
    private async Task<(JsonElement Response, string Payload)> Invoke(string name, string? payload, params string[] extra)
    {
        var outfile = Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N") + ".out");
        string[] body = payload is null ? [] : ["--cli-binary-format", "raw-in-base64-out", "--payload", payload];
        var response = await Aws(["lambda", "invoke", "--function-name", name, .. body, .. extra, outfile]);
        return (response, await File.ReadAllTextAsync(outfile, TestContext.Current.CancellationToken));
    }

    private static string Base64Sha256(string file) => Convert.ToBase64String(SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public async Task a_provided_al2023_function_runs_its_shell_bootstrap_against_the_runtime_api()
    {
        var name = ServerFixture.Unique("cli-sh");
        var zip = Zip("shell.zip", ("bootstrap", ShellBootstrap, Executable));
        var created = await Aws("lambda", "create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", "fileb://" + zip, "--environment", "Variables={GREETING=hello}");
        created.GetProperty("Runtime").GetString().ShouldBe("provided.al2023");
        created.GetProperty("State").GetString().ShouldBe("Pending");
        created.GetProperty("CodeSize").GetInt64().ShouldBe(new FileInfo(zip).Length);
        created.GetProperty("CodeSha256").GetString().ShouldBe(Base64Sha256(zip));

        // RequestResponse with the log tail: the bootstrap's answer, the function's variables, and this invocation's log.
        var (response, payload) = await Invoke(name, "{\"a\":1}", "--log-type", "Tail");
        response.GetProperty("StatusCode").GetInt32().ShouldBe(200);
        response.GetProperty("ExecutedVersion").GetString().ShouldBe("$LATEST");
        response.TryGetProperty("FunctionError", out _).ShouldBeFalse(response.ToString());
        using var result = JsonDocument.Parse(payload);
        var requestId = result.RootElement.GetProperty("requestId").GetString()!;
        requestId.ShouldMatch("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
        JsonElement.DeepEquals(result.RootElement, JsonDocument.Parse($$"""
            {"event":{"a":1},"requestId":"{{requestId}}","function":"{{name}}","region":"us-east-1","handler":"function.handler","greeting":"hello"}
            """).RootElement).ShouldBeTrue(payload);
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.GetProperty("LogResult").GetString()!)).Split('\n');
        tail.ShouldContain($"START RequestId: {requestId} Version: $LATEST");
        tail.ShouldContain("bootstrap got {\"a\":1}");
        tail.ShouldContain($"END RequestId: {requestId}");
        tail.ShouldContain(l => l.StartsWith($"REPORT RequestId: {requestId}\tDuration: ", StringComparison.Ordinal) && l.EndsWith('\t'));
        Array.IndexOf(tail, $"START RequestId: {requestId} Version: $LATEST").ShouldBeLessThan(Array.IndexOf(tail, "bootstrap got {\"a\":1}"));

        // An error the runtime posts to /invocation/{id}/error: 200, FunctionError Unhandled, its document as the payload.
        var (failed, error) = await Invoke(name, "{\"fail\":true}");
        failed.GetProperty("StatusCode").GetInt32().ShouldBe(200);
        failed.GetProperty("FunctionError").GetString().ShouldBe("Unhandled");
        JsonElement.DeepEquals(JsonDocument.Parse(error).RootElement, JsonDocument.Parse("{\"errorType\":\"Custom.Failure\",\"errorMessage\":\"asked to fail\"}").RootElement)
            .ShouldBeTrue(error);

        // Event: 202 and an empty outfile; DryRun: 204.
        var (queued, nothing) = await Invoke(name, "{\"async\":true}", "--invocation-type", "Event");
        queued.GetProperty("StatusCode").GetInt32().ShouldBe(202);
        nothing.ShouldBeEmpty();
        var (dry, none) = await Invoke(name, null, "--invocation-type", "DryRun");
        dry.GetProperty("StatusCode").GetInt32().ShouldBe(204);
        none.ShouldBeEmpty();

        (await Aws("lambda", "delete-function", "--function-name", name)).ValueKind.ShouldBe(JsonValueKind.Undefined);
    }

    [Fact]
    public async Task functions_are_created_listed_read_updated_and_deleted()
    {
        var name = ServerFixture.Unique("cli-fn");
        var zip = PythonZip("v1.zip");
        var created = await CreatePython(name, zip, "--environment", "Variables={COLOR=blue}", "--description", "first");
        created.GetProperty("FunctionArn").GetString().ShouldBe(Arn(name));
        created.GetProperty("Timeout").GetInt32().ShouldBe(3);
        created.GetProperty("MemorySize").GetInt32().ShouldBe(128);
        created.GetProperty("Environment").GetProperty("Variables").GetProperty("COLOR").GetString().ShouldBe("blue");
        await CreatePython(name + "-2", zip);

        // --max-items makes the CLI stop and hand out its own token; --page-size makes the server page with MaxItems and Marker.
        var page = await Aws("lambda", "list-functions", "--max-items", "1", "--page-size", "1");
        page.GetProperty("Functions").GetArrayLength().ShouldBe(1);
        page.GetProperty("NextToken").GetString().ShouldNotBeNullOrEmpty();
        var all = (await Aws("lambda", "list-functions", "--page-size", "2")).GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionName").GetString()).ToList();
        all.ShouldContain(name);
        all.ShouldContain(name + "-2");
        all.Distinct().Count().ShouldBe(all.Count);

        var got = await Aws("lambda", "get-function", "--function-name", name);
        var configuration = got.GetProperty("Configuration");
        configuration.GetProperty("State").GetString().ShouldBe("Active");
        configuration.GetProperty("LastUpdateStatus").GetString().ShouldBe("Successful");
        configuration.GetProperty("Description").GetString().ShouldBe("first");
        got.GetProperty("Code").GetProperty("RepositoryType").GetString().ShouldBe("S3");
        // Code.Location is a link that works without signing, as S3's presigned URL does: it serves the package.
        using (var http = new HttpClient())
        {
            var location = got.GetProperty("Code").GetProperty("Location").GetString()!;
            location.ShouldStartWith(server.Endpoint + "/");
            var package = await http.GetByteArrayAsync(new Uri(location), TestContext.Current.CancellationToken);
            Convert.ToBase64String(SHA256.HashData(package)).ShouldBe(configuration.GetProperty("CodeSha256").GetString());
            package.ShouldBe(await File.ReadAllBytesAsync(zip, TestContext.Current.CancellationToken));
            using var forged = await http.GetAsync(new Uri(location.Replace("Signature=", "Signature=0", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
            ((int)forged.StatusCode).ShouldBe(403);
            (await forged.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("<Code>SignatureDoesNotMatch</Code>");
        }
        got.TryGetProperty("Tags", out _).ShouldBeFalse(got.ToString());
        var byArn = await Aws("lambda", "get-function-configuration", "--function-name", Arn(name));
        JsonElement.DeepEquals(byArn, configuration).ShouldBeTrue(byArn.ToString());

        var v2 = PythonZip("v2.zip", "v2");
        var updated = await Aws("lambda", "update-function-code", "--function-name", name, "--zip-file", "fileb://" + v2);
        updated.GetProperty("CodeSha256").GetString().ShouldBe(Base64Sha256(v2));
        updated.GetProperty("CodeSize").GetInt64().ShouldBe(new FileInfo(v2).Length);
        updated.GetProperty("LastUpdateStatus").GetString().ShouldBe("InProgress");
        updated.GetProperty("RevisionId").GetString().ShouldNotBe(configuration.GetProperty("RevisionId").GetString());
        var reconfigured = await Aws("lambda", "update-function-configuration", "--function-name", name, "--timeout", "7", "--environment", "Variables={SHAPE=round}");
        reconfigured.GetProperty("Timeout").GetInt32().ShouldBe(7);
        reconfigured.GetProperty("Description").GetString().ShouldBe("first");
        reconfigured.GetProperty("Environment").GetProperty("Variables").EnumerateObject().Select(p => p.Name).ShouldBe(["SHAPE"]);

        // The next invocation runs the new code with the new variables (the old COLOR is gone).
        var (_, payload) = await Invoke(name, "{}");
        JsonElement.DeepEquals(JsonDocument.Parse(payload).RootElement, JsonDocument.Parse("{\"version\":\"v2\",\"color\":null,\"shape\":\"round\"}").RootElement).ShouldBeTrue(payload);

        await Aws("lambda", "delete-function", "--function-name", name);
        await Aws("lambda", "delete-function", "--function-name", Arn(name + "-2"));
        await AwsFails("ResourceNotFoundException", $"Function not found: {Arn(name)}", "lambda", "get-function", "--function-name", name);
    }

    [Fact]
    public async Task permissions_tags_reserved_concurrency_and_account_settings_are_managed()
    {
        var name = ServerFixture.Unique("cli-admin");
        await CreatePython(name, PythonZip("admin.zip"), "--tags", "team=a");

        var added = await Aws("lambda", "add-permission", "--function-name", name, "--statement-id", "sns", "--action", "lambda:InvokeFunction",
            "--principal", "sns.amazonaws.com", "--source-arn", $"arn:aws:sns:us-east-1:{Account}:topic");
        var statement = $$"""
            {"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": "{{Arn(name)}}",
             "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:{{Account}}:topic"} } }
            """;
        JsonElement.DeepEquals(JsonDocument.Parse(added.GetProperty("Statement").GetString()!).RootElement, JsonDocument.Parse(statement).RootElement)
            .ShouldBeTrue(added.ToString());
        var policy = await Aws("lambda", "get-policy", "--function-name", name);
        using (var document = JsonDocument.Parse(policy.GetProperty("Policy").GetString()!))
        {
            document.RootElement.GetProperty("Version").GetString().ShouldBe("2012-10-17");
            JsonElement.DeepEquals(document.RootElement.GetProperty("Statement").EnumerateArray().Single(), JsonDocument.Parse(statement).RootElement).ShouldBeTrue(policy.ToString());
        }
        await Aws("lambda", "remove-permission", "--function-name", name, "--statement-id", "sns");

        await Aws("lambda", "tag-resource", "--resource", Arn(name), "--tags", "env=test,team=b");
        await Aws("lambda", "untag-resource", "--resource", Arn(name), "--tag-keys", "team");
        var tags = (await Aws("lambda", "list-tags", "--resource", Arn(name))).GetProperty("Tags");
        tags.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()).ShouldBe(new Dictionary<string, string?> { ["env"] = "test" });

        // Reserved concurrency 0 throttles every synchronous invoke: 429, which the CLI does not retry with one attempt.
        (await Aws("lambda", "put-function-concurrency", "--function-name", name, "--reserved-concurrent-executions", "0"))
            .GetProperty("ReservedConcurrentExecutions").GetInt32().ShouldBe(0);
        (await Aws("lambda", "get-function-concurrency", "--function-name", name)).GetProperty("ReservedConcurrentExecutions").GetInt32().ShouldBe(0);
        await AwsFails("TooManyRequestsException", "Rate Exceeded.", "lambda", "invoke", "--function-name", name, Path.Combine(_folder.FullName, "throttled.out"));
        await Aws("lambda", "delete-function-concurrency", "--function-name", name);
        // With no reservation the API answers {}, which the CLI prints as nothing.
        (await Aws("lambda", "get-function-concurrency", "--function-name", name)).ValueKind.ShouldBe(JsonValueKind.Undefined);

        var settings = await Aws("lambda", "get-account-settings");
        var limit = settings.GetProperty("AccountLimit");
        limit.GetProperty("ConcurrentExecutions").GetInt32().ShouldBe(1000);
        limit.GetProperty("CodeSizeUnzipped").GetInt64().ShouldBe(262_144_000);
        limit.GetProperty("CodeSizeZipped").GetInt64().ShouldBe(52_428_800);
        limit.GetProperty("TotalCodeSize").GetInt64().ShouldBe(80_530_636_800);
        limit.GetProperty("UnreservedConcurrentExecutions").GetInt32().ShouldBeInRange(100, 1000);
        settings.GetProperty("AccountUsage").GetProperty("FunctionCount").GetInt32().ShouldBeGreaterThanOrEqualTo(1);

        await Aws("lambda", "delete-function", "--function-name", name);
    }

    [Fact]
    public async Task bad_input_is_refused_as_aws_refuses_it()
    {
        var name = ServerFixture.Unique("cli-bad");
        await AwsFails("ResourceNotFoundException", $"Function not found: {Arn(name)}", "lambda", "get-function", "--function-name", name);
        await AwsFails("ResourceNotFoundException", $"Function not found: {Arn(name)}:$LATEST", "lambda", "invoke", "--function-name", name, Path.Combine(_folder.FullName, "missing.out"));

        // A file that is not a zip never leaves the CLI ("--zip-file must be a zip file with the fileb:// prefix."); boto3 and
        // the JS SDK send one, and get InvalidParameterValueException (LambdaBoto3Tests, LambdaJsV3Tests).
        var zip = PythonZip("bad.zip");
        var runtime = await AwsError("InvalidParameterValueException",
            "lambda", "create-function", "--function-name", name, "--runtime", "python9.9", "--role", Role, "--handler", "app.handler", "--zip-file", "fileb://" + zip);
        runtime.ShouldStartWith("Value python9.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [");
        runtime.ShouldContain("provided.al2023");
        runtime.ShouldEndWith("] or be a valid ARN");

        await CreatePython(name, zip);
        await AwsFails("ResourceConflictException", $"Function already exist: {name}",
            "lambda", "create-function", "--function-name", name, "--runtime", "python3.12", "--role", Role, "--handler", "app.handler", "--zip-file", "fileb://" + zip);

        var notJson = await AwsError("InvalidRequestContentException",
            "lambda", "invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out", "--payload", "this is not json", Path.Combine(_folder.FullName, "bad.out"));
        notJson.ShouldStartWith("Could not parse request body into json: ");

        await Aws("lambda", "delete-function", "--function-name", name);
    }
}
