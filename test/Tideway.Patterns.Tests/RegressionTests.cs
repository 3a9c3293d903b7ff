using System.Diagnostics;
using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>Bugs found in review of issue 2, each pinned by the input that showed it.</summary>
public sealed class RegressionTests
{
    private static bool Matches(string pattern, string @event) => EventPattern.Parse(pattern).Matches(Encoding.UTF8.GetBytes(@event));

    [Theory]
    [InlineData("{\"equals-ignore-case\":\"user@example.com\"}", "\"USER@example.com\"", true)]
    [InlineData("{\"equals-ignore-case\":\"user`example.com\"}", "\"user@example.com\"", false)]
    [InlineData("{\"prefix\":{\"equals-ignore-case\":\"USER@\"}}", "\"user@x.com\"", true)]
    [InlineData("{\"anything-but\":{\"equals-ignore-case\":\"user@x.com\"}}", "\"USER@X.COM\"", false)]
    [InlineData("{\"equals-ignore-case\":\"a\\tb\"}", "\"A\\tB\"", true)]
    [InlineData("{\"equals-ignore-case\":\"a)b\"}", "\"A\\tB\"", false)]
    public void case_folding_leaves_characters_below_A_alone(string expression, string value, bool expected) =>
        Matches("{\"f\":[" + expression + "]}", "{\"f\":" + value + "}").ShouldBe(expected);

    [Fact]
    public void sibling_arrays_do_not_make_the_consistency_search_exponential()
    {
        const int m = 300;
        var element = string.Join(",", Enumerable.Repeat("{\"v\":1}", m));
        var @event = "{\"a\":[{\"b\":[" + element + "],\"c\":[" + element + "],\"e\":[" + element + "]},{\"d\":1}]}";
        const string pattern = "{\"a\":{\"b\":{\"v\":[1]},\"c\":{\"v\":[1]},\"e\":{\"v\":[1]},\"d\":[1]}}";
        var watch = Stopwatch.StartNew();
        Matches(pattern, @event).ShouldBeFalse();

        // Exponential search took 15 s here; forward checking answers at once. A generous bound, not a benchmark.
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        Matches(pattern, @event.Replace("{\"d\":1}", "{\"d\":2}", StringComparison.Ordinal).Replace("\"e\":[", "\"d\":1,\"e\":[", StringComparison.Ordinal)).ShouldBeTrue();
    }

    [Fact]
    public void a_clause_of_10000_fields_inside_one_array_element_matches_on_a_1_mb_stack()
    {
        var fields = Enumerable.Range(0, 10_000).Select(i => "\"f" + i + "\"").ToArray();
        var pattern = EventPattern.Parse("{\"a\":{" + string.Join(",", fields.Select(f => f + ":[1]")) + "}}");
        var @event = Encoding.UTF8.GetBytes("{\"a\":[{" + string.Join(",", fields.Select(f => f + ":1")) + "},{\"f0\":2}]}");
        var result = false;
        var thread = new Thread(() => result = pattern.Matches(@event), maxStackSize: 1024 * 1024);
        thread.Start();
        thread.Join();
        result.ShouldBeTrue();
    }

    [Theory]
    [InlineData("{\"a\":[\"\\ud800\"]}")]
    [InlineData("{\"\\ud800\":[\"x\"]}")]
    public void a_lone_surrogate_in_a_pattern_is_an_invalid_pattern(string pattern) =>
        Should.Throw<InvalidEventPatternException>(() => EventPattern.Parse(pattern));

    [Fact]
    public void invalid_utf8_in_a_pattern_is_an_invalid_pattern() =>
        Should.Throw<InvalidEventPatternException>(() => EventPattern.Parse([(byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)':', (byte)'[', (byte)'1', (byte)']', (byte)'}']));

    [Fact]
    public void or_expansion_beyond_the_condition_budget_is_too_complex()
    {
        var branches = string.Join(",", Enumerable.Range(0, 10).Select(i => "{\"o" + i + "\":[1]}"));
        var or = "\"$or\":[" + branches + "]";
        var plain = string.Join(",", Enumerable.Range(0, 200).Select(i => "\"p" + i + "\":[1]"));
        var pattern = "{\"a\":{" + or + "},\"b\":{" + or + "},\"c\":{" + or + "},\"d\":{" + or + "}," + plain + "}";
        Should.Throw<InvalidEventPatternException>(() => EventPattern.Parse(pattern))
            .Reason.ShouldStartWith("Rule is too complex");
    }
}
