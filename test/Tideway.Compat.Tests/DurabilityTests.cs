using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Process-level: a real <c>tideway serve</c> killed with SIGKILL in the middle of a burst of sends loses
/// nothing it acknowledged (sends and deletes); SIGTERM drains and a restart resumes.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tideway-durability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static AmazonSQSClient Client(string endpoint) => new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
    {
        ServiceURL = endpoint,
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(10),
    });

    [Fact]
    public async Task kill_9_during_a_burst_loses_no_acknowledged_send_or_delete()
    {
        var cancel = TestContext.Current.CancellationToken;
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var deleted = new HashSet<string>();
        string queueName = "durable";
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Client(server.Endpoint);
            var url = (await sqs.CreateQueueAsync(queueName, cancel)).QueueUrl;
            // Acknowledged deletes must stay deleted.
            await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"to-delete-{i}"))], cancel);
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 }, cancel);
            received.Messages.Count.ShouldBe(10);
            await sqs.DeleteMessageBatchAsync(url, [.. received.Messages.Select((m, i) => new DeleteMessageBatchRequestEntry($"d{i}", m.ReceiptHandle))], cancel);
            deleted.UnionWith(received.Messages.Select(m => m.Body));

            // Producers send until the server dies under them; kill it once enough were acknowledged.
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
            {
                using var producer = Client(server.Endpoint);
                for (var batch = 0; ; batch++)
                {
                    var entries = Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"p{p}-b{batch}-m{i}")).ToList();
                    try
                    {
                        var result = await producer.SendMessageBatchAsync(url, entries, CancellationToken.None);
                        foreach (var ok in result.Successful)
                        {
                            acknowledged[entries.Single(e => e.Id == ok.Id).MessageBody] = true;
                        }
                    }
                    catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TaskCanceledException or IOException)
                    {
                        return;
                    }
                    if (acknowledged.Count >= 3_000)
                    {
                        enough.TrySetResult();
                    }
                }
            }, CancellationToken.None)).ToArray();
            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60), cancel);
            server.Kill();
            await Task.WhenAll(producers);
        }
        acknowledged.Count.ShouldBeGreaterThanOrEqualTo(3_000);

        await using (var restarted = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Client(restarted.Endpoint);
            var url = (await sqs.GetQueueUrlAsync(queueName, cancel)).QueueUrl;
            var bodies = new HashSet<string>();
            while (true)
            {
                var batch = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 600 }, cancel);
                if (batch.Messages is null || batch.Messages.Count == 0)
                {
                    break;
                }
                bodies.UnionWith(batch.Messages.Select(m => m.Body));
            }
            var lost = acknowledged.Keys.Where(body => !bodies.Contains(body)).ToList();
            lost.ShouldBeEmpty($"{lost.Count} of {acknowledged.Count} acknowledged messages were lost");
            bodies.Intersect(deleted).ShouldBeEmpty("acknowledged deletes came back");
        }
    }

    [Fact]
    public async Task sigterm_drains_and_a_second_start_resumes_where_the_first_stopped()
    {
        var cancel = TestContext.Current.CancellationToken;
        string messageId;
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Client(server.Endpoint);
            var url = (await sqs.CreateQueueAsync("resume", cancel)).QueueUrl;
            messageId = (await sqs.SendMessageAsync(url, "still here", cancel)).MessageId;
            // A long poll in progress ends with the shutdown instead of holding it up.
            var poll = sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url + "-idle", WaitTimeSeconds = 20 }, CancellationToken.None);
            (await server.TerminateAsync()).ShouldBe(0, server.Output);
            server.Output.ShouldContain("stopping");
            // Requests are not logged one by one (a console line per request cost a tenth of the CPU under load).
            server.Output.ShouldNotContain("Request starting");
            server.Output.ShouldNotContain("Request finished");
            await Should.ThrowAsync<Exception>(() => poll);
        }
        await using (var again = await ServerProcess.StartAsync(_data))
        {
            using var sqs = Client(again.Endpoint);
            var url = (await sqs.GetQueueUrlAsync("resume", cancel)).QueueUrl;
            var message = (await sqs.ReceiveMessageAsync(url, cancel)).Messages.Single();
            message.MessageId.ShouldBe(messageId);
            message.Body.ShouldBe("still here");
        }
    }
}
