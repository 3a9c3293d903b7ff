using Shouldly;

namespace Tideway.Logs.Tests;

/// <summary>Unstructured terms, standalone regular expressions and the empty pattern.</summary>
public sealed class FilterPatternTermTests
{
    private static bool Match(string pattern, string message) => FilterPattern.Parse(pattern).Matches(message);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"\"")]
    public void empty_pattern_matches_every_event(string? pattern)
    {
        var compiled = FilterPattern.Parse(pattern);
        compiled.Matches("anything at all").ShouldBeTrue();
        compiled.Matches("{\"json\": true}").ShouldBeTrue();
    }

    [Fact]
    public void empty_pattern_is_of_kind_match_all() => FilterPattern.Parse("").Kind.ShouldBe(FilterPatternKind.MatchAll);

    [Theory]
    [InlineData("[ERROR] A fatal exception has occurred", true)]
    [InlineData("Exiting with ERRORCODE: -1", true)] // a term matches inside a word
    [InlineData("[WARN] all good", false)]
    public void single_term_matches_messages_containing_it(string message, bool expected) =>
        Match("ERROR", message).ShouldBe(expected);

    [Theory]
    [InlineData("error in lower case")]
    [InlineData("Error in title case")]
    public void terms_are_case_sensitive(string message) => Match("ERROR", message).ShouldBeFalse();

    [Theory]
    [InlineData("[ERROR] Caught IllegalArgumentException", true)]
    [InlineData("[ERROR] Unhandled Exception", true)]
    [InlineData("[ERROR] no such word", false)]
    [InlineData("Exception without the other term", false)]
    public void several_terms_must_all_occur(string message, bool expected) =>
        Match("ERROR Exception", message).ShouldBe(expected);

    [Fact]
    public void terms_match_in_any_order() => Match("Exception ERROR", "[ERROR] Unhandled Exception").ShouldBeTrue();

    [Theory]
    [InlineData("Error: Failed to connect to db", true)]
    [InlineData("Failed to reach, cannot connect", false)] // the words, but not the phrase
    public void quoted_term_matches_an_exact_phrase(string message, bool expected) =>
        Match("\"Failed to connect\"", message).ShouldBe(expected);

    [Theory]
    [InlineData("user@example.com logged in", true)]
    [InlineData("user at example.com", false)]
    public void quoted_term_may_hold_non_alphanumeric_characters(string message, bool expected) =>
        Match("\"user@example.com\"", message).ShouldBe(expected);

    [Fact]
    public void quoted_term_may_escape_a_double_quote() =>
        Match("\"say \\\"hi\\\"\"", "they say \"hi\" twice").ShouldBeTrue();

    [Theory]
    [InlineData("ERROR WARN message", true)]
    [InlineData("ERROR message", true)]
    [InlineData("WARN message", true)]
    [InlineData("INFO message", false)]
    public void question_mark_terms_are_alternatives(string message, bool expected) =>
        Match("?ERROR ?WARN", message).ShouldBe(expected);

    [Theory]
    [InlineData("[ERROR] A fatal exception has occurred", true)]
    [InlineData("Exiting with ERRORCODE: -1", false)]
    public void minus_term_excludes_messages(string message, bool expected) =>
        Match("ERROR -Exiting", message).ShouldBe(expected);

    [Theory]
    [InlineData("ERROR WARN message", false)]
    [InlineData("ERROR message", true)]
    [InlineData("WARN message", false)]
    public void minus_term_excludes_a_second_word(string message, bool expected) =>
        Match("ERROR -WARN", message).ShouldBe(expected);

    [Theory]
    [InlineData("connection reset by peer", true)]
    [InlineData("connection timed out", false)]
    public void quoted_term_can_be_excluded(string message, bool expected) =>
        Match("connection -\"timed out\"", message).ShouldBe(expected);

    [Theory]
    [InlineData("ERROR in db", true)]
    [InlineData("WARN in db", true)]
    [InlineData("ERROR in cache", false)]
    [InlineData("ERROR in db (retrying)", false)]
    public void alternatives_combine_with_required_and_excluded_terms(string message, bool expected) =>
        Match("?ERROR ?WARN db -retrying", message).ShouldBe(expected);

    [Theory]
    [InlineData("request_id abc", true)]
    [InlineData("request id abc", false)]
    public void underscore_is_part_of_an_unquoted_term(string message, bool expected) =>
        Match("request_id", message).ShouldBe(expected);

    [Fact]
    public void numbers_are_terms() => Match("404", "GET /x 404 12ms").ShouldBeTrue();

    [Fact]
    public void terms_of_a_json_message_match_its_text() => Match("timeout", "{\"error\":\"timeout\"}").ShouldBeTrue();

    [Fact]
    public void term_pattern_is_of_kind_terms() => FilterPattern.Parse("ERROR -x").Kind.ShouldBe(FilterPatternKind.Terms);

    // ---- regular expressions ----

    [Theory]
    [InlineData("ERROR 500 at /a", true)]
    [InlineData("ERROR abc", false)]
    public void regex_pattern_matches_anywhere_in_the_message(string message, bool expected) =>
        Match("%ERROR [0-9]+%", message).ShouldBe(expected);

    [Theory]
    [InlineData("hat on", true)]
    [InlineData("the cat", false)]
    public void regex_caret_anchors_at_the_start(string message, bool expected) =>
        Match("%^[hc]at%", message).ShouldBe(expected);

    [Theory]
    [InlineData("color", true)]
    [InlineData("colour", true)]
    [InlineData("colr", false)]
    public void regex_question_mark_makes_the_previous_character_optional(string message, bool expected) =>
        Match("%colou?r%", message).ShouldBe(expected);

    [Theory]
    [InlineData("aaa", true)]
    [InlineData("aa", false)]
    public void regex_counted_repetition(string message, bool expected) => Match("%a{3,5}%", message).ShouldBe(expected);

    [Fact]
    public void regex_pattern_is_case_sensitive() => Match("%error%", "ERROR").ShouldBeFalse();

    [Fact]
    public void regex_pattern_is_of_kind_regex() => FilterPattern.Parse("%a|b%").Kind.ShouldBe(FilterPatternKind.Regex);

    // ---- invalid patterns ----

    [Theory]
    [InlineData("user@example.com")] // characters other than letters, digits and _ need quotes
    [InlineData("ERROR:")]
    [InlineData("a.b")]
    [InlineData("\"unterminated")]
    [InlineData("?")]
    [InlineData("ERROR -")]
    [InlineData("? ERROR")]
    [InlineData("\"a\"b")]
    [InlineData("%abc")]
    [InlineData("%%")]
    [InlineData("%(a)%")] // parentheses are not supported
    [InlineData("%a!%")] // '!' is not a supported symbol
    [InlineData("%é%")] // multi-byte characters are not supported
    [InlineData("%[a%")] // not a valid expression
    [InlineData("%a%b%")]
    public void invalid_term_and_regex_patterns_are_rejected(string pattern)
    {
        FilterPattern.TryParse(pattern, out var compiled, out var error).ShouldBeFalse();
        compiled.ShouldBeNull();
        error.ShouldBe("Invalid filter pattern");
    }

    [Fact]
    public void parse_of_an_invalid_pattern_throws_invalid_parameter_exception()
    {
        var e = Should.Throw<Tideway.Primitives.ServiceException>(() => FilterPattern.Parse("a@b"));
        e.Code.ShouldBe("InvalidParameterException");
        e.Message.ShouldBe("Invalid filter pattern");
    }
}
