using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Process-level: a real <c>tideway serve</c> killed with SIGKILL in the middle of a burst of PutEvents delivers, after a
/// restart on the same data directory, every event it acknowledged to the rule's SQS target (at least once).
/// </summary>
public sealed class EventsDurabilityTests : IDisposable
{
    private const int Producers = 4;
    private const int TotalEvents = 2_000;
    private const int KillAfter = 1_000;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tideway-events-durability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static AmazonSQSClient Sqs(string endpoint) => new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
    {
        ServiceURL = endpoint,
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(10),
    });

    /// <summary>One EventBridge call as raw awsJson1_1 (the server takes unsigned requests when no credentials are configured).</summary>
    private static async Task<JsonElement> EventsAsync(HttpClient http, string endpoint, string operation, object request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint + "/") { Content = new StringContent(JsonSerializer.Serialize(request), Encoding.UTF8) };
        message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSEvents." + operation);
        using var response = await http.SendAsync(message, CancellationToken.None);
        var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
        response.IsSuccessStatusCode.ShouldBeTrue($"{operation}: {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task kill_9_during_a_burst_of_put_events_loses_no_acknowledged_event()
    {
        var cancel = TestContext.Current.CancellationToken;
        var acknowledged = new ConcurrentDictionary<string, bool>();
        const string QueueName = "events-durable";
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var sqs = Sqs(server.Endpoint);
            var url = (await sqs.CreateQueueAsync(QueueName, cancel)).QueueUrl;
            var arn = (await sqs.GetQueueAttributesAsync(url, ["QueueArn"], cancel)).QueueARN;
            await EventsAsync(http, server.Endpoint, "PutRule", new { Name = "durable", EventPattern = "{\"source\":[\"durability\"]}" });
            var put = await EventsAsync(http, server.Endpoint, "PutTargets", new { Rule = "durable", Targets = new[] { new { Id = "q", Arn = arn } } });
            put.GetProperty("FailedEntryCount").GetInt32().ShouldBe(0);

            // Producers put events until the server dies under them (or all are sent); kill it once enough were acknowledged.
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var batches = 0;
            var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
            {
                using var producer = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                int batch;
                while ((batch = Interlocked.Increment(ref batches)) <= TotalEvents / 10)
                {
                    var entries = Enumerable.Range(0, 10).Select(i => new { Source = "durability", DetailType = "Burst", Detail = $"{{\"batch\":{batch},\"entry\":{i}}}" }).ToArray();
                    try
                    {
                        var result = await EventsAsync(producer, server.Endpoint, "PutEvents", new { Entries = entries });
                        foreach (var entry in result.GetProperty("Entries").EnumerateArray())
                        {
                            if (entry.TryGetProperty("EventId", out var id))
                            {
                                acknowledged[id.GetString()!] = true;
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return;
                    }
                    if (acknowledged.Count >= KillAfter)
                    {
                        enough.TrySetResult();
                    }
                }
            }, CancellationToken.None)).ToArray();
            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60), cancel);
            server.Kill();
            await Task.WhenAll(producers);
        }
        acknowledged.Count.ShouldBeGreaterThanOrEqualTo(KillAfter);

        await using (var restarted = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Sqs(restarted.Endpoint);
            var url = (await sqs.GetQueueUrlAsync(QueueName, cancel)).QueueUrl;
            var delivered = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!acknowledged.Keys.All(delivered.Contains) && DateTime.UtcNow < deadline)
            {
                var batch = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 600, WaitTimeSeconds = 2 }, cancel);
                foreach (var message in batch.Messages ?? [])
                {
                    using var envelope = JsonDocument.Parse(message.Body);
                    delivered.Add(envelope.RootElement.GetProperty("id").GetString()!);
                }
            }
            var lost = acknowledged.Keys.Where(id => !delivered.Contains(id)).ToList();
            lost.ShouldBeEmpty($"{lost.Count} of {acknowledged.Count} acknowledged events were not delivered (server output:\n{restarted.Output})");
        }
    }
}
