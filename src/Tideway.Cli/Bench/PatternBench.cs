using System.Diagnostics;
using System.Globalization;
using Tideway.Patterns;

namespace Tideway.Cli.Bench;

/// <summary>
/// <c>tideway bench patterns</c>: the CL2 benchmark, single-threaded. For each category (and the
/// combos) it loads the patterns into one matcher, matches every event of the corpus, checks each
/// pattern's match count against event-ruler's, and prints events per second. Then it measures
/// throughput with 10,000 and 100,000 exact rules on one field, and the time and memory to add
/// 100,000 rules.
/// </summary>
internal sealed class PatternBench(Cl2Corpus corpus, TextWriter output, int passes, string? only = null)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public int Run()
    {
        output.WriteLine($"corpus: {corpus.Count:N0} events, {corpus.TotalBytes / 1048576.0:F1} MiB; {passes} timed passes per row; {Environment.ProcessorCount} cores; {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}");
        output.WriteLine($"{"category",-28} {"events/s",14} {"MB/s",8}  counts");
        var failures = 0;
        var byName = corpus.Categories.ToDictionary(c => c.Name);
        if (only is not null)
        {
            var members = corpus.Combos.TryGetValue(only, out var combo) ? combo : [only];
            if (!Array.TrueForAll(members, byName.ContainsKey))
            {
                output.WriteLine($"unknown category {only}; known: {string.Join(", ", byName.Keys.Concat(corpus.Combos.Keys))}");
                return 2;
            }

            Measure(only, [.. members.Select(m => byName[m])], ref failures);
            return failures == 0 ? 0 : 1;
        }

        double exactRate = 0;
        Measure("(no rules: scan only)", [], ref failures);
        Measure("(one rule, never matching)", [new Cl2Category("NONE", ["{\"type\":[\"x\"]}"], [0])], ref failures);
        foreach (var category in corpus.Categories)
        {
            var rate = Measure(category.Name, [category], ref failures);
            if (category.Name == "EXACT")
            {
                exactRate = rate;
            }
        }

        foreach (var (name, members) in corpus.Combos)
        {
            Measure(name, [.. members.Select(m => byName[m])], ref failures);
        }

        var exact = byName["EXACT"];
        foreach (var extra in new[] { 10_000, 100_000 })
        {
            var rate = Measure($"EXACT + {extra:N0} rules", [exact], ref failures, extra);
            output.WriteLine($"  {extra:N0} exact rules on one field: {rate / exactRate * 100:F0}% of the 5-rule throughput");
        }

        MeasureAdding(100_000);
        output.WriteLine(failures == 0 ? "all match counts agree with event-ruler" : $"{failures} match counts differ from event-ruler");
        return failures == 0 ? 0 : 1;
    }

    private double Measure(string name, IReadOnlyList<Cl2Category> categories, ref int failures, int extraExactRules = 0)
    {
        using var matcher = new PatternMatcher<int>();
        var expected = new List<int>();
        foreach (var category in categories)
        {
            for (var i = 0; i < category.Patterns.Count; i++)
            {
                matcher.Add(expected.Count, category.Patterns[i]);
                expected.Add(category.ReferenceMatches[i]);
            }
        }

        foreach (var pattern in SyntheticExactRules(extraExactRules))
        {
            matcher.Add(expected.Count, pattern);
            expected.Add(-1);
        }

        var counts = new int[expected.Count];
        var matches = new List<int>();
        MatchAll(matcher, matches, counts); // warm-up, and the counts we check
        var best = double.MaxValue;
        for (var pass = 0; pass < passes; pass++)
        {
            var watch = Stopwatch.StartNew();
            MatchAll(matcher, matches, null);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        var wrong = 0;
        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i] >= 0 && counts[i] != expected[i])
            {
                wrong++;
                output.WriteLine($"  MISMATCH {name} pattern {i}: {counts[i]} matches, event-ruler {expected[i]}");
            }
        }

        failures += wrong;
        var rate = corpus.Count / best;
        if (counts.Length == 0)
        {
            counts = [0];
        }

        var shown = string.Join(",", counts.Take(Math.Min(counts.Length, 10)).Select(c => c.ToString(Invariant)));
        output.WriteLine($"{name,-28} {rate,14:N0} {corpus.TotalBytes / best / 1e6,8:F0}  {(wrong == 0 ? "ok" : "WRONG")} [{shown}{(counts.Length > 10 ? ",..." : string.Empty)}]");
        return rate;
    }

    private void MatchAll(PatternMatcher<int> matcher, List<int> matches, int[]? counts)
    {
        for (var e = 0; e < corpus.Count; e++)
        {
            matches.Clear();
            matcher.Match(corpus.Event(e), matches);
            if (counts is not null)
            {
                foreach (var rule in matches)
                {
                    counts[rule]++;
                }
            }
        }
    }

    private int FindStreet(string street)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes("\"STREET\":\"" + street + "\"");
        for (var e = 0; e < corpus.Count; e++)
        {
            if (corpus.Event(e).IndexOf(needle) >= 0 && corpus.Event(e).IndexOf("\"Polygon\""u8) >= 0)
            {
                return e;
            }
        }

        return 0;
    }

    /// <summary>Exact-value rules on properties.MAPBLKLOT with values that occur in no event.</summary>
    private static IEnumerable<string> SyntheticExactRules(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return "{\"properties\":{\"MAPBLKLOT\":[\"Z" + i.ToString("D7", Invariant) + "\"]}}";
        }
    }

    private void MeasureAdding(int count)
    {
        var patterns = SyntheticExactRules(count).Select(EventPattern.Parse).ToArray();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalMemory(true);
        var watch = Stopwatch.StartNew();
        using var matcher = new PatternMatcher<int>();
        for (var i = 0; i < patterns.Length; i++)
        {
            matcher.Add(i, patterns[i]);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var after = GC.GetTotalMemory(true);
        GC.KeepAlive(matcher);
        output.WriteLine($"adding {count:N0} parsed exact rules: {seconds:F2} s, {(after - before) / 1048576.0:F1} MiB retained by the matcher");

        watch.Restart();
        using var fromText = new PatternMatcher<int>();
        var i2 = 0;
        foreach (var text in SyntheticExactRules(count))
        {
            fromText.Add(i2++, text);
        }

        output.WriteLine($"parsing and adding {count:N0} exact rules: {watch.Elapsed.TotalSeconds:F2} s");

        // Many rules often share a test (every rule on one source): adding must not copy the shared lists.
        var shared = EventPattern.Parse("{\"properties\":{\"STREET\":[\"MASON\"]},\"geometry\":{\"type\":[\"Polygon\"]}}");
        watch.Restart();
        using var sharing = new PatternMatcher<int>();
        for (var i = 0; i < count; i++)
        {
            sharing.Add(i, shared);
        }

        output.WriteLine($"adding {count:N0} rules that share one pattern: {watch.Elapsed.TotalSeconds:F2} s; an event they match yields {sharing.CountMatches(corpus.Event(FindStreet("MASON"))):N0} rules");
    }
}
