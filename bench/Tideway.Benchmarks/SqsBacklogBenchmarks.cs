using System.Text;
using BenchmarkDotNet.Attributes;
using Tideway.Cli.Bench;
using Tideway.Queues;
using Tideway.Server.Sqs;
using Tideway.Storage.Memory;

namespace Tideway.Benchmarks;

/// <summary>
/// GetQueueAttributes (All) on a standard queue holding a backlog of never-received messages, sent without a delay or
/// with the queue's default delay, with the in-memory store:
/// the approximate counts are what a dashboard or an autoscaler polls, and the queue's index is locked while they are
/// counted, so every send to the queue waits for them. The retention sweep holds the same lock.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet needs an unsealed class; the engine is disposed in GlobalCleanup.
public class SqsBacklogBenchmarks
#pragma warning restore CA1001
{
    private const string QueueUrl = "http://127.0.0.1:4566/000000000000/backlog";
    private static readonly byte[] Attributes = Encoding.UTF8.GetBytes($$"""{"QueueUrl":"{{QueueUrl}}","AttributeNames":["All"]}""");
    private SqsEngine _engine = null!;
    private SqsApi _api = null!;

    /// <summary>Messages in the queue.</summary>
    [Params(100_000, 1_000_000)]
    public int Backlog { get; set; }

    /// <summary>The queue's default delay (every message sent with it).</summary>
    [Params(0, 900)]
    public int DelaySeconds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _engine = new SqsEngine(new MemoryStore().Queues, TimeProvider.System);
        _api = new SqsApi(_engine);
        SqsApiCalls.Run(_api, "CreateQueue", Encoding.UTF8.GetBytes($$$"""{"QueueName":"backlog","Attributes":{"DelaySeconds":"{{{DelaySeconds}}}"}}"""));
        var send = SqsLoad.SendBody(QueueUrl, 16);
        for (var i = 0; i < Backlog / 10; i++)
        {
            SqsApiCalls.Run(_api, "SendMessageBatch", send);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    [Benchmark]
    public int GetQueueAttributes() => SqsApiCalls.Run(_api, "GetQueueAttributes", Attributes);

    /// <summary>The retention sweep the host runs every minute, over a backlog none of which has expired.</summary>
    [Benchmark]
    public int RetentionSweep() => _engine.SweepAsync().GetAwaiter().GetResult();
}
