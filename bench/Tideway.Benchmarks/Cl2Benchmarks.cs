using BenchmarkDotNet.Attributes;
using Tideway.Cli.Bench;
using Tideway.Patterns;

namespace Tideway.Benchmarks;

/// <summary>
/// The CL2 benchmark under BenchmarkDotNet: one operation is matching the first 20,000 events of
/// the citylots2 corpus against one category's rules (or a combo), single-threaded. The allocation
/// column must read zero: matching allocates nothing per event.
/// </summary>
[MemoryDiagnoser]
public class Cl2Benchmarks : IDisposable
{
    private const int EventsPerOperation = 20_000;

    private Cl2Corpus _corpus = null!;
    private PatternMatcher<int> _matcher = null!;
    private readonly List<int> _matches = [];

    [Params("EXACT", "WILDCARD", "PREFIX", "PREFIX_EQUALS_IGNORE_CASE", "SUFFIX", "SUFFIX_EQUALS_IGNORE_CASE",
        "EQUALS_IGNORE_CASE", "NUMERIC", "ANYTHING-BUT", "ANYTHING-BUT-IGNORE-CASE", "ANYTHING-BUT-PREFIX",
        "ANYTHING-BUT-SUFFIX", "ANYTHING-BUT-WILDCARD", "COMPLEX_ARRAYS", "PARTIAL_COMBO", "COMBO")]
    public string Category { get; set; } = "EXACT";

    [GlobalSetup]
    public void Setup()
    {
        _corpus = Cl2Corpus.Load(Cl2Corpus.DefaultDirectory());
        _matcher = new PatternMatcher<int>();
        var byName = _corpus.Categories.ToDictionary(c => c.Name);
        var members = _corpus.Combos.TryGetValue(Category, out var combo) ? combo : [Category];
        var id = 0;
        foreach (var member in members)
        {
            foreach (var pattern in byName[member].Patterns)
            {
                _matcher.Add(id++, pattern);
            }
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _matcher?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = EventsPerOperation)]
    public int Match()
    {
        var total = 0;
        for (var e = 0; e < EventsPerOperation; e++)
        {
            _matches.Clear();
            _matcher.Match(_corpus.Event(e), _matches);
            total += _matches.Count;
        }

        return total;
    }
}
