using System.Globalization;
using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// Matching threads never lock, never fail and never lose a stable rule while a writer churns other
/// rules that share the stable rules' paths (new nodes, growing arrays, absence clauses, removals).
/// </summary>
public sealed class ConcurrencyTests
{
    private static readonly byte[] Event = Encoding.UTF8.GetBytes(
        "{\"source\":\"orders\",\"detail-type\":\"Created\",\"detail\":{\"total\":120.5,\"items\":[{\"sku\":\"a\",\"qty\":2},{\"sku\":\"b\",\"qty\":1}]}}");

    [Fact]
    public void stable_rules_always_match_while_a_writer_churns_rules_on_the_same_paths()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("stable-source", "{\"source\":[\"orders\"]}");
        matcher.Add("stable-array", "{\"detail\":{\"items\":{\"sku\":[\"b\"],\"qty\":[1]}}}");
        matcher.Add("stable-absent", "{\"detail\":{\"refund\":[{\"exists\":false}]}}");
        matcher.Add("stable-never", "{\"detail\":{\"items\":{\"sku\":[\"a\"],\"qty\":[1]}}}");

        var done = 0;
        var failures = new List<string>();
        var rounds = new int[2];
        using var start = new Barrier(3);
        var readers = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            var matches = new List<string>();
            start.SignalAndWait();
            while (Volatile.Read(ref done) == 0 || rounds[r] < 100)
            {
                matches.Clear();
                try
                {
                    matcher.Match(Event, matches);
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e.ToString());
                    }

                    return;
                }

                if (!matches.Contains("stable-source") || !matches.Contains("stable-array") || !matches.Contains("stable-absent") || matches.Contains("stable-never"))
                {
                    lock (failures)
                    {
                        failures.Add("round " + rounds[r] + ": " + string.Join(",", matches));
                    }

                    return;
                }

                rounds[r]++;
            }
        })).ToArray();
        foreach (var reader in readers)
        {
            reader.Start();
        }

        start.SignalAndWait(TestContext.Current.CancellationToken);
        for (var i = 0; i < 2_000; i++)
        {
            var name = "churn-" + (i % 50).ToString(CultureInfo.InvariantCulture);
            if (matcher.Remove(name))
            {
                continue;
            }

            var pattern = (i % 4) switch
            {
                0 => "{\"detail\":{\"items\":{\"sku\":[\"a\"],\"qty\":[" + (i % 3) + "]}}}",
                1 => "{\"detail\":{\"total\":[{\"numeric\":[\">\"," + i + "]}]}}",
                2 => "{\"detail\":{\"k" + i + "\":[{\"exists\":false}]}}",
                _ => "{\"source\":[{\"prefix\":\"ord\"}],\"detail-type\":[\"Created\"]}",
            };
            matcher.Add(name, pattern);
        }

        Volatile.Write(ref done, 1);
        foreach (var reader in readers)
        {
            reader.Join();
        }

        failures.ShouldBeEmpty();
        rounds.ShouldAllBe(count => count >= 100);
    }
}
