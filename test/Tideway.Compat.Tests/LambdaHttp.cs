using System.Net;
using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>Lambda REST calls as the SDKs send them (unsigned: the test servers have no credentials), for tests that drive the API from C#.</summary>
internal sealed class LambdaHttp(string endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(endpoint) };

    public void Dispose() => _http.Dispose();

    /// <summary>A provided-runtime package holding only an executable <c>bootstrap</c>, base64 for Code.ZipFile.</summary>
    public static string BootstrapPackage(string bootstrap) => Package("bootstrap", bootstrap);

    /// <summary>
    /// A shell bootstrap (sh and curl) that runs <paramref name="body"/> for each invocation: the event is in
    /// <c>$TMPDIR/event</c>, and what the body writes to <c>$TMPDIR/out</c> is the response.
    /// </summary>
    public static string ShellBootstrap(string body) => $$"""
        #!/bin/sh
        api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
        while true; do
          id="$(curl -sSf -o "$TMPDIR/event" -w '%header{lambda-runtime-aws-request-id}' "$api/next")" || exit 1
        {{body}}
          curl -sSf -o /dev/null -X POST --data-binary @"$TMPDIR/out" "$api/$id/response" || exit 1
        done

        """;

    /// <summary>Creates a <c>provided.al2023</c> function whose package holds <paramref name="bootstrap"/> alone; returns its name.</summary>
    public Task<string> CreateBootstrapFunctionAsync(string prefix, string bootstrap) => CreateAsync(prefix, new Dictionary<string, object>
    {
        ["Runtime"] = "provided.al2023",
        ["Role"] = "arn:aws:iam::000000000000:role/lambda",
        ["Handler"] = "x",
        ["Code"] = new Dictionary<string, object> { ["ZipFile"] = BootstrapPackage(bootstrap) },
    });

    /// <summary>A package holding one executable file, base64 for Code.ZipFile.</summary>
    public static string Package(string fileName, string content)
    {
        using var buffer = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create))
        {
            var entry = archive.CreateEntry(fileName);
            entry.ExternalAttributes = 0b111_101_101 << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(content);
        }
        return Convert.ToBase64String(buffer.ToArray());
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261203/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return await _http.SendAsync(request);
    }

    /// <summary>The messages of a function's log group, in order (FilterLogEvents over the same endpoint), once one contains <paramref name="until"/> or after 10 s.</summary>
    public async Task<string> LogAsync(string name, string until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/");
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261203/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "Logs_20140328.FilterLogEvents");
            request.Content = new StringContent(JsonSerializer.Serialize(new { logGroupName = "/aws/lambda/" + name }), Encoding.UTF8, "application/x-amz-json-1.1");
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            var messages = string.Join('\n', JsonDocument.Parse(text).RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetString()));
            // The log lines are written behind the invocations.
            if (messages.Contains(until, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return messages;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>CreateFunction with these members (and a unique name, returned); fails the test unless it answers 201.</summary>
    public async Task<string> CreateAsync(string prefix, Dictionary<string, object> members)
    {
        var name = ServerFixture.Unique(prefix);
        members["FunctionName"] = name;
        using var created = await SendAsync(HttpMethod.Post, "/2015-03-31/functions", JsonSerializer.Serialize(members));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return name;
    }

    /// <summary>A synchronous invoke with LogType Tail: the response, its payload as JSON, and the decoded log tail.</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Payload, string Log)> InvokeAsync(string name, string payload)
    {
        var response = await SendAsync(HttpMethod.Post, $"/2015-03-31/functions/{name}/invocations", payload, ("X-Amz-Log-Type", "Tail"));
        var text = await response.Content.ReadAsStringAsync();
        var log = response.Headers.TryGetValues("X-Amz-Log-Result", out var values) ? Encoding.UTF8.GetString(Convert.FromBase64String(values.Single())) : string.Empty;
        return (response, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone(), log);
    }
}
