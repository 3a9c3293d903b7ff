using BenchmarkDotNet.Attributes;
using Tideway.Queues;

namespace Tideway.Benchmarks;

/// <summary>The character check every SQS message body (and every event delivered to a queue) goes through.</summary>
[MemoryDiagnoser]
public class MessageRulesBenchmarks
{
    private string _body = string.Empty;

    /// <summary>Body length in characters: the SQS bench's 256 and an EventBridge event of about 1 KB.</summary>
    [Params(256, 1100)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup() => _body = string.Concat(Enumerable.Repeat("{\"orderId\":\"o-1\",\"note\":\"xxxxxxxx\"}", (Length / 30) + 1))[..Length];

    [Benchmark]
    public int FirstInvalidCharacter() => MessageRules.FirstInvalidCharacter(_body);
}
