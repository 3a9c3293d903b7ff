using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>The pattern language, one rule of it per test, as EventBridge documents and behaves.</summary>
public sealed class LanguageTests
{
    private static bool Matches(string pattern, string @event) => EventPattern.Parse(pattern).Matches(Encoding.UTF8.GetBytes(@event));

    [Theory]
    [InlineData("{\"a\":[\"x\"]}", "{\"a\":\"x\"}", true)]
    [InlineData("{\"a\":[\"x\"]}", "{\"a\":\"X\"}", false)]
    [InlineData("{\"a\":[true]}", "{\"a\":true}", true)]
    [InlineData("{\"a\":[true]}", "{\"a\":\"true\"}", false)]
    [InlineData("{\"a\":[false]}", "{\"a\":false}", true)]
    [InlineData("{\"a\":[null]}", "{\"a\":null}", true)]
    [InlineData("{\"a\":[null]}", "{\"a\":\"null\"}", false)]
    [InlineData("{\"a\":[null]}", "{}", false)]
    [InlineData("{\"a\":[\"\"]}", "{\"a\":\"\"}", true)]
    [InlineData("{\"a\":[\"\"]}", "{\"a\":\" \"}", false)]
    [InlineData("{\"a\":[\"x\",\"y\"]}", "{\"a\":\"y\"}", true)]
    [InlineData("{\"a\":[\"x\"],\"b\":[\"y\"]}", "{\"a\":\"x\",\"b\":\"z\"}", false)]
    [InlineData("{\"a\":[\"x\"],\"b\":[\"y\"]}", "{\"b\":\"y\",\"a\":\"x\"}", true)]
    [InlineData("{\"a\":{\"b\":{\"c\":[1]}}}", "{\"a\":{\"b\":{\"c\":1}}}", true)]
    [InlineData("{\"a\":{\"b\":{\"c\":[1]}}}", "{\"a\":{\"c\":1}}", false)]
    public void exact_values_or_within_a_field_and_across_fields(string pattern, string @event, bool expected) =>
        Matches(pattern, @event).ShouldBe(expected);

    [Theory]
    [InlineData("5", "5")]
    [InlineData("5", "5.0")]
    [InlineData("5", "5e0")]
    [InlineData("5.0", "5")]
    [InlineData("5e0", "0.5e1")]
    [InlineData("-0.25", "-2.5E-1")]
    [InlineData("300", "300.000")]
    public void numbers_are_equal_across_spellings(string patternNumber, string eventNumber)
    {
        Matches("{\"n\":[" + patternNumber + "]}", "{\"n\":" + eventNumber + "}").ShouldBeTrue();
        Matches("{\"n\":[{\"numeric\":[\"=\"," + patternNumber + "]}]}", "{\"n\":" + eventNumber + "}").ShouldBeTrue();
    }

    [Fact]
    public void a_string_never_equals_a_number()
    {
        Matches("{\"n\":[5]}", "{\"n\":\"5\"}").ShouldBeFalse();
        Matches("{\"n\":[\"5\"]}", "{\"n\":5}").ShouldBeFalse();
        Matches("{\"n\":[{\"numeric\":[\"=\",5]}]}", "{\"n\":\"5\"}").ShouldBeFalse();
        Matches("{\"n\":[{\"numeric\":[\">\",0]}]}", "{\"n\":null}").ShouldBeFalse();
    }

    [Theory]
    [InlineData("[\">\",0]", "0", false)]
    [InlineData("[\">=\",0]", "0", true)]
    [InlineData("[\"<\",10]", "10", false)]
    [InlineData("[\"<=\",10]", "10", true)]
    [InlineData("[\">\",0,\"<=\",5]", "5", true)]
    [InlineData("[\">\",0,\"<=\",5]", "0", false)]
    [InlineData("[\">=\",-1e300,\"<\",1e300]", "-1e299", true)]
    [InlineData("[\">\",1e300]", "1.7976931348623157e308", true)]
    [InlineData("[\"<\",1e-300]", "5e-324", true)]
    [InlineData("[\"=\",5e-324]", "4.9406564584124654e-324", true)]
    [InlineData("[\"=\",-122.42916360922355]", "-122.42916360922355", true)]
    [InlineData("[\"=\",-122.42916360922355]", "-122.42916360922356", false)]
    public void numeric_ranges_over_the_full_double_range(string range, string value, bool expected) =>
        Matches("{\"n\":[{\"numeric\":" + range + "}]}", "{\"n\":" + value + "}").ShouldBe(expected);

    [Theory]
    [InlineData("{\"prefix\":\"us-\"}", "\"us-east-1\"", true)]
    [InlineData("{\"prefix\":\"us-\"}", "\"eu-west-1\"", false)]
    [InlineData("{\"prefix\":\"\"}", "\"anything\"", true)]
    [InlineData("{\"prefix\":\"1\"}", "12", false)]
    [InlineData("{\"prefix\":{\"equals-ignore-case\":\"US-\"}}", "\"us-east-1\"", true)]
    [InlineData("{\"suffix\":\".png\"}", "\"image.png\"", true)]
    [InlineData("{\"suffix\":\".png\"}", "\"image.PNG\"", false)]
    [InlineData("{\"suffix\":{\"equals-ignore-case\":\".png\"}}", "\"image.PNG\"", true)]
    [InlineData("{\"equals-ignore-case\":\"alice\"}", "\"ALICE\"", true)]
    [InlineData("{\"equals-ignore-case\":\"alice\"}", "\"alicia\"", false)]
    [InlineData("{\"equals-ignore-case\":\"école\"}", "\"ÉCOLE\"", true)]
    [InlineData("{\"equals-ignore-case\":\"σίσυφος\"}", "\"ΣΊΣΥΦΟΣ\"", true)]
    [InlineData("{\"equals-ignore-case\":\"straße\"}", "\"STRASSE\"", false)]
    [InlineData("{\"equals-ignore-case\":\"Ünïcödé\"}", "\"üNÏCÖDÉ\"", true)]
    [InlineData("{\"equals-ignore-case\":\"abc\"}", "\"abd\"", false)]
    public void prefix_suffix_and_equals_ignore_case(string expression, string value, bool expected) =>
        Matches("{\"f\":[" + expression + "]}", "{\"f\":" + value + "}").ShouldBe(expected);

    [Theory]
    [InlineData("*.png", "dir/a.png", true)]
    [InlineData("*.png", "dir/a.png.txt", false)]
    [InlineData("dir/*", "dir/", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("a*bc*bc", "abcbc", true)]
    [InlineData("a\\\\*b", "a*b", true)]
    [InlineData("a\\\\*b", "aXb", false)]
    [InlineData("a\\\\\\\\b", "a\\\\b", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("*", "", true)]
    public void wildcard_with_escapes(string wildcard, string value, bool expected) =>
        Matches("{\"f\":[{\"wildcard\":\"" + wildcard + "\"}]}", "{\"f\":\"" + value + "\"}").ShouldBe(expected);

    [Theory]
    [InlineData("{\"anything-but\":\"x\"}", "\"y\"", true)]
    [InlineData("{\"anything-but\":\"x\"}", "\"x\"", false)]
    [InlineData("{\"anything-but\":\"x\"}", "null", true)]
    [InlineData("{\"anything-but\":\"x\"}", "5", true)]
    [InlineData("{\"anything-but\":\"x\"}", "true", true)]
    [InlineData("{\"anything-but\":[\"x\",\"y\"]}", "\"y\"", false)]
    [InlineData("{\"anything-but\":100}", "100.0", false)]
    [InlineData("{\"anything-but\":100}", "\"100\"", true)]
    [InlineData("{\"anything-but\":[100,200]}", "200", false)]
    [InlineData("{\"anything-but\":[100,200]}", "300", true)]
    [InlineData("{\"anything-but\":{\"prefix\":\"init\"}}", "\"initializing\"", false)]
    [InlineData("{\"anything-but\":{\"prefix\":\"init\"}}", "\"running\"", true)]
    [InlineData("{\"anything-but\":{\"prefix\":\"init\"}}", "12", true)]
    [InlineData("{\"anything-but\":{\"prefix\":[\"a\",\"b\"]}}", "\"bee\"", false)]
    [InlineData("{\"anything-but\":{\"suffix\":\".png\"}}", "\"a.png\"", false)]
    [InlineData("{\"anything-but\":{\"suffix\":\".png\"}}", "null", true)]
    [InlineData("{\"anything-but\":{\"equals-ignore-case\":\"X\"}}", "\"x\"", false)]
    [InlineData("{\"anything-but\":{\"equals-ignore-case\":[\"a\",\"B\"]}}", "\"b\"", false)]
    [InlineData("{\"anything-but\":{\"equals-ignore-case\":[\"a\",\"B\"]}}", "\"c\"", true)]
    [InlineData("{\"anything-but\":{\"wildcard\":\"*/lib/*\"}}", "\"/usr/lib/x\"", false)]
    [InlineData("{\"anything-but\":{\"wildcard\":\"*/lib/*\"}}", "\"/usr/bin/x\"", true)]
    public void anything_but_in_every_form(string expression, string value, bool expected) =>
        Matches("{\"f\":[" + expression + "]}", "{\"f\":" + value + "}").ShouldBe(expected);

    [Theory]
    [InlineData("{\"anything-but\":\"x\"}")]
    [InlineData("{\"anything-but\":{\"prefix\":\"x\"}}")]
    [InlineData("{\"prefix\":\"\"}")]
    [InlineData("{\"numeric\":[\">\",0]}")]
    [InlineData("{\"exists\":true}")]
    [InlineData("{\"cidr\":\"10.0.0.0/8\"}")]
    [InlineData("{\"wildcard\":\"*\"}")]
    public void every_operator_but_exists_false_needs_the_field(string expression)
    {
        Matches("{\"f\":[" + expression + "]}", "{\"g\":\"x\"}").ShouldBeFalse();
        Matches("{\"f\":[" + expression + "]}", "{\"f\":[]}").ShouldBeFalse();
    }

    [Theory]
    [InlineData("{\"f\":1}", true, false)]
    [InlineData("{\"f\":null}", true, false)]
    [InlineData("{\"f\":\"\"}", true, false)]
    [InlineData("{\"f\":{\"g\":1}}", false, true)]
    [InlineData("{\"f\":[]}", false, true)]
    [InlineData("{\"f\":[[]]}", false, true)]
    [InlineData("{\"f\":[1]}", true, false)]
    [InlineData("{\"g\":1}", false, true)]
    public void exists_applies_to_leaves_only(string @event, bool existsTrue, bool existsFalse)
    {
        Matches("{\"f\":[{\"exists\":true}]}", @event).ShouldBe(existsTrue);
        Matches("{\"f\":[{\"exists\":false}]}", @event).ShouldBe(existsFalse);
    }

    [Fact]
    public void exists_false_combines_with_other_fields()
    {
        const string pattern = "{\"source\":[\"s\"],\"detail\":{\"error\":[{\"exists\":false}]}}";
        Matches(pattern, "{\"source\":\"s\",\"detail\":{\"ok\":1}}").ShouldBeTrue();
        Matches(pattern, "{\"source\":\"s\",\"detail\":{\"error\":\"boom\"}}").ShouldBeFalse();
        Matches(pattern, "{\"source\":\"t\",\"detail\":{}}").ShouldBeFalse();
        Matches("{\"f\":[{\"exists\":false},\"x\"]}", "{\"f\":\"x\"}").ShouldBeTrue();
        Matches("{\"f\":[{\"exists\":false},\"x\"]}", "{\"f\":\"y\"}").ShouldBeFalse();
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.7/8", "10.200.3.4", true)]
    [InlineData("0.0.0.0/0", "192.168.1.1", true)]
    [InlineData("10.0.0.0/24", "10.0.0", false)]
    [InlineData("10.0.0.0/24", "not an ip", false)]
    [InlineData("2001:db8::/32", "2001:0db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void cidr_matches_ipv4_and_ipv6(string cidr, string address, bool expected) =>
        Matches("{\"ip\":[{\"cidr\":\"" + cidr + "\"}]}", "{\"ip\":\"" + address + "\"}").ShouldBe(expected);

    [Fact]
    public void or_at_top_level_nested_and_with_siblings()
    {
        const string top = "{\"$or\":[{\"a\":[1]},{\"b\":[2]}]}";
        Matches(top, "{\"a\":1}").ShouldBeTrue();
        Matches(top, "{\"b\":2}").ShouldBeTrue();
        Matches(top, "{\"a\":2,\"b\":1}").ShouldBeFalse();

        const string withSibling = "{\"source\":[\"s\"],\"detail\":{\"$or\":[{\"c\":[{\"numeric\":[\">\",0]}]},{\"d\":[\"x\"]}]}}";
        Matches(withSibling, "{\"source\":\"s\",\"detail\":{\"d\":\"x\"}}").ShouldBeTrue();
        Matches(withSibling, "{\"source\":\"t\",\"detail\":{\"d\":\"x\"}}").ShouldBeFalse();

        const string nested = "{\"$or\":[{\"a\":[1]},{\"$or\":[{\"b\":[2]},{\"c\":[3]}]}]}";
        Matches(nested, "{\"c\":3}").ShouldBeTrue();
        Matches(nested, "{\"d\":3}").ShouldBeFalse();
    }

    [Fact]
    public void or_is_a_plain_field_name_where_it_is_not_an_or_list()
    {
        Matches("{\"$or\":[{\"cidr\":\"10.0.0.0/24\"}]}", "{\"$or\":\"10.0.0.9\"}").ShouldBeTrue();
        Matches("{\"$or\":[{\"cidr\":\"10.0.0.0/24\"}]}", "{\"other\":\"10.0.0.9\"}").ShouldBeFalse();
        Matches("{\"$or\":{\"namespace\":[\"AWS/EC2\"]}}", "{\"$or\":{\"namespace\":\"AWS/EC2\"}}").ShouldBeTrue();
        Matches("{\"detail\":{\"$or\":[{\"numeric\":[\">\",0,\"<=\",5]},{\"numeric\":[\">\",10]}]}}", "{\"detail\":{\"$or\":11}}").ShouldBeTrue();
    }

    [Fact]
    public void dotted_keys_are_the_same_path_as_nesting()
    {
        Matches("{\"a.b\":[\"x\"]}", "{\"a\":{\"b\":\"x\"}}").ShouldBeTrue();
        Matches("{\"a\":{\"b\":[\"x\"]}}", "{\"a.b\":\"x\"}").ShouldBeTrue();
        Matches("{\"a\":{\"b\":{\"c\":[\"x\"]}}}", "{\"a.b\":{\"c\":\"x\"}}").ShouldBeTrue();
    }

    [Fact]
    public void escapes_and_non_ascii_text_compare_decoded()
    {
        Matches("{\"f\":[\"é\"]}", "{\"f\":\"\\u00e9\"}").ShouldBeTrue();
        Matches("{\"f\":[\"a\\nb\"]}", "{\"f\":\"a\\nb\"}").ShouldBeTrue();
        Matches("{\"f\":[\"😀\"]}", "{\"f\":\"\\ud83d\\ude00\"}").ShouldBeTrue();
        Matches("{\"f\\u00e9\":[\"x\"]}", "{\"fé\":\"x\"}").ShouldBeTrue();
        Matches("{\"fé\":[\"x\"]}", "{\"f\\u00e9\":\"x\"}").ShouldBeTrue();
        Matches("{\"f\":[{\"prefix\":\"\\\"q\"}]}", "{\"f\":\"\\\"quoted\\\"\"}").ShouldBeTrue();
        Matches("{\"日本\":[{\"equals-ignore-case\":\"ÀB\"}]}", "{\"日本\":\"àb\"}").ShouldBeTrue();
    }

    [Fact]
    public void a_key_given_twice_in_a_pattern_keeps_the_later_value()
    {
        var directory = SharedData.PathOf("conformance", "eventbridge-patterns", "templates");
        var pattern = File.ReadAllText(Path.Combine(directory, "complex_multi_key_event_pattern.json"));
        var @event = File.ReadAllText(Path.Combine(directory, "complex_multi_key_event.json"));

        // location: [prefix "us-"] then location: [anything-but "us-east"]; the event says eu-central-1.
        Matches(pattern, @event).ShouldBeTrue();
        Matches(pattern, @event.Replace("eu-central-1", "us-east", StringComparison.Ordinal)).ShouldBeFalse();
    }

    [Fact]
    public void arrays_in_events_match_when_any_element_matches()
    {
        Matches("{\"r\":[\"b\"]}", "{\"r\":[\"a\",\"b\",\"c\"]}").ShouldBeTrue();
        Matches("{\"r\":[\"d\"]}", "{\"r\":[\"a\",\"b\",\"c\"]}").ShouldBeFalse();
        Matches("{\"r\":[\"b\"]}", "{\"r\":[[\"a\"],[\"b\"]]}").ShouldBeTrue();
        Matches("{\"r\":{\"k\":[2]}}", "{\"r\":[{\"k\":1},{\"k\":2}]}").ShouldBeTrue();
        Matches("{\"r\":[{\"anything-but\":\"a\"}]}", "{\"r\":[\"a\",\"b\"]}").ShouldBeTrue();
        Matches("{\"r\":[{\"anything-but\":\"a\"}]}", "{\"r\":[\"a\",\"a\"]}").ShouldBeFalse();
    }
}
