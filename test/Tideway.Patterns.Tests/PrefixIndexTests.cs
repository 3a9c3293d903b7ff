using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>Many prefix rules on one field are looked up by prefix length; the outcome must equal testing every prefix.</summary>
public sealed class PrefixIndexTests
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
}
