using System.Text;
using System.Text.Json;
using Shouldly;
using Tideway.Server.Hosting;
using Tideway.Testing;

namespace Tideway.Compat.Tests;

/// <summary>
/// Asynchronous invocation end to end, with real function processes and a server on a manual clock (so the
/// 1- and 2-minute retry delays pass at once): retries then the failure destination and the dead-letter
/// queue; the success destination; an EventBridge rule targeting a function.
/// </summary>
public sealed class LambdaAsyncTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tideway-async-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TidewayServer _server = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _server = new TidewayServer(new TidewayOptions { Port = 0, DataDirectory = _data }, _time);
        await _server.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_server.Endpoint) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    // A provided runtime in sh: answers with the event, or fails every invocation when FAIL is set.
    private const string Bootstrap = """
        #!/bin/sh
        api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
        while true; do
          body="$(curl -sS -D "$TMPDIR/h" "$api/next")"
          id="$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' "$TMPDIR/h")"
          echo "handling $body"
          if [ -n "$FAIL" ]; then
            curl -sS -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: Boom" --data-binary '{"errorType":"Boom","errorMessage":"it failed"}' "$api/$id/error"
          else
            curl -sS -o /dev/null -X POST --data-binary "{\"handled\":$body}" "$api/$id/response"
          fi
        done

        """;

    private async Task<JsonElement> CallAsync(HttpMethod method, string path, string? body, string? target = null, string? invocationType = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (invocationType is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Invocation-Type", invocationType);
        }
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=test/20261203/us-east-1/{(target is null ? "lambda" : "sqs")}/aws4_request, SignedHeaders=host, Signature=0");
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, target is null ? "application/json" : target.StartsWith("AWSEvents", StringComparison.Ordinal) ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0");
        }
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBeLessThan(300, $"{method} {path} {target}: {text}");
        return JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
    }

    private async Task<string> QueueAsync(string name)
    {
        await CallAsync(HttpMethod.Post, "/", $"{{\"QueueName\":\"{name}\"}}", "AmazonSQS.CreateQueue");
        return $"arn:aws:sqs:us-east-1:000000000000:{name}";
    }

    /// <summary>Receives from a queue until a message arrives or 10 s pass (short polls: the server's clock is manual).</summary>
    private async Task<JsonElement> ReceiveAsync(string queue)
    {
        var url = $"{_server.Endpoint}/000000000000/{queue}";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var received = await CallAsync(HttpMethod.Post, "/", $"{{\"QueueUrl\":\"{url}\",\"WaitTimeSeconds\":0,\"MessageAttributeNames\":[\"All\"]}}", "AmazonSQS.ReceiveMessage");
            if (received.TryGetProperty("Messages", out var messages) && messages.GetArrayLength() > 0)
            {
                return messages[0];
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"nothing arrived in {queue}");
    }

    private async Task CreateFunctionAsync(string name, bool fail, string? deadLetter = null)
    {
        var variables = fail ? "\"Environment\":{\"Variables\":{\"FAIL\":\"1\"}}," : string.Empty;
        var dlq = deadLetter is null ? string.Empty : $"\"DeadLetterConfig\":{{\"TargetArn\":\"{deadLetter}\"}},";
        await CallAsync(HttpMethod.Post, "/2015-03-31/functions",
            $"{{\"FunctionName\":\"{name}\",\"Runtime\":\"provided.al2023\",\"Role\":\"arn:aws:iam::000000000000:role/lambda\",\"Handler\":\"x\",{variables}{dlq}\"Code\":{{\"ZipFile\":\"{LambdaHttp.BootstrapPackage(Bootstrap)}\"}}}}");
    }

    /// <summary>Waits (a real-time poll with a deadline) until asynchronous invocations have started <paramref name="count"/> retry delays.</summary>
    private async Task WaitsAsync(long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_server.Functions.AsyncWaits < count)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the invocation never waited for retry {count}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task a_failing_event_is_tried_three_times_then_sent_to_the_failure_destination_and_the_dead_letter_queue()
    {
        var failures = await QueueAsync("failures");
        var deadLetters = await QueueAsync("dead-letters");
        await CreateFunctionAsync("bad", fail: true, deadLetters);
        await CallAsync(HttpMethod.Put, "/2019-09-25/functions/bad/event-invoke-config", $"{{\"DestinationConfig\":{{\"OnFailure\":{{\"Destination\":\"{failures}\"}}}}}}");

        await CallAsync(HttpMethod.Post, "/2015-03-31/functions/bad/invocations", "{\"order\":7}", invocationType: "Event");
        await WaitsAsync(1);
        _time.Advance(TimeSpan.FromMinutes(1));
        await WaitsAsync(2);
        _time.Advance(TimeSpan.FromMinutes(2));
        var record = await ReceiveAsync("failures");
        var dead = await ReceiveAsync("dead-letters");

        using var document = JsonDocument.Parse(record.GetProperty("Body").GetString()!);
        var root = document.RootElement;
        root.GetProperty("version").GetString().ShouldBe("1.0");
        root.GetProperty("requestContext").GetProperty("condition").GetString().ShouldBe("RetriesExhausted");
        root.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32().ShouldBe(3);
        root.GetProperty("requestPayload").GetProperty("order").GetInt32().ShouldBe(7);
        root.GetProperty("responseContext").GetProperty("functionError").GetString().ShouldBe("Unhandled");
        root.GetProperty("responsePayload").GetProperty("errorMessage").GetString().ShouldBe("it failed");
        dead.GetProperty("Body").GetString().ShouldBe("{\"order\":7}");
        dead.GetProperty("MessageAttributes").GetProperty("ErrorMessage").GetProperty("StringValue").GetString().ShouldBe("it failed");
        dead.GetProperty("MessageAttributes").GetProperty("RequestID").GetProperty("StringValue").GetString()
            .ShouldBe(root.GetProperty("requestContext").GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task an_event_rule_invokes_a_function_whose_result_reaches_its_success_destination()
    {
        var successes = await QueueAsync("successes");
        await CreateFunctionAsync("good", fail: false);
        await CallAsync(HttpMethod.Put, "/2019-09-25/functions/good/event-invoke-config", $"{{\"DestinationConfig\":{{\"OnSuccess\":{{\"Destination\":\"{successes}\"}}}}}}");
        await CallAsync(HttpMethod.Post, "/", "{\"Name\":\"to-good\",\"EventPattern\":\"{\\\"source\\\":[\\\"shop\\\"]}\"}", "AWSEvents.PutRule");
        await CallAsync(HttpMethod.Post, "/", "{\"Rule\":\"to-good\",\"Targets\":[{\"Id\":\"f\",\"Arn\":\"arn:aws:lambda:us-east-1:000000000000:function:good\",\"InputPath\":\"$.detail\"}]}", "AWSEvents.PutTargets");

        await CallAsync(HttpMethod.Post, "/", "{\"Entries\":[{\"Source\":\"shop\",\"DetailType\":\"order\",\"Detail\":\"{\\\"id\\\":42}\"}]}", "AWSEvents.PutEvents");
        var record = await ReceiveAsync("successes");

        using var document = JsonDocument.Parse(record.GetProperty("Body").GetString()!);
        var root = document.RootElement;
        root.GetProperty("requestContext").GetProperty("condition").GetString().ShouldBe("Success");
        root.GetProperty("requestPayload").GetProperty("id").GetInt32().ShouldBe(42);
        root.GetProperty("responsePayload").GetProperty("handled").GetProperty("id").GetInt32().ShouldBe(42);
        root.GetProperty("responseContext").GetProperty("statusCode").GetInt32().ShouldBe(200);
    }
}
