using System.Text.Json;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// Invalid patterns get the reason EventBridge gives (event-ruler's JsonRuleCompiler, CIDR, WildcardParser
/// and the complexity check; ../notes/pattern-validation.md) for the branches the conformance corpus does
/// not record. Only the reason is compared, up to Jackson's "\n at [Source…]" location, which Tideway
/// does not produce.
/// </summary>
public sealed class ValidationTests
{
    private const string TooComplex =
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

    private static string ReasonOf(string pattern)
    {
        var error = Should.Throw<InvalidEventPatternException>(() => EventPattern.Parse(pattern));
        error.Message.ShouldStartWith(InvalidEventPatternException.MessagePrefix);
        var reason = error.Message[InvalidEventPatternException.MessagePrefix.Length..];
        error.Reason.ShouldBe(reason);
        EventPattern.TryParse(pattern, out var parsed, out var message).ShouldBeFalse();
        parsed.ShouldBeNull();
        message.ShouldBe(error.Message);
        var location = reason.IndexOf("\n at [Source", StringComparison.Ordinal);
        return location < 0 ? reason : reason[..location];
    }

    private static void ShouldBeValid(string pattern)
    {
        EventPattern.TryParse(pattern, out var parsed, out var error).ShouldBeTrue(error);
        parsed.ShouldNotBeNull().Json.ShouldBe(pattern);
    }

    // ---- the pattern as a whole ----------------------------------------------------------------------

    [Theory]
    [InlineData("\"x\"", "Filter is not an object")]
    [InlineData("5", "Filter is not an object")]
    [InlineData("true", "Filter is not an object")]
    [InlineData("null", "Filter is not an object")]
    [InlineData("[{\"a\":[\"x\"]}]", "Filter is not an object")]
    [InlineData("", "Filter is not an object")]
    [InlineData("   ", "Filter is not an object")]
    [InlineData("{}", "Empty objects are not allowed")]
    [InlineData("""{"a":{}}""", "Empty objects are not allowed")]
    [InlineData("""{"a":{"b":{}}}""", "Empty objects are not allowed")]
    [InlineData("""{"$or":[{},{"a":["x"]}]}""", "Empty objects are not allowed")]
    [InlineData("""{"a":null}""", "\"a\" must be an object or an array")]
    [InlineData("""{"a":true}""", "\"a\" must be an object or an array")]
    [InlineData("""{"x":{"a.b":"v"}}""", "\"a.b\" must be an object or an array")]
    [InlineData("""{"a":{"b":[]}}""", "Empty arrays are not allowed")]
    [InlineData("""{"a":[["x"]]}""", "Match value must be String, number, true, false, or null")]
    [InlineData("""{"a":["x",[]]}""", "Match value must be String, number, true, false, or null")]
    public void top_level_and_object_errors_give_eventbridge_reasons(string pattern, string reason) =>
        ReasonOf(pattern).ShouldBe(reason);

    // ---- match expressions ---------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"a":[{}]}""", "Match expression name not found")]
    [InlineData("""{"a":[{"foo":1}]}""", "Unrecognized match type foo")]
    [InlineData("""{"a":[{"Prefix":"x"}]}""", "Unrecognized match type Prefix")]
    [InlineData("""{"a":[{"":"x"}]}""", "Unrecognized match type ")]
    [InlineData("""{"a":[{"regex":"x"}]}""", "Unrecognized match type regex")]
    [InlineData("""{"a":[{"prefix":"x","suffix":"y"}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"suffix":"x","prefix":"y"}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"exactly":"x","y":1}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"equals-ignore-case":"x","y":1}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"wildcard":"x*","y":1}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"exists":true,"y":1}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"cidr":"10.0.0.0/8","y":1}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"exactly":5}]}""", "exact match pattern must be a string")]
    [InlineData("""{"a":[{"exactly":null}]}""", "exact match pattern must be a string")]
    [InlineData("""{"a":[{"exists":"true"}]}""", "exists match pattern must be either true or false.")]
    [InlineData("""{"a":[{"exists":1}]}""", "exists match pattern must be either true or false.")]
    [InlineData("""{"a":[{"exists":null}]}""", "exists match pattern must be either true or false.")]
    [InlineData("""{"a":[{"exists":[true]}]}""", "exists match pattern must be either true or false.")]
    [InlineData("""{"a":[{"prefix":null}]}""", "prefix match pattern must be a string")]
    [InlineData("""{"a":[{"suffix":true}]}""", "suffix match pattern must be a string")]
    [InlineData("""{"a":[{"equals-ignore-case":{"x":"y"}}]}""", "equals-ignore-case match pattern must be a string")]
    [InlineData("""{"a":[{"prefix":{}}]}""", "Prefix expression name not found")]
    [InlineData("""{"a":[{"suffix":{}}]}""", "Suffix expression name not found")]
    [InlineData("""{"a":[{"prefix":{"exactly":"x"}}]}""", "Unsupported prefix pattern: exactly")]
    [InlineData("""{"a":[{"suffix":{"EQUALS-IGNORE-CASE":"x"}}]}""", "Unsupported suffix pattern: EQUALS-IGNORE-CASE")]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":5}}]}""", "equals-ignore-case match pattern must be a string")]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":["x"]}}]}""", "equals-ignore-case match pattern must be a string")]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":"x","y":1}}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":"x"},"y":1}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"a":[{"cidr":["10.0.0.0/8"]}]}""", "prefix match pattern must be a string")]
    public void match_expression_errors_give_eventbridge_reasons(string pattern, string reason) =>
        ReasonOf(pattern).ShouldBe(reason);

    // ---- numeric --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""[5]""", "Invalid member in numeric match: 5")]
    [InlineData("""[5.50]""", "Invalid member in numeric match: 5.50")]
    [InlineData("""[]""", "Invalid member in numeric match: ]")]
    [InlineData("""[true]""", "Invalid member in numeric match: true")]
    [InlineData("""[null,5]""", "Invalid member in numeric match: null")]
    [InlineData("""[{"a":1}]""", "Invalid member in numeric match: {")]
    [InlineData("""[["="]]""", "Invalid member in numeric match: [")]
    [InlineData("""["=","5"]""", "Value of equals must be numeric")]
    [InlineData("""["="]""", "Value of equals must be numeric")]
    [InlineData("""[">=","x"]""", "Value of >= must be numeric")]
    [InlineData("""[">"]""", "Value of > must be numeric")]
    [InlineData("""["<=",null]""", "Value of <= must be numeric")]
    [InlineData("""["<",[5]]""", "Value of < must be numeric")]
    [InlineData("""["!=",5]""", "Unrecognized numeric range operator: !=")]
    [InlineData("""["==",5]""", "Unrecognized numeric range operator: ==")]
    [InlineData("""["=<","x"]""", "Unrecognized numeric range operator: =<")]
    [InlineData("""["gt"]""", "Unrecognized numeric range operator: gt")]
    [InlineData("""["",1]""", "Unrecognized numeric range operator: ")]
    [InlineData("""["=",5,6]""", "Too many elements in numeric expression")]
    [InlineData("""["<",5,">",0]""", "Too many elements in numeric expression")]
    [InlineData("""["<=",5,"x"]""", "Too many elements in numeric expression")]
    [InlineData("""[">",0,5]""", "Bad value in numeric range: 5")]
    [InlineData("""[">=",0,true]""", "Bad value in numeric range: true")]
    [InlineData("""[">",0,"=",5]""", "Bad numeric range operator: =")]
    [InlineData("""[">",0,">=",5]""", "Bad numeric range operator: >=")]
    [InlineData("""[">",0,"lt",5]""", "Bad numeric range operator: lt")]
    [InlineData("""[">",0,"<"]""", "Value of < must be numeric")]
    [InlineData("""[">",0,"<=","5"]""", "Value of <= must be numeric")]
    [InlineData("""[">",0,"<",5,6]""", "Too many terms in numeric range expression")]
    [InlineData("""[">=",0,"<=",5,"<",6]""", "Too many terms in numeric range expression")]
    [InlineData("""[">=",5,"<=",5]""", "Bottom must be less than top")]
    [InlineData("""[">",6,"<",5]""", "Bottom must be less than top")]
    [InlineData("""[">",-1,"<",-2]""", "Bottom must be less than top")]
    public void numeric_errors_give_eventbridge_reasons_in_eventbridge_order(string numeric, string reason) =>
        ReasonOf("""{"a":[{"numeric":""" + numeric + "}]}").ShouldBe(reason);

    [Theory]
    [InlineData("""{"a":[{"numeric":[">",0],"x":1}]}""", "Too many elements in numeric expression")]
    [InlineData("""{"a":[{"numeric":"x"}]}""", "Value of numeric must be an array.")]
    [InlineData("""{"a":[{"numeric":{"=":5}}]}""", "Value of numeric must be an array.")]
    public void numeric_expression_shape_errors_give_eventbridge_reasons(string pattern, string reason) =>
        ReasonOf(pattern).ShouldBe(reason);

    // ---- anything-but ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"anything-but":{}}""", "Anything-But expression name not found")]
    [InlineData("""{"anything-but":{"numeric":[">",1]}}""", "Unsupported anything-but pattern: numeric")]
    [InlineData("""{"anything-but":{"exists":true}}""", "Unsupported anything-but pattern: exists")]
    [InlineData("""{"anything-but":{"exactly":"x"}}""", "Unsupported anything-but pattern: exactly")]
    [InlineData("""{"anything-but":true}""", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("""{"anything-but":{"suffix":null}}""", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("""{"anything-but":{"wildcard":{"x":"y"}}}""", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("""{"anything-but":["a",1]}""", "Inside anything but list, either all values are number or string, mixed type is not supported")]
    [InlineData("""{"anything-but":[1,"a"]}""", "Inside anything but list, either all values are number or string, mixed type is not supported")]
    [InlineData("""{"anything-but":[]}""", "Inside anything but list, either all values are number or string, mixed type is not supported")]
    [InlineData("""{"anything-but":[true]}""", "Inside anything but list, start|null|boolean is not supported.")]
    [InlineData("""{"anything-but":["a",{"b":1}]}""", "Inside anything but list, start|null|boolean is not supported.")]
    [InlineData("""{"anything-but":[["a"]]}""", "Inside anything but list, start|null|boolean is not supported.")]
    [InlineData("""{"anything-but":"x","y":1}""", "Too many elements in numeric expression")]
    [InlineData("""{"anything-but":[1,2],"y":1}""", "Too many elements in numeric expression")]
    [InlineData("""{"anything-but":{"prefix":"a","suffix":"b"}}""", "Too many elements in numeric expression")]
    [InlineData("""{"anything-but":{"equals-ignore-case":"a"},"y":1}""", "Too many elements in numeric expression")]
    [InlineData("""{"anything-but":{"prefix":["a",""]}}""", "Null prefix/suffix not allowed")]
    [InlineData("""{"anything-but":{"suffix":[""]}}""", "Null prefix/suffix not allowed")]
    [InlineData("""{"anything-but":{"equals-ignore-case":true}}""", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("""{"anything-but":{"prefix":false}}""", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("""{"anything-but":{"equals-ignore-case":5}}""", "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")]
    [InlineData("""{"anything-but":{"wildcard":5}}""", "wildcard match pattern must be a string")]
    [InlineData("""{"anything-but":{"equals-ignore-case":["a",null]}}""", "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")]
    [InlineData("""{"anything-but":{"prefix":["a",5]}}""", "prefix/suffix match pattern must be a string")]
    [InlineData("""{"anything-but":{"wildcard":[true]}}""", "wildcard match pattern must be a string")]
    [InlineData("""{"anything-but":{"wildcard":"a**"}}""", "Consecutive wildcard characters at pos 2")]
    [InlineData("""{"anything-but":{"wildcard":["ok*","b**"]}}""", "Consecutive wildcard characters at pos 2")]
    [InlineData("""{"anything-but":{"wildcard":"a\\b"}}""", "Invalid escape character at pos 2")]
    public void anything_but_errors_give_eventbridge_reasons(string expression, string reason) =>
        ReasonOf("""{"a":[""" + expression + "]}").ShouldBe(reason);

    // ---- wildcard ---------------------------------------------------------------------------------------

    /// <summary>Positions are byte offsets in the quoted value (WildcardParser runs on the UTF-8 of '"' + value + '"').</summary>
    [Theory]
    [InlineData("**", "Consecutive wildcard characters at pos 1")]
    [InlineData("a**", "Consecutive wildcard characters at pos 2")]
    [InlineData("abc/**", "Consecutive wildcard characters at pos 5")]
    [InlineData("x*y**", "Consecutive wildcard characters at pos 4")]
    [InlineData("a***", "Consecutive wildcard characters at pos 2")]
    [InlineData(@"\***", "Consecutive wildcard characters at pos 3")]
    [InlineData(@"a\b", "Invalid escape character at pos 2")]
    [InlineData(@"\n", "Invalid escape character at pos 1")]
    [InlineData(@"abc\", "Invalid escape character at pos 4")]
    [InlineData(@"a\\\", "Invalid escape character at pos 4")]
    [InlineData(@"a\b**", "Invalid escape character at pos 2")]
    [InlineData(@"**\b", "Consecutive wildcard characters at pos 1")]
    [InlineData("é**", "Consecutive wildcard characters at pos 3")]
    [InlineData("日本**", "Consecutive wildcard characters at pos 7")]
    [InlineData(@"é\x", "Invalid escape character at pos 3")]
    public void wildcard_syntax_errors_give_the_byte_position_in_the_quoted_value(string wildcard, string reason) =>
        ReasonOf("""{"a":[{"wildcard":""" + JsonSerializer.Serialize(wildcard, JsonOptions) + "}]}").ShouldBe(reason);

    [Theory]
    [InlineData(@"\*")]
    [InlineData(@"\\")]
    [InlineData(@"\**")]
    [InlineData(@"*\**")]
    [InlineData(@"\\*\\")]
    [InlineData("*")]
    [InlineData("")]
    public void wildcard_escapes_of_star_and_backslash_are_valid(string wildcard) =>
        ShouldBeValid("""{"a":[{"wildcard":""" + JsonSerializer.Serialize(wildcard, JsonOptions) + "}]}");

    [Theory]
    [InlineData("""[{"wildcard":"*a*a*a*a*a*a*a*a*"}]""")]
    [InlineData("""[{"wildcard":"*:*:*:*:*:event-bus/*"}]""")]
    [InlineData("""[{"wildcard":"*/datasync/*.bif"},{"wildcard":"*/datasync/*.tif"},{"wildcard":"*/datasync/*.tiff"},{"wildcard":"*/datasync/*.svs"}]""")]
    [InlineData("""[{"wildcard":"*:stack/alpha/*"},{"wildcard":"*:stack/beta/*"},{"wildcard":"*:stack/gamma/*"},{"wildcard":"*:stack/delta/*"}]""")]
    public void wildcards_that_would_explode_the_automaton_are_too_complex(string values) =>
        ReasonOf("""{"detail":{"key":""" + values + "}}").ShouldBe(TooComplex);

    [Fact]
    public void wildcards_on_one_field_add_up_across_or_branches()
    {
        ReasonOf("""{"$or":[{"a":[{"wildcard":"*/datasync/*.bif"},{"wildcard":"*/datasync/*.tif"}]},{"a":[{"wildcard":"*/datasync/*.tiff"},{"wildcard":"*/datasync/*.svs"}]}]}""")
            .ShouldBe(TooComplex);

        // Different fields: the rule's complexity is the largest field's, not the sum.
        ShouldBeValid("""{"a":[{"wildcard":"*/datasync/*.bif"},{"wildcard":"*/datasync/*.tif"}],"b":[{"wildcard":"*/datasync/*.tiff"},{"wildcard":"*/datasync/*.svs"}]}""");
    }

    [Theory]
    [InlineData("""[{"wildcard":"2*0*1*7"}]""")]
    [InlineData("""[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]""")]
    [InlineData("""[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]""")]
    [InlineData("""[{"wildcard":"*/datasync/*.bif"},{"wildcard":"*/datasync/*.tif"}]""")]
    [InlineData("""[{"wildcard":"*.bif"},{"wildcard":"*.tiff"},{"wildcard":"*.tif"},{"wildcard":"*.svs"}]""")]
    [InlineData("""[{"wildcard":"*:stack/alpha/*"},{"wildcard":"*:stack/beta/*"},{"wildcard":"*:stack/gamma/*"}]""")]
    [InlineData("""[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]""")]
    public void wildcards_eventbridge_accepts_are_valid(string values) =>
        ShouldBeValid("""{"detail":{"key":""" + values + "}}");

    // ---- cidr --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("10.0.0.0/", "Malformed CIDR, one '/' required")]
    [InlineData("10.0.0.0", "Malformed CIDR, one '/' required")]
    [InlineData("a/b/c", "Malformed CIDR, one '/' required")]
    [InlineData("10.0.0.0/8/8", "Malformed CIDR, one '/' required")]
    [InlineData("10.0.0.0/8.0", "Malformed CIDR, mask bits must be an integer")]
    [InlineData("10.0.0.0/ 8", "Malformed CIDR, mask bits must be an integer")]
    [InlineData("10.0.0.0/x", "Malformed CIDR, mask bits must be an integer")]
    [InlineData("10.0.0.0/-1", "Malformed CIDR, mask bits must not be negative")]
    [InlineData("/8", "Nonstandard IP address: ")]
    [InlineData("1.2.3.4.5/8", "Nonstandard IP address: 1.2.3.4.5")]
    [InlineData("host.example/8", "Nonstandard IP address: host.example")]
    [InlineData("::ffff:1.2.3.4/8", "Nonstandard IP address: ::ffff:1.2.3.4")]
    [InlineData("999.1.1.1/8", "Invalid IP address: 999.1.1.1")]
    [InlineData("1:2/8", "Invalid IP address: 1:2")]
    [InlineData("10.0.0.0/32", "IPv4 mask bits must be < 32")]
    [InlineData("10.0.0.0/33", "IPv4 mask bits must be < 32")]
    [InlineData("2001:db8::/128", "IPv6 mask bits must be < 128")]
    [InlineData("2001:db8::/200", "IPv6 mask bits must be < 128")]
    public void cidr_errors_give_eventbridge_reasons_in_eventbridge_order(string cidr, string reason) =>
        ReasonOf("""{"ip":[{"cidr":""" + JsonSerializer.Serialize(cidr) + "}]}").ShouldBe(reason);

    [Theory]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/0")]
    [InlineData("10.0.0.0/31")]
    [InlineData("2001:db8::/127")]
    [InlineData("::/0")]
    public void cidr_networks_eventbridge_accepts_are_valid(string cidr) =>
        ShouldBeValid("""{"ip":[{"cidr":""" + JsonSerializer.Serialize(cidr) + "}]}");

    // ---- $or ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"$or":[{"a":["x"]},"b"]}""", "Only JSON object is allowed in array of $or relationship.")]
    [InlineData("""{"$or":[{"a":["x"]},["b"]]}""", "Only JSON object is allowed in array of $or relationship.")]
    [InlineData("""{"$or":[{"a":["x"]},{"b":["y"]},5]}""", "Only JSON object is allowed in array of $or relationship.")]
    [InlineData("""{"$or":[{"a":["x"]}]}""", "There must have at least 2 Objects in $or relationship.")]
    [InlineData("""{"d":{"$or":[{"a":["x"]}]}}""", "There must have at least 2 Objects in $or relationship.")]
    [InlineData("""{"$or":[{"a":["x"]},{"$or":[{"b":["y"]}]}]}""", "There must have at least 2 Objects in $or relationship.")]
    [InlineData("""{"$or":[{"a":"x"},{"b":["y"]}]}""", "\"a\" must be an object or an array")]
    [InlineData("""{"$or":[{"a":["x"]},{"b":[]}]}""", "Empty arrays are not allowed")]
    [InlineData("""{"$or":"x"}""", "It must be an Array followed with $or.")]
    [InlineData("""{"$or":5}""", "It must be an Array followed with $or.")]
    [InlineData("""{"$or":[]}""", "There must have at least 2 Objects in $or relationship.")]
    [InlineData("""{"$or":[{"a":["x"]},{"exists":["y"]}]}""", "exists is Ruler reserved fieldName which cannot be used inside $or.")]
    [InlineData("""{"$or":[{"a":["x"]},{"b":{"numeric":["y"]}}]}""", "numeric is Ruler reserved fieldName which cannot be used inside $or.")]
    [InlineData("""{"$or":[{"a":["x"]},{"b":["y"],"prefix":["z"]}]}""", "prefix is Ruler reserved fieldName which cannot be used inside $or.")]
    public void or_errors_give_eventbridge_reasons(string pattern, string reason) =>
        ReasonOf(pattern).ShouldBe(reason);

    /// <summary>
    /// docs/compat/patterns.md: an array of plain values under <c>$or</c> is a field named <c>$or</c>
    /// (issue 2), where event-ruler's strict compiler says "Only JSON object is allowed in array of $or relationship.".
    /// </summary>
    [Fact]
    public void or_with_plain_values_is_a_field_name()
    {
        var pattern = EventPattern.Parse("""{"$or":["x"]}""");
        pattern.Matches("""{"$or":"x"}""").ShouldBeTrue();
        ReasonOf("""{"$or":["x",{"a":["y"]}]}""").ShouldBe("Only JSON object is allowed in array of $or relationship.");
    }

    [Fact]
    public void event_rulers_wrong_or_relationship_rules_are_rejected()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("bench-data", "wrongOrRelationshipRules.json")));
        var rules = document.RootElement.EnumerateArray().Select(r => r.GetRawText()).ToArray();
        rules.Length.ShouldBe(2);
        ReasonOf(rules[0]).ShouldBe("There must have at least 2 Objects in $or relationship.");
        ReasonOf(rules[1]).ShouldBe("Only JSON object is allowed in array of $or relationship.");
    }

    // ---- accepted shapes -----------------------------------------------------------------------------------

    /// <summary>Shapes EventBridge accepts (recorded templates, notes §8) and that a stricter validator might wrongly refuse.</summary>
    [Theory]
    [InlineData("""{"a":[{"anything-but":{"prefix":["x","y"]}}]}""")]
    [InlineData("""{"a":[{"anything-but":{"suffix":["x","y"]}}]}""")]
    [InlineData("""{"a":[{"anything-but":{"wildcard":["x*","*y"]}}]}""")]
    [InlineData("""{"a":[{"anything-but":{"wildcard":""}}]}""")]
    [InlineData("""{"a":[{"anything-but":{"equals-ignore-case":["x","Y"]}}]}""")]
    [InlineData("""{"a":[{"prefix":""},{"suffix":""},{"equals-ignore-case":""},{"wildcard":""},{"exactly":""}]}""")]
    [InlineData("""{"a":[{"exists":false},{"anything-but":"x"}]}""")]
    [InlineData("""{"a":[{"numeric":[">",100]},{"anything-but":"101"}]}""")]
    [InlineData("""{"a":["x",5,true,false,null,{"prefix":"p"}]}""")]
    [InlineData("""{"a":[{"numeric":["<",5]}],"b":{"c":[{"numeric":[">=",0,"<",1.5]}]}}""")]
    [InlineData("""{"a":[{"prefix":{"equals-ignore-case":"x"}},{"suffix":{"equals-ignore-case":"y"}}]}""")]
    [InlineData("""{"exists":["x"],"prefix":{"numeric":["y"]}}""")]
    [InlineData("""{"a":["x"]} trailing content is ignored""")]
    public void shapes_eventbridge_accepts_are_valid(string pattern) => ShouldBeValid(pattern);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
