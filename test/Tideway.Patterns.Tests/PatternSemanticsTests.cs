using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// What each part of the pattern language matches, as Amazon EventBridge and aws/event-ruler define it
/// (../notes/pattern-validation.md §6), plus the choices recorded in docs/compat/patterns.md where
/// Tideway deliberately differs (full double range for numbers, per-code-point case folding).
/// </summary>
public sealed class PatternSemanticsTests
{
    private static bool Matches(string pattern, string eventJson) => EventPattern.Parse(pattern).Matches(eventJson);

    // ---- exact values ------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"a":["x"]}""", """{"a":"x"}""", true)]
    [InlineData("""{"a":["x"]}""", """{"a":"y"}""", false)]
    [InlineData("""{"a":["x"]}""", """{"a":"X"}""", false)]
    [InlineData("""{"a":["x"]}""", """{"a":"x "}""", false)]
    [InlineData("""{"a":[5]}""", """{"a":5}""", true)]
    [InlineData("""{"a":[5]}""", """{"a":6}""", false)]
    [InlineData("""{"a":[-1.5]}""", """{"a":-1.5}""", true)]
    [InlineData("""{"a":[0]}""", """{"a":-0}""", true)]
    [InlineData("""{"a":[true]}""", """{"a":true}""", true)]
    [InlineData("""{"a":[true]}""", """{"a":false}""", false)]
    [InlineData("""{"a":[true]}""", """{"a":"true"}""", false)]
    [InlineData("""{"a":[true]}""", """{"a":1}""", false)]
    [InlineData("""{"a":[false]}""", """{"a":false}""", true)]
    [InlineData("""{"a":[false]}""", """{"a":0}""", false)]
    [InlineData("""{"a":[false]}""", """{"a":null}""", false)]
    [InlineData("""{"a":[null]}""", """{"a":null}""", true)]
    public void exact_values_match_only_the_same_value_of_the_same_type(string pattern, string eventJson, bool expected) =>
        Matches(pattern, eventJson).ShouldBe(expected);

    [Theory]
    [InlineData("""{"a":"x"}""", true)]
    [InlineData("""{"a":"y"}""", true)]
    [InlineData("""{"a":5}""", true)]
    [InlineData("""{"a":null}""", true)]
    [InlineData("""{"a":"z"}""", false)]
    [InlineData("""{"a":6}""", false)]
    [InlineData("""{"a":"5"}""", false)]
    [InlineData("""{"b":"x"}""", false)]
    public void values_listed_in_a_pattern_array_are_alternatives(string eventJson, bool expected) =>
        Matches("""{"a":["x","y",5,null]}""", eventJson).ShouldBe(expected);

    [Theory]
    [InlineData("""{"a":"x","b":"y"}""", true)]
    [InlineData("""{"b":"y","a":"x"}""", true)]
    [InlineData("""{"a":"x","b":"y","c":[1,2,{"d":true}]}""", true)]
    [InlineData("""{"a":"x"}""", false)]
    [InlineData("""{"b":"y"}""", false)]
    [InlineData("""{"a":"x","b":"z"}""", false)]
    [InlineData("""{}""", false)]
    public void every_key_of_a_pattern_must_match(string eventJson, bool expected) =>
        Matches("""{"a":["x"],"b":["y"]}""", eventJson).ShouldBe(expected);

    [Theory]
    [InlineData("""{"detail":{"state":{"name":"running"}}}""", true)]
    [InlineData("""{"detail":{"other":1,"state":{"code":16,"name":"running"}}}""", true)]
    [InlineData("""{"detail":{"name":"running"}}""", false)]
    [InlineData("""{"state":{"name":"running"}}""", false)]
    [InlineData("""{"detail":{"state":"running"}}""", false)]
    [InlineData("""{"detail":{"state":{"name":{"value":"running"}}}}""", false)]
    [InlineData("""{"detail":{"state":{"name":"stopped"}}}""", false)]
    public void nested_pattern_objects_descend_into_nested_event_objects(string eventJson, bool expected) =>
        Matches("""{"detail":{"state":{"name":["running"]}}}""", eventJson).ShouldBe(expected);

    // ---- numbers -------------------------------------------------------------------------------

    [Theory]
    [InlineData("5", "5")]
    [InlineData("5", "5.0")]
    [InlineData("5", "5e0")]
    [InlineData("5", "0.5e1")]
    [InlineData("5", "5.000")]
    [InlineData("5", "50e-1")]
    [InlineData("5", "5E+0")]
    [InlineData("5.0", "5")]
    [InlineData("5e0", "5")]
    [InlineData("0.5e1", "5")]
    [InlineData("0.5e1", "5.0")]
    [InlineData("-2.5", "-25e-1")]
    [InlineData("0", "-0.0")]
    public void numbers_equal_across_spellings(string patternNumber, string eventNumber)
    {
        Matches("""{"a":[""" + patternNumber + "]}", """{"a":""" + eventNumber + "}").ShouldBeTrue();
        Matches("""{"a":[{"numeric":["=",""" + patternNumber + "]}]}", """{"a":""" + eventNumber + "}").ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{"a":["5"]}""", """{"a":5}""")]
    [InlineData("""{"a":[5]}""", """{"a":"5"}""")]
    [InlineData("""{"a":["5.0"]}""", """{"a":5.0}""")]
    [InlineData("""{"a":[{"numeric":["=",5]}]}""", """{"a":"5"}""")]
    [InlineData("""{"a":[{"numeric":[">",0]}]}""", """{"a":"5"}""")]
    [InlineData("""{"a":[{"numeric":[">=",0,"<=",10]}]}""", """{"a":"5"}""")]
    [InlineData("""{"a":[{"numeric":["<",10]}]}""", """{"a":null}""")]
    [InlineData("""{"a":[{"numeric":["<",10]}]}""", """{"a":false}""")]
    public void a_string_never_equals_a_number(string pattern, string eventJson) =>
        Matches(pattern, eventJson).ShouldBeFalse();

    [Theory]
    [InlineData("""{"a":[{"numeric":["=",5]}]}""", "5", true)]
    [InlineData("""{"a":[{"numeric":["=",5]}]}""", "4.999999", false)]
    [InlineData("""{"a":[{"numeric":["=",5]}]}""", "5.000001", false)]
    [InlineData("""{"a":[{"numeric":["<",10]}]}""", "9.999999", true)]
    [InlineData("""{"a":[{"numeric":["<",10]}]}""", "10", false)]
    [InlineData("""{"a":[{"numeric":["<",10]}]}""", "-4999999999", true)]
    [InlineData("""{"a":[{"numeric":["<=",10]}]}""", "10", true)]
    [InlineData("""{"a":[{"numeric":["<=",10]}]}""", "10.000001", false)]
    [InlineData("""{"a":[{"numeric":[">",0]}]}""", "0", false)]
    [InlineData("""{"a":[{"numeric":[">",0]}]}""", "0.000001", true)]
    [InlineData("""{"a":[{"numeric":[">",0]}]}""", "-1", false)]
    [InlineData("""{"a":[{"numeric":[">=",0]}]}""", "0", true)]
    [InlineData("""{"a":[{"numeric":[">=",0]}]}""", "-0", true)]
    [InlineData("""{"a":[{"numeric":[">=",0]}]}""", "-0.000001", false)]
    [InlineData("""{"a":[{"numeric":[">",0,"<",10]}]}""", "0", false)]
    [InlineData("""{"a":[{"numeric":[">",0,"<",10]}]}""", "5", true)]
    [InlineData("""{"a":[{"numeric":[">",0,"<",10]}]}""", "10", false)]
    [InlineData("""{"a":[{"numeric":[">=",0,"<=",10]}]}""", "0", true)]
    [InlineData("""{"a":[{"numeric":[">=",0,"<=",10]}]}""", "10", true)]
    [InlineData("""{"a":[{"numeric":[">=",0,"<=",10]}]}""", "10.5", false)]
    [InlineData("""{"a":[{"numeric":[">=",0,"<=",10]}]}""", "-0.5", false)]
    [InlineData("""{"a":[{"numeric":[">",0,"<=",10]}]}""", "0", false)]
    [InlineData("""{"a":[{"numeric":[">",0,"<=",10]}]}""", "10", true)]
    [InlineData("""{"a":[{"numeric":[">=",0,"<",10]}]}""", "0", true)]
    [InlineData("""{"a":[{"numeric":[">=",0,"<",10]}]}""", "10", false)]
    [InlineData("""{"a":[{"numeric":[">=",-5e9,"<=",5e9]}]}""", "5000000000", true)]
    [InlineData("""{"a":[{"numeric":[">=",-5e9,"<=",5e9]}]}""", "-5000000000", true)]
    [InlineData("""{"a":[{"numeric":[">",1.5,"<",1.500002]}]}""", "1.500001", true)]
    [InlineData("""{"a":[{"numeric":["<",0]},{"numeric":[">",10]}]}""", "5", false)]
    [InlineData("""{"a":[{"numeric":["<",0]},{"numeric":[">",10]}]}""", "-1", true)]
    [InlineData("""{"a":[{"numeric":["<",0]},{"numeric":[">",10]}]}""", "11", true)]
    [InlineData("""{"a":[{"numeric":[">",10]}]}""", "[1,20]", true)]
    [InlineData("""{"a":[{"numeric":[">",10]}]}""", "[1,2]", false)]
    public void numeric_comparisons_respect_their_bounds(string pattern, string eventValue, bool expected) =>
        Matches(pattern, """{"a":""" + eventValue + "}").ShouldBe(expected);

    /// <summary>
    /// event-ruler limits numeric matching to ±5e9 (or ±5e11) with six decimals; Tideway compares the
    /// full double range at full precision (docs/compat/patterns.md, "Numeric range").
    /// </summary>
    [Theory]
    [InlineData("""{"a":[{"numeric":[">",1e299]}]}""", "1e300", true)]
    [InlineData("""{"a":[{"numeric":[">=",1e300]}]}""", "1e300", true)]
    [InlineData("""{"a":[{"numeric":["<",1e300]}]}""", "1e300", false)]
    [InlineData("""{"a":[{"numeric":["<",1e300]}]}""", "9.99999999999999e299", true)]
    [InlineData("""{"a":[{"numeric":["=",1e300]}]}""", "1.0E+300", true)]
    [InlineData("""{"a":[{"numeric":["<",-1e299]}]}""", "-1e300", true)]
    [InlineData("""{"a":[{"numeric":[">",-1e300]}]}""", "-1e300", false)]
    [InlineData("""{"a":[{"numeric":["<=",-1e300]}]}""", "-1e300", true)]
    [InlineData("""{"a":[{"numeric":[">",0]}]}""", "5e-324", true)]
    [InlineData("""{"a":[{"numeric":["=",0]}]}""", "5e-324", false)]
    [InlineData("""{"a":[{"numeric":["=",5e-324]}]}""", "5e-324", true)]
    [InlineData("""{"a":[{"numeric":["<",5e-324]}]}""", "0", true)]
    [InlineData("""{"a":[{"numeric":[">",0,"<",1e-300]}]}""", "5e-324", true)]
    [InlineData("""{"a":[{"numeric":[">",1e300]}]}""", "1.7976931348623157e308", true)]
    [InlineData("""{"a":[1e300]}""", "1e300", true)]
    [InlineData("""{"a":[1e300]}""", "1.0e300", true)]
    [InlineData("""{"a":[-1e300]}""", "-1e300", true)]
    [InlineData("""{"a":[-1e300]}""", "1e300", false)]
    [InlineData("""{"a":[5e-324]}""", "5e-324", true)]
    [InlineData("""{"a":[5e-324]}""", "0", false)]
    public void very_large_and_very_small_doubles_compare_exactly(string pattern, string eventValue, bool expected) =>
        Matches(pattern, """{"a":""" + eventValue + "}").ShouldBe(expected);

    // ---- arrays in events ---------------------------------------------------------------------

    [Theory]
    [InlineData("""{"a":["y","x"]}""", true)]
    [InlineData("""{"a":["x"]}""", true)]
    [InlineData("""{"a":[["z"],["x"]]}""", true)]
    [InlineData("""{"a":[1,null,"x",true]}""", true)]
    [InlineData("""{"a":["y","z"]}""", false)]
    [InlineData("""{"a":[]}""", false)]
    [InlineData("""{"a":[{"x":"x"}]}""", false)]
    public void an_event_array_matches_when_any_element_matches(string eventJson, bool expected) =>
        Matches("""{"a":["x"]}""", eventJson).ShouldBe(expected);

    // ---- prefix, suffix, equals-ignore-case ---------------------------------------------------

    [Theory]
    [InlineData("""{"a":[{"prefix":"us-"}]}""", "\"us-east-1\"", true)]
    [InlineData("""{"a":[{"prefix":"us-"}]}""", "\"us-\"", true)]
    [InlineData("""{"a":[{"prefix":"us-"}]}""", "\"eu-west-1\"", false)]
    [InlineData("""{"a":[{"prefix":"us-"}]}""", "\"US-east-1\"", false)]
    [InlineData("""{"a":[{"prefix":"us-"}]}""", "\"us\"", false)]
    [InlineData("""{"a":[{"prefix":"1"}]}""", "123", false)]
    [InlineData("""{"a":[{"prefix":""}]}""", "\"\"", true)]
    [InlineData("""{"a":[{"prefix":""}]}""", "\"anything\"", true)]
    [InlineData("""{"a":[{"prefix":""}]}""", "5", false)]
    [InlineData("""{"a":[{"prefix":""}]}""", "null", false)]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":"US-"}}]}""", "\"us-east-1\"", true)]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":"US-"}}]}""", "\"Us-east-1\"", true)]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":"US-"}}]}""", "\"eu-west-1\"", false)]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":"ÉC"}}]}""", "\"école\"", true)]
    [InlineData("""{"a":[{"suffix":".png"}]}""", "\"image.png\"", true)]
    [InlineData("""{"a":[{"suffix":".png"}]}""", "\"image.PNG\"", false)]
    [InlineData("""{"a":[{"suffix":".png"}]}""", "\"png\"", false)]
    [InlineData("""{"a":[{"suffix":".png"}]}""", "\"image.png.gz\"", false)]
    [InlineData("""{"a":[{"suffix":"5"}]}""", "15", false)]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":".PNG"}}]}""", "\"image.png\"", true)]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":".PNG"}}]}""", "\"image.Png\"", true)]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":".PNG"}}]}""", "\"image.jpg\"", false)]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":"φος"}}]}""", "\"ΣΊΣΥΦΟΣ\"", true)]
    public void prefix_and_suffix_match_the_start_and_end_of_strings_only(string pattern, string eventValue, bool expected) =>
        Matches(pattern, """{"a":""" + eventValue + "}").ShouldBe(expected);

    [Theory]
    [InlineData("ALICE", "alice", true)]
    [InlineData("ALICE", "aLiCe", true)]
    [InlineData("alice", "ALICE", true)]
    [InlineData("ALICE", "alicia", false)]
    [InlineData("ALICE", "alice ", false)]
    [InlineData("ÉCOLE", "école", true)]
    [InlineData("école", "ÉCOLE", true)]
    [InlineData("école", "École", true)]
    [InlineData("ÉCOLE", "ecole", false)]
    [InlineData("ÉCOLE", "ÈCOLE", false)]
    [InlineData("σίσυφος", "ΣΊΣΥΦΟΣ", true)]
    [InlineData("ΣΊΣΥΦΟΣ", "ΣΊΣΥΦΟΣ", true)]
    [InlineData("ΣΊΣΥΦΟΣ", "σίσυφοσ", true)]
    [InlineData("ΣΊΣΥΦΟΣ", "ΣΊΣΥΦΟΥ", false)]
    [InlineData("ΣΊΣΥΦΟΣ", "σισυφος", false)]
    [InlineData("ДОБРЫЙ", "добрый", true)]
    [InlineData("ДОБРЫЙ", "добрыи", false)]
    public void equals_ignore_case_ignores_case_but_not_letters(string patternValue, string eventValue, bool expected) =>
        Matches("""{"a":[{"equals-ignore-case":""" + JsonString(patternValue) + "}]}", """{"a":""" + JsonString(eventValue) + "}")
            .ShouldBe(expected);

    /// <summary>
    /// Final sigma: Tideway folds every code point (Σ, σ and ς all fold to σ), a choice recorded in
    /// docs/compat/patterns.md. event-ruler accepts, per pattern char, only its Java lower and upper
    /// case (so a pattern Σ accepts σ and Σ but not ς); the reverse direction agrees in both.
    /// </summary>
    [Fact]
    public void equals_ignore_case_matches_a_final_sigma_against_a_capital_sigma()
    {
        Matches("""{"a":[{"equals-ignore-case":"ΣΊΣΥΦΟΣ"}]}""", """{"a":"σίσυφος"}""").ShouldBeTrue();
        Matches("""{"a":[{"equals-ignore-case":"σίσυφος"}]}""", """{"a":"ΣΊΣΥΦΟΣ"}""").ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{"a":[{"equals-ignore-case":"5"}]}""", "5")]
    [InlineData("""{"a":[{"equals-ignore-case":"true"}]}""", "true")]
    [InlineData("""{"a":[{"equals-ignore-case":"null"}]}""", "null")]
    [InlineData("""{"a":[{"equals-ignore-case":"NULL"}]}""", "null")]
    public void equals_ignore_case_matches_strings_only(string pattern, string eventValue) =>
        Matches(pattern, """{"a":""" + eventValue + "}").ShouldBeFalse();

    // ---- wildcard ----------------------------------------------------------------------------

    [Theory]
    [InlineData("a*c", "abc", true)]
    [InlineData("a*c", "ac", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "ab", false)]
    [InlineData("a*c", "xabc", false)]
    [InlineData("a*c", "abcx", false)]
    [InlineData("*.png", "image.png", true)]
    [InlineData("*.png", ".png", true)]
    [InlineData("*.png", "image.pngx", false)]
    [InlineData("user/*", "user/1", true)]
    [InlineData("user/*", "user/", true)]
    [InlineData("user/*", "use", false)]
    [InlineData("*/init/*", "a/init/b", true)]
    [InlineData("*/init/*", "/init/", true)]
    [InlineData("*/init/*", "a/ini/b", false)]
    [InlineData("*ab*ab", "xabyab", true)]
    [InlineData("*ab*ab", "xab", false)]
    [InlineData("a*a", "a", false)]
    [InlineData("a*a", "aa", true)]
    [InlineData("a*a*a", "aa", false)]
    [InlineData("a*a*a", "aaa", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything at all", true)]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "abcd", false)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("é*é", "été", true)]
    [InlineData("é*é", "étE", false)]
    public void wildcard_stars_stand_for_any_run_of_characters(string wildcard, string eventValue, bool expected) =>
        Matches("""{"a":[{"wildcard":""" + JsonString(wildcard) + "}]}", """{"a":""" + JsonString(eventValue) + "}")
            .ShouldBe(expected);

    [Theory]
    [InlineData(@"a\*c", "a*c", true)]
    [InlineData(@"a\*c", "abc", false)]
    [InlineData(@"a\*c", "a**c", false)]
    [InlineData(@"a\\c", @"a\c", true)]
    [InlineData(@"a\\c", @"a\\c", false)]
    [InlineData(@"a\\c", "ac", false)]
    [InlineData(@"\**", "*", true)]
    [InlineData(@"\**", "*abc", true)]
    [InlineData(@"\**", "abc", false)]
    [InlineData(@"*\\*", @"x\y", true)]
    [InlineData(@"*\\*", "xy", false)]
    [InlineData(@"\\\*", @"\*", true)]
    [InlineData(@"\\\*", @"\x", false)]
    public void wildcard_escapes_stand_for_a_literal_star_or_backslash(string wildcard, string eventValue, bool expected) =>
        Matches("""{"a":[{"wildcard":""" + JsonString(wildcard) + "}]}", """{"a":""" + JsonString(eventValue) + "}")
            .ShouldBe(expected);

    [Theory]
    [InlineData("5")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{\"b\":\"x\"}")]
    public void wildcard_matches_strings_only(string eventValue) =>
        Matches("""{"a":[{"wildcard":"*"}]}""", """{"a":""" + eventValue + "}").ShouldBeFalse();

    // ---- anything-but -------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"anything-but":"x"}""", "\"y\"", true)]
    [InlineData("""{"anything-but":"x"}""", "\"x\"", false)]
    [InlineData("""{"anything-but":"x"}""", "\"X\"", true)]
    [InlineData("""{"anything-but":"x"}""", "null", true)]
    [InlineData("""{"anything-but":"x"}""", "5", true)]
    [InlineData("""{"anything-but":"x"}""", "true", true)]
    [InlineData("""{"anything-but":"x"}""", "[\"x\",\"y\"]", true)]
    [InlineData("""{"anything-but":"x"}""", "[\"x\"]", false)]
    [InlineData("""{"anything-but":"5"}""", "5", true)]
    [InlineData("""{"anything-but":["x","y"]}""", "\"z\"", true)]
    [InlineData("""{"anything-but":["x","y"]}""", "\"x\"", false)]
    [InlineData("""{"anything-but":["x","y"]}""", "\"y\"", false)]
    [InlineData("""{"anything-but":["x","y"]}""", "null", true)]
    [InlineData("""{"anything-but":["x","y"]}""", "1", true)]
    [InlineData("""{"anything-but":5}""", "6", true)]
    [InlineData("""{"anything-but":5}""", "5", false)]
    [InlineData("""{"anything-but":5}""", "5.0", false)]
    [InlineData("""{"anything-but":5}""", "0.5e1", false)]
    [InlineData("""{"anything-but":5}""", "\"5\"", true)]
    [InlineData("""{"anything-but":5}""", "null", true)]
    [InlineData("""{"anything-but":5}""", "false", true)]
    [InlineData("""{"anything-but":[1,2]}""", "3", true)]
    [InlineData("""{"anything-but":[1,2]}""", "2", false)]
    [InlineData("""{"anything-but":[1,2]}""", "2e0", false)]
    [InlineData("""{"anything-but":[1,2]}""", "\"1\"", true)]
    [InlineData("""{"anything-but":[1,2]}""", "[1,2]", false)]
    [InlineData("""{"anything-but":[1,2]}""", "[1,2,3]", true)]
    public void anything_but_values_exclude_exactly_those_values(string expression, string eventValue, bool expected) =>
        Matches("""{"a":[""" + expression + "]}", """{"a":""" + eventValue + "}").ShouldBe(expected);

    [Theory]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "\"initial\"", false)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "\"init\"", false)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "\"running\"", true)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "\"\"", true)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "\"Initial\"", true)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "null", true)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "12", true)]
    [InlineData("""{"anything-but":{"prefix":"init"}}""", "false", true)]
    [InlineData("""{"anything-but":{"prefix":["a","b"]}}""", "\"apple\"", false)]
    [InlineData("""{"anything-but":{"prefix":["a","b"]}}""", "\"banana\"", false)]
    [InlineData("""{"anything-but":{"prefix":["a","b"]}}""", "\"cherry\"", true)]
    [InlineData("""{"anything-but":{"suffix":".tmp"}}""", "\"a.tmp\"", false)]
    [InlineData("""{"anything-but":{"suffix":".tmp"}}""", "\"a.txt\"", true)]
    [InlineData("""{"anything-but":{"suffix":".tmp"}}""", "null", true)]
    [InlineData("""{"anything-but":{"suffix":".tmp"}}""", "5", true)]
    [InlineData("""{"anything-but":{"suffix":[".tmp",".bak"]}}""", "\"a.bak\"", false)]
    [InlineData("""{"anything-but":{"suffix":[".tmp",".bak"]}}""", "\"a.doc\"", true)]
    [InlineData("""{"anything-but":{"equals-ignore-case":"Stopped"}}""", "\"STOPPED\"", false)]
    [InlineData("""{"anything-but":{"equals-ignore-case":"Stopped"}}""", "\"stopped\"", false)]
    [InlineData("""{"anything-but":{"equals-ignore-case":"Stopped"}}""", "\"running\"", true)]
    [InlineData("""{"anything-but":{"equals-ignore-case":"Stopped"}}""", "null", true)]
    [InlineData("""{"anything-but":{"equals-ignore-case":"Stopped"}}""", "5", true)]
    [InlineData("""{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}""", "\"overloaded\"", false)]
    [InlineData("""{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}""", "\"Running\"", true)]
    [InlineData("""{"anything-but":{"equals-ignore-case":["ÉCOLE"]}}""", "\"école\"", false)]
    [InlineData("""{"anything-but":{"wildcard":"*/init/*"}}""", "\"a/init/b\"", false)]
    [InlineData("""{"anything-but":{"wildcard":"*/init/*"}}""", "\"a/b\"", true)]
    [InlineData("""{"anything-but":{"wildcard":"*/init/*"}}""", "null", true)]
    [InlineData("""{"anything-but":{"wildcard":"*/init/*"}}""", "5", true)]
    [InlineData("""{"anything-but":{"wildcard":"*/init/*"}}""", "true", true)]
    [InlineData("""{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}""", "\"x/dir/y\"", false)]
    [InlineData("""{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}""", "\"x/doc/y\"", true)]
    [InlineData("""{"anything-but":{"wildcard":""}}""", "\"\"", false)]
    [InlineData("""{"anything-but":{"wildcard":""}}""", "\"x\"", true)]
    public void anything_but_operators_exclude_only_the_strings_they_describe(string expression, string eventValue, bool expected) =>
        Matches("""{"a":[""" + expression + "]}", """{"a":""" + eventValue + "}").ShouldBe(expected);

    public static TheoryData<string> FieldOperators() =>
    [
        """["x"]""",
        """[5]""",
        """[null]""",
        """[true]""",
        """[""]""",
        """[{"exactly":"x"}]""",
        """[{"prefix":""}]""",
        """[{"prefix":{"equals-ignore-case":"x"}}]""",
        """[{"suffix":""}]""",
        """[{"suffix":{"equals-ignore-case":"x"}}]""",
        """[{"equals-ignore-case":"x"}]""",
        """[{"wildcard":"*"}]""",
        """[{"numeric":[">",0]}]""",
        """[{"numeric":["<",0]}]""",
        """[{"cidr":"0.0.0.0/0"}]""",
        """[{"exists":true}]""",
        """[{"anything-but":"x"}]""",
        """[{"anything-but":["x","y"]}]""",
        """[{"anything-but":5}]""",
        """[{"anything-but":[5,6]}]""",
        """[{"anything-but":{"prefix":"x"}}]""",
        """[{"anything-but":{"suffix":"x"}}]""",
        """[{"anything-but":{"equals-ignore-case":"x"}}]""",
        """[{"anything-but":{"wildcard":"x*"}}]""",
    ];

    [Theory]
    [MemberData(nameof(FieldOperators))]
    public void every_operator_but_exists_false_needs_the_field_present(string values)
    {
        var pattern = EventPattern.Parse("""{"detail":{"a":""" + values + "}}");
        pattern.Matches("""{"detail":{"b":"x"}}""").ShouldBeFalse();
        pattern.Matches("""{"detail":{"a":[]}}""").ShouldBeFalse();
        pattern.Matches("""{"detail":{"a":{"b":"x"}}}""").ShouldBeFalse();
        pattern.Matches("""{"detail":"x"}""").ShouldBeFalse();
        pattern.Matches("""{"a":"x"}""").ShouldBeFalse();
        EventPattern.Parse("""{"detail":{"a":[{"exists":false}]}}""").Matches("""{"detail":{"b":"x"}}""").ShouldBeTrue();
    }

    // ---- exists --------------------------------------------------------------------------------

    [Theory]
    [InlineData("\"x\"", true)]
    [InlineData("\"\"", true)]
    [InlineData("0", true)]
    [InlineData("false", true)]
    [InlineData("null", true)]
    [InlineData("[null]", true)]
    [InlineData("[1,2]", true)]
    [InlineData("[{\"b\":1},\"x\"]", true)]
    [InlineData("{\"b\":1}", false)]
    [InlineData("{}", false)]
    [InlineData("[]", false)]
    [InlineData("[[]]", false)]
    [InlineData("[{\"b\":1}]", false)]
    public void exists_true_matches_any_leaf_including_null(string value, bool expected)
    {
        var exists = EventPattern.Parse("""{"a":[{"exists":true}]}""");
        var absent = EventPattern.Parse("""{"a":[{"exists":false}]}""");
        var eventJson = """{"a":""" + value + "}";
        exists.Matches(eventJson).ShouldBe(expected);
        absent.Matches(eventJson).ShouldBe(!expected);
    }

    [Fact]
    public void exists_false_matches_a_missing_field_and_exists_true_does_not()
    {
        EventPattern.Parse("""{"a":[{"exists":false}]}""").Matches("""{"b":"x"}""").ShouldBeTrue();
        EventPattern.Parse("""{"a":[{"exists":false}]}""").Matches("{}").ShouldBeTrue();
        EventPattern.Parse("""{"a":[{"exists":true}]}""").Matches("""{"b":"x"}""").ShouldBeFalse();
        EventPattern.Parse("""{"x":{"a":[{"exists":false}]}}""").Matches("""{"x":"leaf"}""").ShouldBeTrue();
        EventPattern.Parse("""{"x":{"a":[{"exists":false}]}}""").Matches("""{"x":{"a":{"b":1}}}""").ShouldBeTrue();
    }

    [Fact]
    public void exists_false_combines_with_other_keys()
    {
        var pattern = EventPattern.Parse("""{"source":["s"],"detail":{"error":[{"exists":false}]}}""");
        pattern.Matches("""{"source":"s","detail":{"ok":true}}""").ShouldBeTrue();
        pattern.Matches("""{"source":"s"}""").ShouldBeTrue();
        pattern.Matches("""{"source":"s","detail":{"error":null}}""").ShouldBeFalse();
        pattern.Matches("""{"source":"t","detail":{"ok":true}}""").ShouldBeFalse();
    }

    [Fact]
    public void exists_true_on_an_object_is_false_even_when_another_rule_descends_into_it()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("exists", """{"a":[{"exists":true}]}""");
        matcher.Add("absent", """{"a":[{"exists":false}]}""");
        matcher.Add("child", """{"a":{"b":[1]}}""");
        matcher.Match(Encoding.UTF8.GetBytes("""{"a":{"b":1}}""")).ShouldBe(["absent", "child"], ignoreOrder: true);
        matcher.Match(Encoding.UTF8.GetBytes("""{"a":[{"b":1}]}""")).ShouldBe(["absent", "child"], ignoreOrder: true);
        matcher.Match(Encoding.UTF8.GetBytes("""{"a":[{"b":1},7]}""")).ShouldBe(["exists", "child"], ignoreOrder: true);
        matcher.Match(Encoding.UTF8.GetBytes("""{"a":7}""")).ShouldBe(["exists"]);
    }

    // ---- cidr ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", true)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.0.17", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.0/24", "9.255.255.255", false)]
    [InlineData("10.0.0.7/24", "10.0.0.200", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("192.168.1.0/31", "192.168.1.1", true)]
    [InlineData("192.168.1.0/31", "192.168.1.2", false)]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/32", "2001:DB8::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "2001:db7:ffff::", false)]
    [InlineData("2001:db8:1234:1a00::/64", "2001:db8:1234:1a00:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8:1234:1a00::/64", "2001:db8:1234:1a01::", false)]
    [InlineData("::/0", "::1", true)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    [InlineData("0.0.0.0/0", "::1", false)]
    public void cidr_matches_addresses_inside_the_network(string cidr, string address, bool expected) =>
        Matches("""{"ip":[{"cidr":""" + JsonString(cidr) + "}]}", """{"ip":""" + JsonString(address) + "}").ShouldBe(expected);

    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("\"\"")]
    [InlineData("\"10.0.0\"")]
    [InlineData("\"10.0.0.1.5\"")]
    [InlineData("\"10.0.0.256\"")]
    [InlineData("\"10.0.0.1/32\"")]
    [InlineData("\" 10.0.0.1\"")]
    [InlineData("\"10.0.0.1 \"")]
    [InlineData("\"2001:db8::zz\"")]
    [InlineData("167772161")]
    [InlineData("null")]
    [InlineData("true")]
    public void cidr_never_matches_values_that_are_not_ip_address_strings(string value)
    {
        Matches("""{"ip":[{"cidr":"10.0.0.0/8"}]}""", """{"ip":""" + value + "}").ShouldBeFalse();
        Matches("""{"ip":[{"cidr":"0.0.0.0/0"}]}""", """{"ip":""" + value + "}").ShouldBeFalse();
        Matches("""{"ip":[{"cidr":"2001:db8::/32"}]}""", """{"ip":""" + value + "}").ShouldBeFalse();
    }

    /// <summary>event-ruler compares an exact value that parses as an IP as an address; Tideway compares text (docs/compat/patterns.md).</summary>
    [Fact]
    public void exact_values_that_look_like_ip_addresses_are_compared_as_text()
    {
        Matches("""{"ip":["10.0.0.1"]}""", """{"ip":"10.0.0.1"}""").ShouldBeTrue();
        Matches("""{"ip":["2001:db8::1"]}""", """{"ip":"2001:db8::1"}""").ShouldBeTrue();
        Matches("""{"ip":["2001:db8::1"]}""", """{"ip":"2001:0db8:0:0:0:0:0:1"}""").ShouldBeFalse();
    }

    // ---- $or -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"a":"1"}""", true)]
    [InlineData("""{"b":"2"}""", true)]
    [InlineData("""{"a":"1","b":"2"}""", true)]
    [InlineData("""{"a":"2","b":"1"}""", false)]
    [InlineData("""{}""", false)]
    public void or_at_the_top_level_matches_when_any_branch_matches(string eventJson, bool expected) =>
        Matches("""{"$or":[{"a":["1"]},{"b":["2"]}]}""", eventJson).ShouldBe(expected);

    [Theory]
    [InlineData("""{"detail":{"c":1}}""", true)]
    [InlineData("""{"detail":{"d":2}}""", true)]
    [InlineData("""{"detail":{"c":2,"d":1}}""", false)]
    [InlineData("""{"c":1}""", false)]
    [InlineData("""{"detail":{"detail":{"c":1}}}""", false)]
    public void or_inside_an_object_applies_to_that_objects_fields(string eventJson, bool expected) =>
        Matches("""{"detail":{"$or":[{"c":[1]},{"d":[2]}]}}""", eventJson).ShouldBe(expected);

    [Theory]
    [InlineData("""{"source":"s","a":"1"}""", true)]
    [InlineData("""{"source":"s","b":"2"}""", true)]
    [InlineData("""{"a":"1","b":"2"}""", false)]
    [InlineData("""{"source":"s"}""", false)]
    [InlineData("""{"source":"t","a":"1"}""", false)]
    public void or_is_anded_with_sibling_keys_before_and_after_it(string eventJson, bool expected)
    {
        Matches("""{"source":["s"],"$or":[{"a":["1"]},{"b":["2"]}]}""", eventJson).ShouldBe(expected);
        Matches("""{"$or":[{"a":["1"]},{"b":["2"]}],"source":["s"]}""", eventJson).ShouldBe(expected);
    }

    [Theory]
    [InlineData("""{"a":"1"}""", true)]
    [InlineData("""{"b":"2","c":"3"}""", true)]
    [InlineData("""{"b":"2","d":"4"}""", true)]
    [InlineData("""{"b":"2"}""", false)]
    [InlineData("""{"c":"3","d":"4"}""", false)]
    [InlineData("""{"b":"3","c":"3"}""", false)]
    public void or_nested_inside_an_or_branch_is_anded_with_that_branch(string eventJson, bool expected) =>
        Matches("""{"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]}""", eventJson).ShouldBe(expected);

    [Fact]
    public void the_or_relationship_rules_of_event_ruler_parse_and_match()
    {
        var rules = ReadPatterns("orRelationshipRules.json");
        rules.Count.ShouldBe(5);
        foreach (var rule in rules)
        {
            EventPattern.TryParse(rule, out _, out var error).ShouldBeTrue(error);
        }

        Matches(rules[0], """{"namespace":"AWS/ES"}""").ShouldBeTrue();
        Matches(rules[0], """{"metricName":"NetworkIn"}""").ShouldBeFalse();
        Matches(rules[1], """{"metricName":"ReadLatency","detail":{"detail-type":"CloudWatch Alarm State Change"}}""").ShouldBeTrue();
        Matches(rules[1], """{"metricName":"ReadLatency","source":"aws.cloudwatch"}""").ShouldBeFalse();
        Matches(rules[2], """{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/EC2"}""").ShouldBeTrue();
        Matches(rules[2], """{"source":"aws.cloudwatch","metricType":"MetricType"}""").ShouldBeFalse();
        Matches(rules[2], """{"source":"aws.cloudwatch","scope":"Service"}""").ShouldBeTrue();
        Matches(rules[3], """{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/ES","spaceId":1000}""").ShouldBeTrue();
        Matches(rules[3], """{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/ES"}""").ShouldBeFalse();
        Matches(rules[4], """{"source":"aws.cloudwatch","detail":{"state":{"value":"ALARM"}},"withoutConfiguration":{"metric":{"name":"AWS/Default"}}}""").ShouldBeTrue();
        Matches(rules[4], """{"source":"aws.cloudwatch","detail":{"state":{"value":"ALARM"}},"withConfiguration":{"metrics":{"metricStat":{"metric":{"namespace":"AWS/EC2"}}}}}""").ShouldBeTrue();
        Matches(rules[4], """{"source":"aws.cloudwatch","detail":{"state":{"value":"OK"}},"withoutConfiguration":{"metric":{"name":"AWS/Default"}}}""").ShouldBeFalse();
    }

    /// <summary>
    /// event-ruler's legacy compiler reads <c>$or</c> as a plain field name when its value is a list of
    /// match expressions or an object (normalRulesWithOrWording.json); Tideway does the same
    /// (docs/compat/patterns.md).
    /// </summary>
    [Fact]
    public void or_used_as_a_plain_field_name_parses_and_matches_a_field_named_or()
    {
        var rules = ReadPatterns("normalRulesWithOrWording.json");
        rules.Count.ShouldBe(4);
        foreach (var rule in rules)
        {
            EventPattern.TryParse(rule, out _, out var error).ShouldBeTrue(error);
        }

        Matches(rules[0], """{"$or":"10.0.0.7"}""").ShouldBeTrue();
        Matches(rules[0], """{"$or":"10.0.1.7"}""").ShouldBeFalse();
        Matches(rules[0], """{"a":"10.0.0.7"}""").ShouldBeFalse();

        Matches(rules[1], """{"source":"aws.cloudwatch","$or":{"metricType":"MetricType","namespace":"AWS/ES"}}""").ShouldBeTrue();
        Matches(rules[1], """{"source":"aws.cloudwatch","$or.metricType":"MetricType","$or":{"namespace":"AWS/EC2"}}""").ShouldBeTrue();
        Matches(rules[1], """{"source":"aws.cloudwatch","$or":{"metricType":"MetricType"}}""").ShouldBeFalse();
        Matches(rules[1], """{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/ES"}""").ShouldBeFalse();

        Matches(rules[2], """{"time":"2017-10-02T16:24:49Z","detail":{"$or":3}}""").ShouldBeTrue();
        Matches(rules[2], """{"time":"2017-10-02T16:24:49Z","detail":{"$or":"10.1.2.3"}}""").ShouldBeTrue();
        Matches(rules[2], """{"time":"2017-10-02T16:24:49Z","detail":{"$or":6}}""").ShouldBeFalse();
        Matches(rules[2], """{"time":"2017-10-03T16:24:49Z","detail":{"$or":3}}""").ShouldBeFalse();

        Matches(rules[3], """{"detail":{"$or":5}}""").ShouldBeTrue();
        Matches(rules[3], """{"detail":{"$or":11}}""").ShouldBeTrue();
        Matches(rules[3], """{"detail":{"$or":7}}""").ShouldBeFalse();
        Matches(rules[3], """{"detail":{"$or":0}}""").ShouldBeFalse();
        Matches(rules[3], """{"detail":{"c":3}}""").ShouldBeFalse();
    }

    // ---- empty string and null -----------------------------------------------------------------

    [Theory]
    [InlineData("""{"a":""}""", true)]
    [InlineData("""{"a":[""]}""", true)]
    [InlineData("""{"a":" "}""", false)]
    [InlineData("""{"a":"x"}""", false)]
    [InlineData("""{"a":null}""", false)]
    [InlineData("""{"a":0}""", false)]
    [InlineData("""{"a":[]}""", false)]
    [InlineData("""{"b":""}""", false)]
    public void an_empty_string_matches_only_an_empty_string(string eventJson, bool expected)
    {
        Matches("""{"a":[""]}""", eventJson).ShouldBe(expected);
        Matches("""{"a":[{"exactly":""}]}""", eventJson).ShouldBe(expected);
    }

    [Theory]
    [InlineData("""{"a":null}""", true)]
    [InlineData("""{"a":[1,null]}""", true)]
    [InlineData("""{"a":"null"}""", false)]
    [InlineData("""{"a":""}""", false)]
    [InlineData("""{"a":false}""", false)]
    [InlineData("""{"a":0}""", false)]
    [InlineData("""{"a":{}}""", false)]
    [InlineData("""{"a":[]}""", false)]
    [InlineData("""{"b":null}""", false)]
    [InlineData("""{}""", false)]
    public void null_matches_only_a_null_value(string eventJson, bool expected) =>
        Matches("""{"a":[null]}""", eventJson).ShouldBe(expected);

    // ---- dotted keys ---------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"a.b":["x"]}""", """{"a":{"b":"x"}}""", true)]
    [InlineData("""{"a":{"b":["x"]}}""", """{"a.b":"x"}""", true)]
    [InlineData("""{"a.b":["x"]}""", """{"a.b":"x"}""", true)]
    [InlineData("""{"a":{"b.c":["x"]}}""", """{"a.b":{"c":"x"}}""", true)]
    [InlineData("""{"a.b.c":["x"]}""", """{"a":{"b.c":"x"}}""", true)]
    [InlineData("""{"a":{"b":{"c":["x"]}}}""", """{"a.b.c":"x"}""", true)]
    [InlineData("""{"a.b":{"c":["x"]}}""", """{"a":[{"b.c":"x"}]}""", true)]
    [InlineData("""{"a.b":["x"]}""", """{"a":{"bc":"x"}}""", false)]
    [InlineData("""{"a.b":["x"]}""", """{"ab":"x"}""", false)]
    [InlineData("""{"a.b":["x"]}""", """{"a":{"b":{"x":1}}}""", false)]
    [InlineData("""{"a.b":["x"]}""", """{"b":{"a":"x"}}""", false)]
    public void dotted_keys_name_the_same_path_as_nested_objects(string pattern, string eventJson, bool expected) =>
        Matches(pattern, eventJson).ShouldBe(expected);

    // ---- escapes -------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"a":["é"]}""", """{"a":"\u00e9"}""")]
    [InlineData("""{"a":["\u00e9"]}""", """{"a":"é"}""")]
    [InlineData("""{"a":["\u00e9"]}""", """{"a":"\u00E9"}""")]
    [InlineData("""{"a":["line\nbreak"]}""", """{"a":"line\nbreak"}""")]
    [InlineData("""{"a":["line\nbreak"]}""", """{"a":"line\u000abreak"}""")]
    [InlineData("""{"a":["tab\tand\\backslash"]}""", """{"a":"tab\u0009and\u005cbackslash"}""")]
    [InlineData("""{"a":["say \"hi\""]}""", """{"a":"say \u0022hi\""}""")]
    [InlineData("""{"a":["a/b"]}""", """{"a":"a\/b"}""")]
    [InlineData("""{"a":["😀"]}""", """{"a":"\ud83d\ude00"}""")]
    [InlineData("""{"a":["\ud83d\ude00"]}""", """{"a":"😀"}""")]
    [InlineData("""{"a":["x😀y"]}""", """{"a":"x\uD83D\uDE00y"}""")]
    [InlineData("""{"a":[{"prefix":"é"}]}""", """{"a":"\u00e9cole"}""")]
    [InlineData("""{"a":[{"suffix":"é"}]}""", """{"a":"caf\u00e9"}""")]
    [InlineData("""{"a":[{"equals-ignore-case":"CAFÉ"}]}""", """{"a":"caf\u00e9"}""")]
    [InlineData("""{"a":[{"wildcard":"*\u00e9*"}]}""", """{"a":"caf\u00e9s"}""")]
    [InlineData("""{"a":[{"anything-but":"caf\u00e9"}]}""", """{"a":"cafe"}""")]
    [InlineData("""{"a":["é"]}""", """{"\u0061":"é"}""")]
    [InlineData("""{"\u0061":["x"]}""", """{"a":"x"}""")]
    [InlineData("""{"a":{"b":["x"]}}""", """{"a\u002eb":"x"}""")]
    [InlineData("""{"k\"q":["x"]}""", """{"k\u0022q":"x"}""")]
    [InlineData("""{"a":["x"]}""", """{"skip":"a\"},[b\\","a":"x"}""")]
    [InlineData("""{"a":["x"]}""", """{"skip":{"k":"a\"}]\\","l":["\"","{"]},"a":"x"}""")]
    public void escapes_in_events_are_decoded_before_comparison(string pattern, string eventJson) =>
        Matches(pattern, eventJson).ShouldBeTrue();

    [Theory]
    [InlineData("""{"a":["é"]}""", """{"a":"e\u0301"}""")]
    [InlineData("""{"a":["\\n"]}""", """{"a":"\n"}""")]
    [InlineData("""{"a":[{"anything-but":"caf\u00e9"}]}""", """{"a":"café"}""")]
    [InlineData("""{"a":["x"]}""", """{"\u0062":"x"}""")]
    public void decoded_values_are_compared_exactly(string pattern, string eventJson) =>
        Matches(pattern, eventJson).ShouldBeFalse();

    // ---- duplicate keys in a pattern -------------------------------------------------------------

    /// <summary>
    /// The corpus's unrecorded pair: the later "location" replaces the earlier (prefix "us-" would
    /// reject "eu-central-1"; anything-but "us-east" accepts it).
    /// </summary>
    [Fact]
    public void complex_multi_key_pattern_uses_the_later_value_of_a_duplicate_key()
    {
        var folder = SharedData.PathOf("conformance", "eventbridge-patterns", "templates");
        var pattern = File.ReadAllText(Path.Combine(folder, "complex_multi_key_event_pattern.json"));
        var eventJson = File.ReadAllText(Path.Combine(folder, "complex_multi_key_event.json"));
        Matches(pattern, eventJson).ShouldBeTrue();
        Matches(pattern, eventJson.Replace("eu-central-1", "us-east", StringComparison.Ordinal)).ShouldBeFalse();
        Matches(pattern, eventJson.Replace("eu-central-1", "us-west-2", StringComparison.Ordinal)).ShouldBeTrue();
    }

    [Fact]
    public void a_duplicate_key_takes_the_later_value()
    {
        var pattern = EventPattern.Parse("""{"a":["x"],"a":["y"]}""");
        pattern.Matches("""{"a":"y"}""").ShouldBeTrue();
        pattern.Matches("""{"a":"x"}""").ShouldBeFalse();
        var nested = EventPattern.Parse("""{"d":{"a":["x"]},"d":{"a":["y"]}}""");
        nested.Matches("""{"d":{"a":"y"}}""").ShouldBeTrue();
        nested.Matches("""{"d":{"a":"x"}}""").ShouldBeFalse();
    }

    /// <summary>
    /// event-ruler overrides per field path (JsonRuleCompiler.writeRules: rule.put(path, values)), so two
    /// objects under one duplicate key contribute their different paths: a.b AND a.c.
    /// </summary>
    [Fact]
    public void duplicate_object_keys_keep_the_paths_that_differ()
    {
        var pattern = EventPattern.Parse("""{"a":{"b":["1"]},"a":{"c":["2"]}}""");
        pattern.Matches("""{"a":{"b":"1","c":"2"}}""").ShouldBeTrue();
        pattern.Matches("""{"a":{"c":"2"}}""").ShouldBeFalse();
        pattern.Matches("""{"a":{"b":"1"}}""").ShouldBeFalse();
    }

    /// <summary>As above: "a" (a leaf) and "a.b" are different paths, both kept (event-ruler's intensitiesACTest relies on it).</summary>
    [Fact]
    public void duplicate_key_with_a_leaf_list_then_an_object_keeps_both_paths()
    {
        var pattern = EventPattern.Parse("""{"a":["1"],"a":{"b":["2"]}}""");
        pattern.Matches("""{"a":{"b":"2"}}""").ShouldBeFalse();
        pattern.Matches("""{"a":["1",{"b":"2"}]}""").ShouldBeTrue();
    }

    /// <summary>Two $or keys in one object are not a field path: event-ruler crosses both (notes §3), so both must hold.</summary>
    [Fact]
    public void two_or_keys_in_one_object_must_both_hold()
    {
        var pattern = EventPattern.Parse("""{"$or":[{"a":["1"]},{"b":["1"]}],"$or":[{"c":["1"]},{"d":["1"]}]}""");
        pattern.Matches("""{"a":"1","c":"1"}""").ShouldBeTrue();
        pattern.Matches("""{"b":"1","d":"1"}""").ShouldBeTrue();
        pattern.Matches("""{"c":"1"}""").ShouldBeFalse();
        pattern.Matches("""{"a":"1"}""").ShouldBeFalse();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static string JsonString(string value) => JsonSerializer.Serialize(value, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static List<string> ReadPatterns(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("bench-data", file)));
        var patterns = new List<string>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            patterns.Add(element.GetRawText());
        }

        return patterns;
    }
}
