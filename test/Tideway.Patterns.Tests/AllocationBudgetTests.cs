using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// The allocation budget of the matching hot path (bench/allocation-budget.json): after warm-up,
/// matching events of the citylots2 corpus allocates no bytes per event.
/// </summary>
public sealed class AllocationBudgetTests
{
    private const int Events = 5_000;

    private static readonly Lazy<byte[][]> Corpus = new(LoadEvents);

    [Fact]
    public void matching_the_cl2_combo_rules_stays_within_budget()
    {
        using var rules = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("bench-data", "cl2-rules.json")));
        using var matcher = new PatternMatcher<int>();
        var id = 0;
        foreach (var category in rules.RootElement.GetProperty("categories").EnumerateArray())
        {
            foreach (var pattern in category.GetProperty("patterns").EnumerateArray())
            {
                matcher.Add(id++, pattern.GetRawText());
            }
        }

        BytesPerEvent(matcher).ShouldBeLessThanOrEqualTo(Budget("patterns.match.cl2_combo"));
    }

    [Fact]
    public void matching_against_1000_mixed_rules_stays_within_budget()
    {
        using var matcher = new PatternMatcher<string>();
        for (var i = 0; i < 1000; i++)
        {
            var value = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var pattern = (i % 5) switch
            {
                0 => "{\"properties\":{\"BLOCK_NUM\":[\"" + value + "\"]}}",
                1 => "{\"properties\":{\"MAPBLKLOT\":[{\"prefix\":\"" + value + "\"}]}}",
                2 => "{\"properties\":{\"STREET\":[{\"equals-ignore-case\":\"s" + value + "\"}],\"ODD_EVEN\":[\"E\"]}}",
                3 => "{\"geometry\":{\"firstCoordinates\":{\"x\":[{\"numeric\":[\">\"," + (-122.5 + (i * 0.0001)).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "]}]}}}",
                _ => "{\"geometry\":{\"coordinates\":{\"y\":[{\"numeric\":[\"<\"," + (37.7 + (i * 0.0001)).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "]}]},\"type\":[\"Polygon\"]}}",
            };
            matcher.Add("rule-" + i, pattern);
        }

        BytesPerEvent(matcher).ShouldBeLessThanOrEqualTo(Budget("patterns.match.1000_mixed_rules"));
    }

    private static double BytesPerEvent<T>(PatternMatcher<T> matcher)
        where T : notnull
    {
        var events = Corpus.Value;
        var matches = new List<T>(capacity: 4096);
        var total = 0;

        // Warm up: JIT tiers, context arrays and the result list reach their steady sizes.
        for (var pass = 0; pass < 3; pass++)
        {
            foreach (var e in events)
            {
                matches.Clear();
                matcher.Match(e, matches);
                total += matches.Count;
            }
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var e in events)
        {
            matches.Clear();
            matcher.Match(e, matches);
            total += matches.Count;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        total.ShouldBeGreaterThan(0);
        return (double)allocated / events.Length;
    }

    private static double Budget(string name)
    {
        var path = Path.Combine(SharedData.RepositoryRoot, "bench", "allocation-budget.json");
        using var budget = JsonDocument.Parse(File.ReadAllBytes(path));
        return budget.RootElement.GetProperty("budgets").GetProperty(name).GetDouble();
    }

    private static byte[][] LoadEvents()
    {
        using var file = File.OpenRead(SharedData.PathOf("bench-data", "citylots2-synth.json.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var events = new List<byte[]>(Events);
        while (events.Count < Events && reader.ReadLine() is { } line)
        {
            events.Add(Encoding.UTF8.GetBytes(line));
        }

        return [.. events];
    }
}
