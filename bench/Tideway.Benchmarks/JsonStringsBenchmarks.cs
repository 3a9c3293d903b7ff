using BenchmarkDotNet.Attributes;
using Tideway.Cli.Bench;
using Tideway.Primitives;

namespace Tideway.Benchmarks;

/// <summary>The check every awsJson SQS request's strings pass before it is served, on the <c>bench sqs</c> request.</summary>
[MemoryDiagnoser]
public class JsonStringsBenchmarks
{
    private readonly byte[] _request = SqsLoad.SendBody("http://127.0.0.1:4566/000000000000/bench", 256);

    [Benchmark]
    public string? InvalidText() => JsonStrings.InvalidText(_request);
}
