using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Process-level: asynchronous invocations a real <c>tideway serve</c> acknowledged (202) survive SIGKILL while
/// their functions are still running: after a restart on the same data directory every one of them reaches
/// the function's success destination (at least once).
/// </summary>
public sealed class LambdaDurabilityTests : IDisposable
{
    private const int Invocations = 12;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tideway-lambda-durability-" + Guid.NewGuid().ToString("N"));

    // Answers after half a second, so the invocations are still running when the server dies; exits when the
    // Runtime API is gone (an orphan of the killed server must not spin).
    private const string Bootstrap = """
        #!/bin/sh
        api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
        while true; do
          id="$(curl -sSf -o "$TMPDIR/event" -w '%header{lambda-runtime-aws-request-id}' "$api/next")" || exit 1
          sleep 0.5
          curl -sSf -o /dev/null -X POST --data-binary @"$TMPDIR/event" "$api/$id/response" || exit 1
        done

        """;

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task kill_9_loses_no_acknowledged_asynchronous_invocation()
    {
        var cancel = TestContext.Current.CancellationToken;
        var acknowledged = new List<string>();
        const string QueueName = "lambda-durable";
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Sqs(server.Endpoint);
            var url = (await sqs.CreateQueueAsync(QueueName, cancel)).QueueUrl;
            var arn = (await sqs.GetQueueAttributesAsync(url, ["QueueArn"], cancel)).QueueARN;
            using var lambda = new LambdaHttp(server.Endpoint);
            var name = await lambda.CreateBootstrapFunctionAsync("durable", Bootstrap);
            using (var config = await lambda.SendAsync(HttpMethod.Put, $"/2019-09-25/functions/{name}/event-invoke-config",
                $"{{\"DestinationConfig\":{{\"OnSuccess\":{{\"Destination\":\"{arn}\"}}}}}}"))
            {
                config.IsSuccessStatusCode.ShouldBeTrue();
            }
            for (var i = 0; i < Invocations; i++)
            {
                using var accepted = await lambda.SendAsync(HttpMethod.Post, $"/2015-03-31/functions/{name}/invocations", $"{{\"n\":{i}}}", ("X-Amz-Invocation-Type", "Event"));
                ((int)accepted.StatusCode).ShouldBe(202);
                acknowledged.Add(accepted.Headers.GetValues("x-amzn-RequestId").Single());
            }
            server.Kill();
        }

        await using (var restarted = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Sqs(restarted.Endpoint);
            var url = (await sqs.GetQueueUrlAsync(QueueName, cancel)).QueueUrl;
            var delivered = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!acknowledged.All(delivered.Contains) && DateTime.UtcNow < deadline)
            {
                var batch = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 600, WaitTimeSeconds = 2 }, cancel);
                foreach (var message in batch.Messages ?? [])
                {
                    using var record = JsonDocument.Parse(message.Body);
                    record.RootElement.GetProperty("requestContext").GetProperty("condition").GetString().ShouldBe("Success");
                    delivered.Add(record.RootElement.GetProperty("requestContext").GetProperty("requestId").GetString()!);
                }
            }
            var lost = acknowledged.Where(id => !delivered.Contains(id)).ToList();
            lost.ShouldBeEmpty($"{lost.Count} of {acknowledged.Count} acknowledged invocations never completed (server output:\n{restarted.Output})");
        }
    }

    // Leaves a process that is no child of the runtime (re-parented to init) and never calls the Runtime API, and
    // answers with its pid.
    internal static readonly string Leaver = LambdaHttp.ShellBootstrap("""
          (sleep 300 > /dev/null 2>&1 < /dev/null &)
          printf '{"pid":%s}' "$(pgrep -n -u "$(id -u)" -x sleep)" > "$TMPDIR/out"
        """);

    [Fact]
    public async Task a_restarted_server_ends_what_the_killed_one_left_running()
    {
        if (Environment.UserName != "root" || !File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        {
            Assert.Skip("Environments are found again through their memory cgroups, which need root and the cgroup v1 memory controller.");
        }
        int pid;
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var lambda = new LambdaHttp(server.Endpoint);
            var name = await lambda.CreateBootstrapFunctionAsync("leaver", Leaver);
            var (response, result, log) = await lambda.InvokeAsync(name, "{}");
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, log);
            pid = result.GetProperty("pid").GetInt32();
            server.Kill();
        }
        Alive(pid).ShouldBeTrue("the process outlived the killed server");

        await using (var restarted = await ServerProcess.StartAsync(_data))
        {
            // Ended at the start: a real-time wait with a deadline (the signal is asynchronous).
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Alive(pid))
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"process {pid} outlived the restart\n{restarted.Output}");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }
    }

    // Running, or stopped but not yet reaped (a zombie has ended).
    internal static bool Alive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static AmazonSQSClient Sqs(string endpoint) => new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
    {
        ServiceURL = endpoint,
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(10),
    });
}
