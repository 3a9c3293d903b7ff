using Shouldly;

namespace Tideway.Logs.Tests;

/// <summary>Space-delimited filter patterns, with the Apache log lines of the CloudWatch Logs user guide.</summary>
public sealed class FilterPatternDelimitedTests
{
    private const string Ok = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534";
    private const string ServerError = "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 500 5324";
    private const string NotFound = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";

    private static bool Match(string pattern, string message) => FilterPattern.Parse(pattern).Matches(message);

    [Fact]
    public void brackets_and_quotes_delimit_one_field()
    {
        DelimitedFilter.Split(Ok).ShouldBe(["127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /apache_pb.gif HTTP/1.0", "200", "1534"]);
    }

    [Fact]
    public void runs_of_spaces_separate_like_one() => DelimitedFilter.Split("a   b\tc").ShouldBe(["a", "b", "c"]);

    [Theory]
    [InlineData("[ip, user, username, timestamp, request, status_code, bytes]", true)]
    [InlineData("[ip, user, username, timestamp, request, status_code]", false)] // one field short
    [InlineData("[ip, user, username, timestamp, request, status_code, bytes, extra]", false)]
    public void without_ellipsis_the_field_count_must_match(string pattern, bool expected) => Match(pattern, Ok).ShouldBe(expected);

    [Theory]
    [InlineData("[..., status_code, bytes]", true)]
    [InlineData("[ip, user, ..., status_code, bytes]", true)]
    [InlineData("[ip, user, ...]", true)]
    [InlineData("[..., a, b, c, d, e, f, g]", true)] // the ellipsis may match no field
    [InlineData("[..., a, b, c, d, e, f, g, h]", false)]
    public void ellipsis_matches_any_number_of_fields(string pattern, bool expected) => Match(pattern, Ok).ShouldBe(expected);

    [Theory]
    [InlineData(Ok, true)]
    [InlineData(ServerError, false)]
    public void numeric_equality_on_a_field(string message, bool expected) =>
        Match("[ip, user, username, timestamp, request, status_code = 200, bytes]", message).ShouldBe(expected);

    [Theory]
    [InlineData(Ok, false)]
    [InlineData(ServerError, true)]
    public void numeric_comparison_on_a_field(string message, bool expected) =>
        Match("[ip, user, username, timestamp, request, status_code, bytes > 2000]", message).ShouldBe(expected);

    [Theory]
    [InlineData("[..., status_code >= 500, bytes]", ServerError, true)]
    [InlineData("[..., status_code >= 500, bytes]", Ok, false)]
    [InlineData("[..., status_code < 300, bytes]", Ok, true)]
    [InlineData("[..., status_code <= 199, bytes]", Ok, false)]
    [InlineData("[..., status_code != 200, bytes]", ServerError, true)]
    [InlineData("[..., status_code != 200, bytes]", Ok, false)]
    public void every_numeric_operator_works_on_fields(string pattern, string message, bool expected) =>
        Match(pattern, message).ShouldBe(expected);

    [Theory]
    [InlineData(NotFound, true)]
    [InlineData(Ok, false)]
    public void string_wildcard_on_a_field(string message, bool expected) =>
        Match("[ip, user, username, timestamp, request, status_code = 4*, bytes]", message).ShouldBe(expected);

    [Theory]
    [InlineData(NotFound, true)]
    [InlineData(Ok, false)]
    public void wildcards_on_both_ends_of_a_field_value(string message, bool expected) =>
        Match("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", message).ShouldBe(expected);

    [Theory]
    [InlineData("[w1=ERROR, w2]", "ERROR message", true)]
    [InlineData("[w1=ERROR, w2]", "WARN message", false)]
    [InlineData("[w1=ERROR || w1=WARN, w2]", "WARN message", true)]
    [InlineData("[w1=ERROR || w1=WARN, w2]", "INFO message", false)]
    [InlineData("[w1!=ERROR&&w1!=WARN, w2]", "INFO message", true)]
    [InlineData("[w1!=ERROR&&w1!=WARN, w2]", "ERROR message", false)]
    public void conditions_combine_with_and_and_or(string pattern, string message, bool expected) =>
        Match(pattern, message).ShouldBe(expected);

    [Theory]
    [InlineData(ServerError, true)]
    [InlineData(NotFound, false)]
    public void a_condition_may_name_another_field(string message, bool expected) =>
        Match("[ip, user, username, timestamp, request, status_code = 5* && bytes > 1000, bytes]", message).ShouldBe(expected);

    [Theory]
    [InlineData(NotFound, true)]
    [InlineData(ServerError, false)]
    public void or_between_values_of_the_same_field(string message, bool expected) =>
        Match("[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", message).ShouldBe(expected);

    [Theory]
    [InlineData("[..., request = \"GET /index.html HTTP/1.0\", status_code, bytes]", NotFound, true)]
    [InlineData("[..., request = \"GET /index.html HTTP/1.0\", status_code, bytes]", Ok, false)]
    public void quoted_value_matches_a_whole_field(string pattern, string message, bool expected) =>
        Match(pattern, message).ShouldBe(expected);

    [Theory]
    [InlineData("[..., request = %index\\.html%, status_code, bytes]", NotFound, true)]
    [InlineData("[..., request = %index\\.html%, status_code, bytes]", Ok, false)]
    public void regex_value_on_a_field(string pattern, string message, bool expected) => Match(pattern, message).ShouldBe(expected);

    [Fact]
    public void numeric_operator_does_not_match_a_non_numeric_field() => Match("[a > 5]", "abc").ShouldBeFalse();

    [Fact]
    public void numeric_equality_falls_back_to_the_text_of_a_non_numeric_field() => Match("[a = 5, b]", "5x y").ShouldBeFalse();

    [Fact]
    public void trailing_comma_is_one_more_unnamed_field()
    {
        FilterPattern.Parse("[..., request = *.html*, status_code = 4*,]").Matches(NotFound, out var values).ShouldBeTrue();
        values["$request"].ShouldBe("GET /index.html HTTP/1.0");
        values["$status_code"].ShouldBe("404");
        values["$7"].ShouldBe("1534");
        values["$1"].ShouldBe("127.0.0.1");
        values["$4"].ShouldBe("10/Oct/2000:13:25:15 -0700");
    }

    [Fact]
    public void extracted_values_name_the_named_fields()
    {
        FilterPattern.Parse("[ip, user, username, timestamp, request, status_code, bytes]").Matches(Ok, out var values).ShouldBeTrue();
        values.Count.ShouldBe(7);
        values["$ip"].ShouldBe("127.0.0.1");
        values["$bytes"].ShouldBe("1534");
    }

    [Fact]
    public void a_message_that_does_not_match_extracts_nothing()
    {
        FilterPattern.Parse("[a, b]").Matches("one", out var values).ShouldBeFalse();
        values.ShouldBeEmpty();
    }

    [Fact]
    public void delimited_pattern_is_of_kind_space_delimited() =>
        FilterPattern.Parse("[a, ...]").Kind.ShouldBe(FilterPatternKind.SpaceDelimited);

    [Fact]
    public void an_unclosed_bracket_has_its_own_message()
    {
        FilterPattern.TryParse("[a, b", out _, out var error).ShouldBeFalse();
        error.ShouldBe("If a filter pattern starts with '[' it must end with ']'");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[a b]")]
    [InlineData("[a = ]")]
    [InlineData("[a > x]")]
    [InlineData("[a = 1 && b = 2]")] // b is not a field of the pattern
    [InlineData("[a = 1 &&, b]")]
    [InlineData("[= 1]")]
    [InlineData("[a = x@y]")]
    [InlineData("[a.b]")]
    public void invalid_delimited_patterns_are_rejected(string pattern)
    {
        FilterPattern.TryParse(pattern, out _, out var error).ShouldBeFalse();
        error.ShouldBe("Invalid filter pattern");
    }
}
