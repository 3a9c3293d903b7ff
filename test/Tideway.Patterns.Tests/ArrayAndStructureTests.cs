using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>Array-consistent matching, deep nesting, large events and events that are not JSON objects.</summary>
public sealed class ArrayAndStructureTests
{
    private static bool Matches(string pattern, string @event) => EventPattern.Parse(pattern).Matches(Encoding.UTF8.GetBytes(@event));

    private static string Data(string file) => File.ReadAllText(SharedData.PathOf("bench-data", file));

    /// <summary>event-ruler's array-membership rules and events (../shared/bench-data/array*.json).</summary>
    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(1, 2, false)]
    [InlineData(2, 1, true)]
    [InlineData(2, 2, false)]
    [InlineData(3, 3, false)]
    [InlineData(3, 4, true)]
    [InlineData(4, 3, true)]
    [InlineData(4, 4, true)]
    [InlineData(1, 3, false)]
    [InlineData(3, 1, false)]
    public void fields_from_different_elements_of_one_array_never_combine(int rule, int @event, bool expected) =>
        Matches(Data($"arrayRule{rule}.json"), Data($"arrayEvent{@event}.json")).ShouldBe(expected);

    [Fact]
    public void array_consistency_by_hand()
    {
        const string @event = "{\"a\":[{\"b\":1,\"c\":2},{\"b\":3,\"c\":4}],\"top\":\"t\"}";
        Matches("{\"a\":{\"b\":[1],\"c\":[4]}}", @event).ShouldBeFalse();
        Matches("{\"a\":{\"b\":[1],\"c\":[2]}}", @event).ShouldBeTrue();
        Matches("{\"a\":{\"b\":[3],\"c\":[4]}}", @event).ShouldBeTrue();
        Matches("{\"a\":{\"b\":[1,3],\"c\":[4]}}", @event).ShouldBeTrue();
        Matches("{\"top\":[\"t\"],\"a\":{\"c\":[4]}}", @event).ShouldBeTrue();

        // Nested arrays: the inner elements belong to different outer elements.
        const string nested = "{\"o\":[{\"i\":[{\"x\":1},{\"y\":2}]},{\"i\":[{\"x\":3,\"y\":4}]}]}";
        Matches("{\"o\":{\"i\":{\"x\":[3],\"y\":[4]}}}", nested).ShouldBeTrue();
        Matches("{\"o\":{\"i\":{\"x\":[1],\"y\":[2]}}}", nested).ShouldBeFalse();
        Matches("{\"o\":{\"i\":{\"x\":[1],\"y\":[4]}}}", nested).ShouldBeFalse();

        // Three conditions where a choice early on must be undone.
        const string three = "{\"a\":[{\"p\":1,\"q\":1,\"r\":0},{\"p\":1,\"q\":2,\"r\":2}]}";
        Matches("{\"a\":{\"p\":[1],\"q\":[2],\"r\":[2]}}", three).ShouldBeTrue();
        Matches("{\"a\":{\"p\":[1],\"q\":[1],\"r\":[2]}}", three).ShouldBeFalse();
    }

    [Fact]
    public void the_big_event_of_event_ruler_matches_its_rule() =>
        Matches(Data("bigEventRule.json"), Data("bigEvent.json")).ShouldBeTrue();

    [Fact]
    public void events_nested_1100_levels_deep_match_along_the_path()
    {
        const int depth = 1100;
        var @event = new StringBuilder();
        var pattern = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            @event.Append("{\"k\":");
            pattern.Append("{\"k\":");
        }

        @event.Append("\"leaf\"").Append('}', depth);
        pattern.Append("[\"leaf\"]").Append('}', depth);
        Matches(pattern.ToString(), @event.ToString()).ShouldBeTrue();
        Matches(pattern.ToString().Replace("leaf", "other", StringComparison.Ordinal), @event.ToString()).ShouldBeFalse();

        // A shallow rule beside a deep subtree nobody mentions.
        var wrapped = "{\"deep\":" + @event + ",\"s\":\"x\"}";
        Matches("{\"s\":[\"x\"]}", wrapped).ShouldBeTrue();

        // Deep arrays along the path.
        var arrays = "{\"k\":" + new string('[', depth) + "7" + new string(']', depth) + "}";
        Matches("{\"k\":[7]}", arrays).ShouldBeTrue();
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    [InlineData("42")]
    [InlineData("")]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":\"unterminated}")]
    [InlineData("{\"a\":[1,2}")]
    [InlineData("{\"a\":tru}")]
    [InlineData("{\"a\":{\"b\":[1,2,3]}")]
    [InlineData("{\"a\":\"x\"} extra")]
    [InlineData("{\"a\" \"x\"}")]
    public void an_event_that_is_not_a_json_object_is_refused_with_invalid_event_exception(string @event)
    {
        var pattern = EventPattern.Parse("{\"a\":[\"x\"],\"z\":{\"q\":[1]}}");
        Should.Throw<InvalidEventException>(() => pattern.Matches(Encoding.UTF8.GetBytes(@event)));
    }

    [Fact]
    public void skipped_subtrees_with_escapes_and_brackets_inside_strings_are_skipped_exactly()
    {
        var noise = "{\"s\":\"]}\\\"[{\",\"t\":[\"\\\\\",\"}\"],\"u\":{\"v\":\"" + new string('x', 100) + "\\\"]\"}}";
        var @event = "{\"skip\":" + noise + ",\"skip2\":[" + noise + "," + noise + "],\"a\":\"x\"}";
        Matches("{\"a\":[\"x\"]}", @event).ShouldBeTrue();
        Matches("{\"a\":[\"y\"]}", @event).ShouldBeFalse();
    }
}
