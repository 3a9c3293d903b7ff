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

/// <summary>Many rules sharing one test: every one matches, removal leaves the rest.</summary>
public sealed class SharedTestTests
{
    [Fact]
    public void twenty_thousand_rules_on_one_value_all_match_and_removal_keeps_the_rest()
    {
        using var matcher = new PatternMatcher<int>();
        var pattern = EventPattern.Parse("{\"source\":[\"aws.ec2\"],\"detail\":{\"state\":[{\"prefix\":\"run\"}]}}");
        for (var i = 0; i < 20_000; i++)
        {
            matcher.Add(i, pattern);
        }

        var @event = System.Text.Encoding.UTF8.GetBytes("{\"source\":\"aws.ec2\",\"detail\":{\"state\":\"running\"}}");
        matcher.CountMatches(@event).ShouldBe(20_000);
        for (var i = 0; i < 20_000; i += 4)
        {
            matcher.Remove(i).ShouldBeTrue();
        }

        var matched = matcher.Match(@event);
        matched.Count.ShouldBe(15_000);
        matched.ShouldAllBe(rule => rule % 4 != 0);
    }
}
