using System.Globalization;
using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>Thousands of exact values on one field (where a bit filter guards the lookup), added and removed.</summary>
public sealed class ManyExactValuesTests
{
    private static byte[] Event(int value) =>
        Encoding.UTF8.GetBytes("{\"detail\":{\"id\":\"v" + value.ToString(CultureInfo.InvariantCulture) + "\"}}");

    [Fact]
    public void every_one_of_5000_values_matches_its_rule_and_no_other()
    {
        using var matcher = new PatternMatcher<int>();
        for (var i = 0; i < 5000; i++)
        {
            matcher.Add(i, "{\"detail\":{\"id\":[\"v" + i.ToString(CultureInfo.InvariantCulture) + "\"]}}");
        }

        for (var i = 0; i < 5000; i++)
        {
            matcher.Match(Event(i)).ShouldBe([i]);
        }

        matcher.Match(Event(5000)).ShouldBeEmpty();
    }

    [Fact]
    public void removed_values_stop_matching_and_the_rest_keep_matching()
    {
        using var matcher = new PatternMatcher<int>();
        for (var i = 0; i < 6000; i++)
        {
            matcher.Add(i, "{\"detail\":{\"id\":[\"v" + i.ToString(CultureInfo.InvariantCulture) + "\"]}}");
        }

        for (var i = 0; i < 6000; i += 2)
        {
            matcher.Remove(i).ShouldBeTrue();
        }

        matcher.RuleCount.ShouldBe(3000);
        for (var i = 0; i < 6000; i++)
        {
            matcher.Match(Event(i)).ShouldBe(i % 2 == 1 ? [i] : []);
        }

        // Adding back after the filter was rebuilt for fewer values.
        matcher.Add(42, "{\"detail\":{\"id\":[\"v42\"]}}");
        matcher.Match(Event(42)).ShouldBe([42]);
    }
}
