using System.Text;
using BenchmarkDotNet.Attributes;
using Tideway.Cli.Bench;
using Tideway.Patterns;

namespace Tideway.Benchmarks;

/// <summary>
/// Matching one event of `bench events` against its bus's rules: the one that routes it and 9 or 999 decoys of
/// the bench's shapes (half of them share the event's source). The cost the 1,000-rule phase adds per event.
/// </summary>
[MemoryDiagnoser]
public class BusRulesBenchmarks : IDisposable
{
    private PatternMatcher<int> _matcher = null!;
    private readonly List<int> _matches = [];
    private byte[] _event = [];

    [Params(10, 1000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _matcher = new PatternMatcher<int>();
        for (var i = 1; i < Rules; i++)
        {
            _matcher.Add(i, EventsBench.DecoyPattern(i, exactDecoys: false));
        }
        _matcher.Add(0, EventsBench.MatchingPattern);
        _event = Encoding.UTF8.GetBytes(
            "{\"version\":\"0\",\"id\":\"6f3c1e2a-0b5d-4c8e-9a7f-1d2e3f4a5b6c\",\"detail-type\":\"OrderPlaced\",\"source\":\"bench.app\"," +
            "\"account\":\"000000000000\",\"time\":\"2026-12-05T02:00:00Z\",\"region\":\"us-east-1\",\"resources\":[]," +
            "\"detail\":" + EventsBench.EntryDetail(3) + "}");
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _matcher?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark]
    public int Match()
    {
        _matches.Clear();
        _matcher.Match(_event, _matches);
        return _matches.Count;
    }
}
