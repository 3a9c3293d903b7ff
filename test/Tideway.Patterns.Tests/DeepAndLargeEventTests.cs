using System.Buffers;
using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// Deeply nested and large events match correctly, and bytes that are not a JSON object are always
/// reported as <see cref="InvalidEventException"/>, whichever path of the scanner meets them.
/// </summary>
public sealed class DeepAndLargeEventTests
{
    private const int Depth = 1_100;

    /// <summary><c>{"k":{"k":…leaf…}}</c> with <paramref name="depth"/> objects.</summary>
    private static string Nested(int depth, string key, string leaf)
    {
        var builder = new StringBuilder((depth * (key.Length + 5)) + leaf.Length);
        for (var i = 0; i < depth; i++)
        {
            builder.Append("{\"").Append(key).Append("\":");
        }

        builder.Append(leaf);
        return builder.Append('}', depth).ToString();
    }

    private static string NestedArrays(int depth, string leaf) =>
        new StringBuilder().Append('[', depth).Append(leaf).Append(']', depth).ToString();

    [Fact]
    public void a_pattern_and_an_event_nested_1100_levels_along_one_path_match()
    {
        var pattern = EventPattern.Parse(Nested(Depth, "k", """["v"]"""));
        pattern.Matches(Nested(Depth, "k", "\"v\"")).ShouldBeTrue();
        pattern.Matches(Nested(Depth, "k", "\"w\"")).ShouldBeFalse();
        pattern.Matches(Nested(Depth - 1, "k", "\"v\"")).ShouldBeFalse();
        pattern.Matches(Nested(Depth + 1, "k", "\"v\"")).ShouldBeFalse();
        pattern.Matches(Nested(Depth, "k", """["w","v"]""")).ShouldBeTrue();

        var exists = EventPattern.Parse(Nested(Depth, "k", """[{"exists":true}]"""));
        exists.Matches(Nested(Depth, "k", "null")).ShouldBeTrue();
        exists.Matches(Nested(Depth, "k", "{}")).ShouldBeFalse();
    }

    [Fact]
    public void a_pattern_nested_1100_levels_with_a_sibling_at_the_top_matches()
    {
        var pattern = EventPattern.Parse("""{"source":["s"],"d":""" + Nested(Depth, "k", """[{"numeric":[">",1]}]""") + "}");
        pattern.Matches("""{"d":""" + Nested(Depth, "k", "2") + ""","source":"s"}""").ShouldBeTrue();
        pattern.Matches("""{"d":""" + Nested(Depth, "k", "1") + ""","source":"s"}""").ShouldBeFalse();
        pattern.Matches("""{"d":""" + Nested(Depth, "k", "2") + ""","source":"t"}""").ShouldBeFalse();
    }

    [Fact]
    public void a_shallow_pattern_skips_a_deep_unrelated_subtree()
    {
        var pattern = EventPattern.Parse("""{"a":["x"]}""");
        var absent = EventPattern.Parse("""{"b":[{"exists":false}]}""");
        string[] deepValues =
        [
            Nested(Depth, "k", "\"x\""),
            NestedArrays(Depth, "\"x\""),
            Nested(Depth, "a", "\"x\""),
            Nested(Depth, "b", "1"),
            NestedArrays(100_000, "{\"a\":\"x\"}"),
        ];
        foreach (var deep in deepValues)
        {
            pattern.Matches("""{"deep":""" + deep + ""","a":"x"}""").ShouldBeTrue();
            pattern.Matches("""{"a":"x","deep":""" + deep + "}").ShouldBeTrue();
            pattern.Matches("""{"deep":""" + deep + ""","a":"y"}""").ShouldBeFalse();
            pattern.Matches("""{"deep":""" + deep + "}").ShouldBeFalse();
            absent.Matches("""{"deep":""" + deep + "}").ShouldBeTrue();
        }
    }

    [Fact]
    public void a_deep_subtree_beside_the_patterns_path_is_skipped()
    {
        var pattern = EventPattern.Parse("""{"k":{"x":["v"]}}""");
        pattern.Matches("""{"k":{"k":""" + Nested(Depth, "k", "1") + ""","x":"v"}}""").ShouldBeTrue();
        pattern.Matches("""{"k":{"x":"v","k":""" + Nested(Depth, "x", "\"v\"") + "}}").ShouldBeTrue();
        pattern.Matches("""{"k":{"k":""" + Nested(Depth, "x", "\"v\"") + "}}").ShouldBeFalse();
    }

    [Fact]
    public void arrays_nested_1100_levels_along_the_path_match_their_leaves()
    {
        var pattern = EventPattern.Parse("""{"a":["x"]}""");
        pattern.Matches("""{"a":""" + NestedArrays(Depth, "\"x\"") + "}").ShouldBeTrue();
        pattern.Matches("""{"a":""" + NestedArrays(Depth, "\"y\",\"x\"") + "}").ShouldBeTrue();
        pattern.Matches("""{"a":""" + NestedArrays(Depth, "\"y\"") + "}").ShouldBeFalse();
        pattern.Matches("""{"a":""" + NestedArrays(Depth, string.Empty) + "}").ShouldBeFalse();

        var nested = EventPattern.Parse("""{"a":{"b":[{"numeric":[">=",7]}],"c":["z"]}}""");
        nested.Matches("""{"a":""" + NestedArrays(Depth, """{"b":7,"c":"z"}""") + "}").ShouldBeTrue();
        nested.Matches("""{"a":""" + NestedArrays(Depth, """{"b":7},{"c":"z"}""") + "}").ShouldBeFalse();
    }

    [Fact]
    public void deep_events_give_the_same_answers_through_a_matcher_with_many_rules()
    {
        using var matcher = new PatternMatcher<int>();
        for (var i = 0; i < 50; i++)
        {
            matcher.Add(i, Nested(Depth - i, "k", "[" + i + "]"));
        }

        for (var i = 0; i < 50; i++)
        {
            matcher.Match(Encoding.UTF8.GetBytes(Nested(Depth - i, "k", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))).ShouldBe([i]);
        }

        matcher.Match(Encoding.UTF8.GetBytes(Nested(Depth - 3, "k", "4"))).ShouldBeEmpty();
    }

    /// <summary>event-ruler's BigEventTest: the rule matches (its assertion is <c>!list.isEmpty()</c>).</summary>
    [Fact]
    public void big_event_matches_the_big_event_rule()
    {
        var rule = File.ReadAllText(SharedData.PathOf("bench-data", "bigEventRule.json"));
        var bigEvent = File.ReadAllBytes(SharedData.PathOf("bench-data", "bigEvent.json"));
        bigEvent.Length.ShouldBe(255_820);

        var pattern = EventPattern.Parse(rule);
        pattern.Matches(bigEvent).ShouldBeTrue();

        using var matcher = new PatternMatcher<string>();
        matcher.Add("test", rule);
        matcher.Add("other source", rule.Replace("aws.route53", "aws.s3", StringComparison.Ordinal));
        matcher.Add("no such action", rule.Replace("\"CREATE\"", "\"RENAME\"", StringComparison.Ordinal)
            .Replace("\"DELETE\"", "\"RENAME\"", StringComparison.Ordinal).Replace("\"UPSERT\"", "\"RENAME\"", StringComparison.Ordinal));
        matcher.Match(bigEvent).ShouldBe(["test"]);

        var text = Encoding.UTF8.GetString(bigEvent);
        pattern.Matches(text.Replace("\"hostedZoneId\": \"\"", "\"hostedZoneId\": \"Z1\"", StringComparison.Ordinal)).ShouldBeFalse();
    }

    // ---- malformed events --------------------------------------------------------------------------

    public static TheoryData<string> MalformedEvents() =>
    [
        // not an object
        "",
        "   ",
        "[]",
        """[{"a":"x"}]""",
        "\"a\"",
        "42",
        "true",
        "null",
        "}",
        "a",
        // truncated
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\": ",
        "{\"a\":\"x\"",
        "{\"a\":\"x\",",
        "{\"a\":\"x\",\"b\"",
        "{\"a\":[1,2",
        "{\"a\":[1,2,",
        "{\"a\":{\"b\":",
        "{\"a\":{\"b\":1",
        "{\"a\":tru",
        "{\"a\":nul",
        "{\"a\":fals",
        "{\"skip\":{\"k\":[1,2",
        "{\"skip\":[[[[",
        "{\"skip\":" + new string('[', 100) + "\"x\"",
        "{\"a\":\"x\",\"skip\":{\"k\":\"" + new string('y', 100) + "\"",
        // unterminated strings
        "{\"a\":\"x",
        "{\"a\":\"x\\\"}",
        "{\"a\":\"x\\",
        "{\"a",
        "{\"a\\\":1}",
        "{\"skip\":\"abc",
        "{\"skip\":[\"a\\\"]}",
        "{\"skip\":{\"k\":\"" + new string('z', 100) + "\\\"}}",
        // other syntax errors
        "{\"a\" \"x\"}",
        "{\"a\":\"x\" \"b\":\"y\"}",
        "{a:\"x\"}",
        "{\"a\":tree}",
        "{\"a\":'x'}",
        "{\"a\":\"x\"]",
    ];

    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public void malformed_events_throw_invalid_event_exception(string eventJson)
    {
        var bytes = Encoding.UTF8.GetBytes(eventJson);
        using var matcher = new PatternMatcher<string>();
        matcher.Add("reads", """{"a":["x"],"b":[{"exists":false}]}""");
        matcher.Add("numbers", """{"a":[{"numeric":[">",0]}],"skip":[{"exists":true}]}""");
        matcher.Add("skips", """{"zzz":[{"prefix":"q"}]}""");

        Should.Throw<InvalidEventException>(() => matcher.Match(bytes));
        Should.Throw<InvalidEventException>(() => matcher.MatchesAny(bytes));
        Should.Throw<InvalidEventException>(() => matcher.CountMatches(bytes));
        Should.Throw<InvalidEventException>(() => matcher.Match(new ReadOnlySequence<byte>(bytes), new List<string>()));
        Should.Throw<InvalidEventException>(() => EventPattern.Parse("""{"zzz":["q"]}""").Matches(bytes));
        Should.Throw<InvalidEventException>(() => EventPattern.Parse("""{"a":["x"]}""").Matches(eventJson));

        // The matcher is still usable afterwards.
        matcher.Match(Encoding.UTF8.GetBytes("""{"a":"x"}""")).ShouldBe(["reads"]);
    }

    /// <summary>Escapes are decoded (and so checked) in keys and in the values that some rule reads.</summary>
    [Theory]
    [InlineData("{\"a\":\"\\u12\"}")]
    [InlineData("{\"a\":\"\\u12\"")]
    [InlineData("{\"a\":\"\\q\"}")]
    [InlineData("{\"a\":[\"x\",\"\\x\"]}")]
    [InlineData("{\"\\u00\":\"x\"}")]
    [InlineData("{\"b\":1,\"\\z\":\"x\"}")]
    public void invalid_escapes_in_keys_and_read_values_throw_invalid_event_exception(string eventJson)
    {
        var pattern = EventPattern.Parse("""{"a":["x"]}""");
        Should.Throw<InvalidEventException>(() => pattern.Matches(eventJson));
    }

    [Fact]
    public void every_truncation_of_a_valid_event_throws_invalid_event_exception()
    {
        const string eventJson = """{"a":"x\"y","n":-1.5e3,"t":true,"f":false,"z":null,"arr":[1,"two",{"k":[null,"\u00e9"]}],"skip":{"deep":[{"s":"\\q"},[[]]]},"e":"\ud83d\ude00","o":{}}""";
        using var matcher = new PatternMatcher<string>();
        matcher.Add("a", """{"a":["x\"y"]}""");
        matcher.Add("n", """{"n":[{"numeric":["<",0]}]}""");
        matcher.Add("t", """{"t":[true],"f":[false],"z":[null]}""");
        matcher.Add("arr", """{"arr":{"k":["é"]}}""");
        matcher.Add("e", """{"e":[{"equals-ignore-case":"😀"}]}""");
        matcher.Add("o", """{"o":[{"exists":false}]}""");
        matcher.Match(Encoding.UTF8.GetBytes(eventJson)).ShouldBe(["a", "n", "t", "arr", "e", "o"], ignoreOrder: true);

        using var skipping = new PatternMatcher<string>();
        skipping.Add("none", """{"missing":["x"]}""");

        var bytes = Encoding.UTF8.GetBytes(eventJson);
        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes.AsSpan(0, length).ToArray();
            Should.Throw<InvalidEventException>(() => matcher.Match(truncated), "length " + length);
            Should.Throw<InvalidEventException>(() => skipping.MatchesAny(truncated), "length " + length);
        }
    }
}
