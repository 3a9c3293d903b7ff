using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// Array-consistent matching (event-ruler's rulesForJSONEvent): the fields a clause needs may not be
/// taken from different elements of the same array. Expected outcomes come from event-ruler's tests
/// (GenericMachineTest.nestedArraysTest and arraysBugTest, ACMachineTest.songsACTest and
/// intensitiesACTest) and its Event.java, which records an array element's membership only for
/// elements that are objects or arrays.
/// </summary>
public sealed class ArrayConsistencyTests
{
    private static string ReadData(string file) => File.ReadAllText(SharedData.PathOf("bench-data", file));

    private static bool Matches(string pattern, string eventJson) => EventPattern.Parse(pattern).Matches(eventJson);

    /// <summary>GenericMachineTest.nestedArraysTest: the rulesForJSONEvent results.</summary>
    [Fact]
    public void event_ruler_nested_arrays_rules_match_as_in_event_ruler()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("rule1", ReadData("arrayRule1.json"));
        matcher.Add("rule2", ReadData("arrayRule2.json"));
        matcher.Add("rule3", ReadData("arrayRule3.json"));

        matcher.Match(Encoding.UTF8.GetBytes(ReadData("arrayEvent1.json"))).ShouldBe(["rule1", "rule2"], ignoreOrder: true);
        matcher.Match(Encoding.UTF8.GetBytes(ReadData("arrayEvent2.json"))).ShouldBeEmpty();

        // rulesForEvent (no array consistency) would match rule3 here: CPUUtilization and AWS/ES come from different elements.
        matcher.Match(Encoding.UTF8.GetBytes(ReadData("arrayEvent3.json"))).ShouldBeEmpty();
        matcher.Match(Encoding.UTF8.GetBytes(ReadData("arrayEvent4.json"))).ShouldBe(["rule3"]);
    }

    /// <summary>
    /// arrayRule4.json is not used by any event-ruler or quamina test we could find; these outcomes are
    /// derived by reasoning: rule4 needs metrics.metricName and metrics.namespace from one element of
    /// the top-level "metrics" array, which arrayEvent1/2 do not have (their metrics sit under
    /// detail.configuration).
    /// </summary>
    [Theory]
    [InlineData("arrayEvent1.json", false)]
    [InlineData("arrayEvent2.json", false)]
    [InlineData("arrayEvent3.json", true)]
    [InlineData("arrayEvent4.json", true)]
    public void array_rule_4_matches_when_one_element_holds_both_fields(string eventFile, bool expected) =>
        Matches(ReadData("arrayRule4.json"), ReadData(eventFile)).ShouldBe(expected);

    [Fact]
    public void array_rule_4_does_not_combine_fields_of_different_elements()
    {
        var rule = ReadData("arrayRule4.json");
        Matches(rule, """{"metrics":[{"metricName":"CPUUtilization","namespace":"AWS/Lambda"},{"metricName":"Invocations","namespace":"AWS/ES"}]}""")
            .ShouldBeFalse();
        Matches(rule, """{"metrics":[{"metricName":"Invocations","namespace":"AWS/Lambda"},{"metricName":"ReadLatency","namespace":"AWS/EC2"}]}""")
            .ShouldBeTrue();
    }

    /// <summary>GenericMachineTest.arraysBugTest.</summary>
    [Fact]
    public void hypotheses_from_different_elements_do_not_combine()
    {
        const string eventJson = """
            {
              "requestContext": { "obfuscatedCustomerId": "AIDACKCEVSQ6C2EXAMPLE" },
              "hypotheses": [
                { "isBluePrint": true, "creator": "A123" },
                { "isBluePrint": false, "creator": "A234" }
              ]
            }
            """;
        using var matcher = new PatternMatcher<string>();
        matcher.Add("r1", """{"hypotheses":{"isBluePrint":[false],"creator":["A123"]}}""");
        matcher.Add("r2", """{"hypotheses":{"isBluePrint":[true],"creator":["A234"]}}""");
        matcher.Add("r3", """{"hypotheses":{"isBluePrint":[true],"creator":["A123"]}}""");
        matcher.Match(Encoding.UTF8.GetBytes(eventJson)).ShouldBe(["r3"]);
    }

    /// <summary>ACMachineTest.songsACTest: nested arrays of writers inside an array of songs.</summary>
    [Fact]
    public void songs_and_writers_match_only_within_one_song_and_one_writer()
    {
        const string songs = """
            {
              "Year": 1966,
              "Genres": [ { "Pop": true }, { "Classical": false } ],
              "Songs": [
                {
                  "Name": "Paperback Writer",
                  "Writers": [
                    { "First": "John", "Last": "Lennon" },
                    { "First": "Paul", "Last": "McCartney" }
                  ]
                },
                {
                  "Name": "Paint It Black",
                  "Writers": [
                    { "First": "Mick", "Last": "Jagger" },
                    { "First": "Keith", "Last": "Richards" }
                  ]
                }
              ]
            }
            """;
        string[] shouldMatch =
        [
            """{"Year": [ 1966 ], "Songs": { "Name":[ "Paperback Writer" ], "Writers": { "First": [ "Paul" ], "Last":["McCartney"]}}}""",
            """{"Genres": { "Pop": [ true ] }, "Songs": { "Name":[ "Paint It Black" ] }}""",
            """{"Year": [ 1966 ], "Songs": { "Name":[ "Paint It Black" ] }}""",
            """{"Songs": { "Name":[ "Paperback Writer" ], "Writers": { "First": [ "Paul" ], "Last":["McCartney"]}}}""",
        ];
        string[] shouldFail =
        [
            """{"Year": [ 1966 ], "Songs": { "Name":[ "Paperback Writer" ], "Writers": { "First": [ "Mick" ] }}}""",
            """{"Songs": { "Writers": { "First": [ "Mick" ], "Last": [ "McCartney" ] }}}""",
            """{"Genres": { "Pop": [ true ] }, "Songs": { "Writers": { "First": [ "Mick" ], "Last": [ "McCartney" ] }}}""",
        ];
        using var matcher = new PatternMatcher<string>();
        for (var i = 0; i < shouldMatch.Length; i++)
        {
            matcher.Add("r" + i, shouldMatch[i]);
        }

        for (var i = 0; i < shouldFail.Length; i++)
        {
            matcher.Add("f" + i, shouldFail[i]);
        }

        matcher.Match(Encoding.UTF8.GetBytes(songs)).ShouldBe(["r0", "r1", "r2", "r3"], ignoreOrder: true);
    }

    /// <summary>
    /// ACMachineTest.intensitiesACTest: event-ruler matches. The number 287.48… is a leaf element of the
    /// innermost array and carries no membership of that array, so it agrees with the "pp" found in
    /// element 0 of the same array.
    /// </summary>
    [Fact]
    public void intensities_rule_from_event_ruler_matches()
    {
        const string intensities = """
            {
              "lines": [{
                "intensities": [ [ 0.5 ] ],
                "points": [
                  [
                    [ {"pp" : "index0"}, 483.3474497412421, 287.48116291799363 ],
                    [ {"pp" : "index1"}, 489.9999497412421, 299.99996291799363 ]
                  ]
                ]
              }]
            }
            """;
        const string rule = """
            {
              "lines": {
                "points": [287.48116291799363],
                "points": { "pp" : ["index0"] }
              }
            }
            """;
        Matches(rule, intensities).ShouldBeTrue();
    }

    /// <summary>
    /// The same without a duplicate key. event-ruler (Event.traverseArray) puts an array's membership only
    /// on elements that are objects or arrays; a leaf element is a value of the array's own path and
    /// agrees with any element of that array.
    /// </summary>
    [Fact]
    public void a_leaf_element_combines_with_fields_of_object_elements_of_the_same_array()
    {
        Matches("""{"a":["y"],"a.b":["x"]}""", """{"a":["y",{"b":"x"}]}""").ShouldBeTrue();
        Matches("""{"lines":{"points":[287.48116291799363],"points.pp":["index0"]}}""",
            """{"lines":[{"points":[[[{"pp":"index0"},483.3474497412421,287.48116291799363]]]}]}""").ShouldBeTrue();
    }

    // ---- hand-written cases -----------------------------------------------------------------------

    private const string TwoElements = """{"a":[{"b":1,"c":2},{"b":3,"c":4}]}""";

    [Theory]
    [InlineData("""{"a":{"b":[1],"c":[2]}}""", true)]
    [InlineData("""{"a":{"b":[3],"c":[4]}}""", true)]
    [InlineData("""{"a":{"b":[1],"c":[4]}}""", false)]
    [InlineData("""{"a":{"b":[3],"c":[2]}}""", false)]
    [InlineData("""{"a":{"b":[1,3],"c":[4]}}""", true)]
    [InlineData("""{"a":{"b":[{"numeric":["<",2]}],"c":[{"numeric":[">",3]}]}}""", false)]
    [InlineData("""{"a":{"b":[{"numeric":["<",4]}],"c":[{"numeric":[">",3]}]}}""", true)]
    [InlineData("""{"a":{"b":[1],"c":[{"anything-but":2}]}}""", false)]
    [InlineData("""{"a":{"b":[3],"c":[{"anything-but":2}]}}""", true)]
    [InlineData("""{"a":{"b":[1],"c":[{"exists":true}]}}""", true)]
    [InlineData("""{"a":{"b":[1],"d":[{"exists":true}]}}""", false)]
    [InlineData("""{"a.b":[1],"a.c":[4]}""", false)]
    [InlineData("""{"$or":[{"a":{"b":[1],"c":[4]}},{"x":["y"]}]}""", false)]
    [InlineData("""{"$or":[{"a":{"b":[1],"c":[4]}},{"a":{"b":[3],"c":[4]}}]}""", true)]
    [InlineData("""{"a":{"b":[1],"$or":[{"c":[4]},{"c":[5]}]}}""", false)]
    [InlineData("""{"a":{"b":[3],"$or":[{"c":[4]},{"c":[5]}]}}""", true)]
    public void fields_from_different_elements_of_one_array_never_combine(string pattern, bool expected) =>
        Matches(pattern, TwoElements).ShouldBe(expected);

    [Fact]
    public void one_field_outside_the_array_combines_with_one_inside()
    {
        const string eventJson = """{"x":"y","a":[{"b":1},{"b":2}],"n":{"m":true}}""";
        Matches("""{"x":["y"],"a":{"b":[1]}}""", eventJson).ShouldBeTrue();
        Matches("""{"x":["y"],"a":{"b":[2]},"n":{"m":[true]}}""", eventJson).ShouldBeTrue();
        Matches("""{"x":["z"],"a":{"b":[1]}}""", eventJson).ShouldBeFalse();
    }

    [Fact]
    public void fields_from_different_arrays_combine_freely()
    {
        const string eventJson = """{"a":[{"b":1},{"b":2}],"c":[{"d":3},{"d":4}]}""";
        Matches("""{"a":{"b":[1]},"c":{"d":[4]}}""", eventJson).ShouldBeTrue();
        Matches("""{"a":{"b":[2]},"c":{"d":[3]}}""", eventJson).ShouldBeTrue();
        Matches("""{"a":{"b":[3]},"c":{"d":[3]}}""", eventJson).ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"a":{"b":{"c":[1],"d":[2]}}}""", true)]
    [InlineData("""{"a":{"b":{"c":[3],"d":[4]}}}""", true)]
    [InlineData("""{"a":{"b":{"c":[5],"d":[6]}}}""", true)]
    [InlineData("""{"a":{"b":{"c":[1],"d":[4]}}}""", false)]
    [InlineData("""{"a":{"b":{"c":[1],"d":[6]}}}""", false)]
    [InlineData("""{"a":{"b":{"c":[5]},"e":["first"]}}""", false)]
    [InlineData("""{"a":{"b":{"c":[5]},"e":["second"]}}""", true)]
    [InlineData("""{"a":{"b":{"c":[3]},"e":["first"]}}""", true)]
    [InlineData("""{"a":{"b":{"c":[1],"d":[2]},"e":["first"]}}""", true)]
    [InlineData("""{"a":{"b":{"c":[1],"d":[2]},"e":["second"]}}""", false)]
    public void nested_arrays_keep_each_level_consistent(string pattern, bool expected)
    {
        const string eventJson = """
            {"a":[
              {"e":"first","b":[{"c":1,"d":2},{"c":3,"d":4}]},
              {"e":"second","b":[{"c":5,"d":6}]}
            ]}
            """;
        Matches(pattern, eventJson).ShouldBe(expected);
    }

    [Fact]
    public void leaf_arrays_inside_one_element_combine_with_that_elements_fields()
    {
        const string eventJson = """{"a":[{"tags":["x","y"],"n":1},{"tags":["z"],"n":2}]}""";
        Matches("""{"a":{"tags":["y"],"n":[1]}}""", eventJson).ShouldBeTrue();
        Matches("""{"a":{"tags":["z"],"n":[1]}}""", eventJson).ShouldBeFalse();
        Matches("""{"a":{"tags":[{"prefix":"z"}],"n":[2]}}""", eventJson).ShouldBeTrue();
    }

    [Fact]
    public void arrays_of_arrays_are_consistent_per_inner_array()
    {
        const string eventJson = """{"m":[[{"k":"a","v":1},{"k":"b","v":2}],[{"k":"c","v":3}]]}""";
        Matches("""{"m":{"k":["a"],"v":[1]}}""", eventJson).ShouldBeTrue();
        Matches("""{"m":{"k":["c"],"v":[3]}}""", eventJson).ShouldBeTrue();
        Matches("""{"m":{"k":["a"],"v":[2]}}""", eventJson).ShouldBeFalse();
        Matches("""{"m":{"k":["a"],"v":[3]}}""", eventJson).ShouldBeFalse();
    }

    /// <summary>docs/compat/patterns.md: exists:false holds only when the path has no leaf anywhere in the event.</summary>
    [Fact]
    public void exists_false_is_judged_across_the_whole_array()
    {
        Matches("""{"a":{"b":[1],"c":[{"exists":false}]}}""", """{"a":[{"b":1},{"c":2}]}""").ShouldBeFalse();
        Matches("""{"a":{"b":[1],"c":[{"exists":false}]}}""", """{"a":[{"b":1},{"d":2}]}""").ShouldBeTrue();
    }

    [Fact]
    public void a_rule_matches_once_when_several_elements_satisfy_it()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("r", """{"a":{"b":[1],"c":[2]}}""");
        matcher.Match(Encoding.UTF8.GetBytes("""{"a":[{"b":1,"c":2},{"b":1,"c":2},{"b":1,"c":3}]}""")).ShouldBe(["r"]);
        matcher.CountMatches(Encoding.UTF8.GetBytes("""{"a":[{"b":1,"c":2},{"b":1,"c":2}]}""")).ShouldBe(1);
    }

    [Fact]
    public void many_elements_are_searched_for_a_consistent_one()
    {
        var builder = new StringBuilder("""{"a":[""");
        for (var i = 0; i < 200; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",").Append("{\"b\":").Append(i).Append(",\"c\":").Append(i + 1).Append('}');
        }

        var eventJson = builder.Append("]}").ToString();
        Matches("""{"a":{"b":[150],"c":[151]}}""", eventJson).ShouldBeTrue();
        Matches("""{"a":{"b":[150],"c":[150]}}""", eventJson).ShouldBeFalse();
        Matches("""{"a":{"b":[{"numeric":[">",198]}],"c":[{"numeric":["<",2]}]}}""", eventJson).ShouldBeFalse();
    }
}
