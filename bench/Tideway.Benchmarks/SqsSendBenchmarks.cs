using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Tideway.Cli.Bench;
using Tideway.Queues;
using Tideway.Server.Sqs;
using Tideway.Storage.Memory;

namespace Tideway.Benchmarks;

/// <summary>
/// The server's own CPU for one SendMessageBatch of ten 256-byte messages (the request of <c>bench sqs</c>): from the
/// awsJson body to the written response, with the in-memory store, so that neither Kestrel, SigV4 nor the SQLite writer
/// is in it. Every 10,000 requests the queue is replaced by a fresh one, so a backlog of up to 100,000 messages grows
/// as in a few seconds of the bench's send-only phase.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet needs an unsealed class; the engine is disposed in GlobalCleanup.
public class SqsSendBenchmarks
#pragma warning restore CA1001
{
    private const int RequestsPerQueue = 10_000;
    private SqsEngine _engine = null!;
    private SqsApi _api = null!;
    private byte[] _request = [];
    private int _queue;
    private int _sent;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new SqsEngine(new MemoryStore().Queues, TimeProvider.System);
        _api = new SqsApi(_engine);
        NextQueue();
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    [Benchmark]
    public int SendMessageBatch()
    {
        if (++_sent % RequestsPerQueue == 0)
        {
            Run("DeleteQueue", Encoding.UTF8.GetBytes($$"""{"QueueUrl":"http://127.0.0.1:4566/000000000000/bench-{{_queue}}"}"""));
            NextQueue();
        }
        return Run("SendMessageBatch", _request);
    }

    [Benchmark]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(_request);
        return document.RootElement.GetProperty("Entries").GetArrayLength();
    }

    private void NextQueue()
    {
        _queue++;
        Run("CreateQueue", Encoding.UTF8.GetBytes($$"""{"QueueName":"bench-{{_queue}}"}"""));
        _request = SqsLoad.SendBody($"http://127.0.0.1:4566/000000000000/bench-{_queue}", 256);
    }

    private int Run(string operation, byte[] request) => SqsApiCalls.Run(_api, operation, request);
}
