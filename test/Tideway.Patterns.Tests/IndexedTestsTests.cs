using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// Prefix tests on a field are looked up by prefix length and numeric ranges by lower bound; the outcome must
/// equal testing every one of them.
/// </summary>
public sealed class IndexedTestsTests
{
    [Fact]
    public void many_prefix_rules_on_one_field_match_exactly_the_values_that_start_with_them_as_rules_come_and_go()
    {
        var random = new Random(42);
        const string Alphabet = "abé/";
        string Word(int max) => new([.. Enumerable.Range(0, random.Next(0, max)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);

        using var matcher = new PatternMatcher<int>();
        var prefixes = new Dictionary<int, string>();
        for (var rule = 0; rule < 300; rule++)
        {
            var prefix = Word(6);
            prefixes[rule] = prefix;
            matcher.Add(rule, $"{{\"detail\":{{\"name\":[{{\"prefix\":\"{prefix}\"}}]}}}}");
        }
        // Two rules on the same prefix share an entry; a rule mixing prefix with another test still works.
        matcher.Add(1000, "{\"detail\":{\"name\":[{\"prefix\":\"ab\"},{\"suffix\":\"zz\"}]}}");

        void Check()
        {
            for (var i = 0; i < 300; i++)
            {
                var value = Word(9) + (i % 10 == 0 ? "zz" : "");
                var expected = prefixes.Where(p => value.StartsWith(p.Value, StringComparison.Ordinal)).Select(p => p.Key).ToList();
                if ((value.StartsWith("ab", StringComparison.Ordinal) || value.EndsWith("zz", StringComparison.Ordinal)))
                {
                    expected.Add(1000);
                }
                var actual = matcher.Match(System.Text.Encoding.UTF8.GetBytes($"{{\"detail\":{{\"name\":\"{value}\"}}}}"));
                actual.OrderBy(r => r).ShouldBe(expected.OrderBy(r => r), $"value '{value}'");
            }
        }

        Check();
        foreach (var rule in prefixes.Keys.Where(r => r % 2 == 0).ToList())
        {
            matcher.Remove(rule).ShouldBeTrue();
            prefixes.Remove(rule);
        }
        Check();
        // A prefix test never matches a number, not even the empty prefix.
        matcher.Match("{\"detail\":{\"name\":12}}"u8).ShouldBeEmpty();
    }

    [Fact]
    public void many_numeric_ranges_on_one_field_match_exactly_the_numbers_inside_them_as_rules_come_and_go()
    {
        var random = new Random(7);
        using var matcher = new PatternMatcher<int>();
        var ranges = new Dictionary<int, (double Low, bool LowIn, double High, bool HighIn)>();
        string Bound(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        for (var rule = 0; rule < 300; rule++)
        {
            var a = Math.Round((random.NextDouble() * 200) - 100, random.Next(0, 3));
            var b = Math.Round(a + (random.NextDouble() * 50), random.Next(0, 3));
            var shape = random.Next(4);
            (double, bool, double, bool) range;
            string pattern;
            switch (shape)
            {
                case 0:
                    range = (a, false, double.PositiveInfinity, false);
                    pattern = $"[\">\", {Bound(a)}]";
                    break;
                case 1:
                    range = (double.NegativeInfinity, false, a, true);
                    pattern = $"[\"<=\", {Bound(a)}]";
                    break;
                case 2:
                    range = (a, true, b, false);
                    pattern = $"[\">=\", {Bound(a)}, \"<\", {Bound(b)}]";
                    break;
                default:
                    range = (a, true, a, true);
                    pattern = $"[\"=\", {Bound(a)}]";
                    break;
            }
            ranges[rule] = range;
            matcher.Add(rule, $"{{\"detail\":{{\"n\":[{{\"numeric\":{pattern}}}]}}}}");
        }

        bool Inside((double Low, bool LowIn, double High, bool HighIn) r, double x) =>
            (r.LowIn ? x >= r.Low : x > r.Low) && (r.HighIn ? x <= r.High : x < r.High);

        void Check()
        {
            var probes = ranges.Values.SelectMany(r => new[] { r.Low, r.High }).Where(double.IsFinite)
                .Concat(Enumerable.Range(0, 200).Select(_ => Math.Round((random.NextDouble() * 300) - 150, 2))).ToList();
            foreach (var x in probes)
            {
                var expected = ranges.Where(r => Inside(r.Value, x)).Select(r => r.Key).OrderBy(k => k);
                var actual = matcher.Match(System.Text.Encoding.UTF8.GetBytes($"{{\"detail\":{{\"n\":{Bound(x)}}}}}"));
                actual.OrderBy(k => k).ShouldBe(expected, $"value {Bound(x)}");
            }
        }

        Check();
        foreach (var rule in ranges.Keys.Where(r => r % 3 == 0).ToList())
        {
            matcher.Remove(rule).ShouldBeTrue();
            ranges.Remove(rule);
        }
        Check();
    }
}
