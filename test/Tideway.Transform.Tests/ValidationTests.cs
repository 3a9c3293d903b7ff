using Shouldly;

namespace Tideway.Transform.Tests;

/// <summary>The checks PutTargets makes on a target's input settings, with EventBridge's messages.</summary>
public sealed class ValidationTests
{
    private static readonly Dictionary<string, string> Map = new() { ["state"] = "$.detail.state" };

    [Fact]
    public void no_input_setting_gives_the_whole_event()
    {
        TargetInput.TryCreate("t1", null, null, null, null, false, out var targetInput, out var error).ShouldBeTrue(error);
        targetInput.ShouldBeSameAs(TargetInput.WholeEvent);
        targetInput!.IsWholeEvent.ShouldBeTrue();
        targetInput.Kind.ShouldBe(TargetInputKind.WholeEvent);
        var utf8Event = TestEvents.Envelope("""{"a": 1}""");
        targetInput.Render(utf8Event, TestEvents.Context).ShouldBe(utf8Event);
    }

    [Theory]
    [InlineData(true, true, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public void only_one_of_input_input_path_and_input_transformer_may_be_set(bool input, bool inputPath, bool transformer)
    {
        TargetInput.TryCreate("t1", input ? "{}" : null, inputPath ? "$.detail" : null, Map, "\"<state>\"", transformer, out var targetInput, out var error)
            .ShouldBeFalse();
        targetInput.ShouldBeNull();
        error.ShouldBe("Only one of Input, InputPath, or InputTransformer must be provided for target t1.");
    }

    [Fact]
    public void without_a_target_id_messages_leave_it_out()
    {
        TargetInput.TryCreate("{}", "$.detail", null, null, false, out _, out var error).ShouldBeFalse();
        error.ShouldBe("Only one of Input, InputPath, or InputTransformer must be provided.");
        TargetInput.TryCreate(null, "detail", null, null, false, out _, out error).ShouldBeFalse();
        error.ShouldBe("InputPath is invalid.");
    }

    [Theory]
    [InlineData("""{"custom-value": "somecustominput"}""")]
    [InlineData("\"hello\"")]
    [InlineData("42")]
    [InlineData("[1, 2]")]
    [InlineData(" null ")]
    public void input_is_any_json_text_and_is_delivered_verbatim(string input)
    {
        TargetInput.TryCreate("t1", input, null, null, null, false, out var targetInput, out var error).ShouldBeTrue(error);
        targetInput!.Kind.ShouldBe(TargetInputKind.Input);
        TestEvents.Text(targetInput.Render(TestEvents.Envelope("{}"), TestEvents.Context)).ShouldBe(input);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("{\"a\": }")]
    [InlineData("{} {}")]
    [InlineData("{'a': 1}")]
    public void input_that_is_not_json_is_refused(string input)
    {
        TargetInput.TryCreate("t1", input, null, null, null, false, out _, out var error).ShouldBeFalse();
        error.ShouldBe("JSON syntax error in input for target t1.");
    }

    [Fact]
    public void input_longer_than_8192_characters_is_refused()
    {
        var longest = "\"" + new string('a', 8190) + "\"";
        TargetInput.TryCreate("t1", longest, null, null, null, false, out _, out _).ShouldBeTrue();
        TargetInput.TryCreate("t1", "\"" + new string('a', 8191) + "\"", null, null, null, false, out _, out var error).ShouldBeFalse();
        error.ShouldEndWith("failed to satisfy constraint: Member must have length less than or equal to 8192");
    }

    [Fact]
    public void input_path_longer_than_256_characters_is_refused()
    {
        TargetInput.TryCreate("t1", null, "$." + new string('a', 254), null, null, false, out _, out _).ShouldBeTrue();
        TargetInput.TryCreate("t1", null, "$." + new string('a', 255), null, null, false, out _, out var error).ShouldBeFalse();
        error.ShouldEndWith("failed to satisfy constraint: Member must have length less than or equal to 256");
    }

    [Fact]
    public void an_input_transformer_needs_a_template()
    {
        TargetInput.TryCreate("t1", null, null, Map, null, true, out _, out var error).ShouldBeFalse();
        error.ShouldBe("1 validation error detected: Value null at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must not be null");
        Transform.CreateError("").ShouldBe("1 validation error detected: Value '' at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    [Fact]
    public void a_template_longer_than_8192_characters_is_refused()
    {
        Transform.Create("\"" + new string('a', 8190) + "\"");
        Transform.CreateError("\"" + new string('a', 8191) + "\"")
            .ShouldEndWith("at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must have length less than or equal to 8192");
    }

    [Fact]
    public void a_template_may_use_only_mapped_or_predefined_variables() =>
        Transform.CreateError("\"Event of <detail-type> type, with not defined key <notdefinedkey>\"", ("detail-type", "$.detail-type"))
            .ShouldBe("InputTemplate for target t1 contains invalid placeholder notdefinedkey.");

    [Fact]
    public void an_unknown_aws_events_name_is_an_invalid_placeholder() =>
        Transform.CreateError("\"<aws.events.rule-id>\"").ShouldBe("InputTemplate for target t1 contains invalid placeholder aws.events.rule-id.");

    [Theory]
    [InlineData("aws.events.rule-name")]
    [InlineData("aws.events.event")]
    [InlineData("my.var")]
    [InlineData("my var")]
    [InlineData("")]
    public void reserved_names_and_other_keys_outside_the_pattern_cannot_be_variables(string key) =>
        Transform.CreateError("\"x\"", (key, "$.detail"))
            .ShouldBe($"1 validation error detected: Value '{{{key}=$.detail}}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: [{(key.Length == 0 ? "Member must have length greater than or equal to 1, " : string.Empty)}Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+]");

    [Fact]
    public void keys_starting_with_aws_are_accepted() =>
        Transform.Render("""{"a": 1}""", "{\"v\": <AWSValue>}", ("AWSValue", "$.detail.a")).ShouldBe("""{"v":1}""");

    [Fact]
    public void an_input_paths_map_holds_at_most_100_variables()
    {
        var hundred = Enumerable.Range(0, 100).Select(i => ($"v{i}", $"$.detail.k{i}")).ToArray();
        Transform.Create("\"<v0> <v99>\"", hundred);
        var error = Transform.CreateError("\"x\"", [.. hundred, ("v100", "$.detail.k100")]);
        error.ShouldStartWith("1 validation error detected: Value '{v0=$.detail.k0, v1=$.detail.k1,");
        error.ShouldEndWith("at 'inputTransformer.inputPathsMap' failed to satisfy constraint: Member must have length less than or equal to 100");
    }

    [Fact]
    public void a_path_in_the_input_paths_map_longer_than_256_characters_is_refused() =>
        Transform.CreateError("\"x\"", ("v", "$." + new string('a', 255)))
            .ShouldEndWith("failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256]");

    [Theory]
    [InlineData("detail")]
    [InlineData("$.detail['a']")]
    [InlineData("$..a")]
    public void an_invalid_path_in_the_input_paths_map_is_an_invalid_input_path(string path) =>
        Transform.CreateError("\"<v>\"", ("v", path)).ShouldBe("InputPath for target t1 is invalid.");

    [Theory]
    [InlineData("\"event <aws.events.event.json>\"")]
    [InlineData("[<aws.events.event.json>]")]
    [InlineData("<aws.events.event.json>")]
    [InlineData("""{"e": "<aws.events.event.json>"}""")]
    public void event_json_is_only_valid_as_a_value_in_a_json_template(string template) =>
        Transform.CreateError(template).ShouldBe("InputTemplate for target t1 contains placeholder aws.events.event.json valid only for JSON template.");

    [Theory]
    [InlineData("""{"a": <state>""")]
    [InlineData("""{<state>: 1}""")]
    [InlineData("""{"a": <state> <state>}""")]
    [InlineData("""{"a": 1} trailing""")]
    [InlineData("{\"a\": \"line\nbreak\"}")]
    public void a_json_template_must_be_json_once_filled(string template) =>
        Transform.CreateError(template, ("state", "$.detail.state")).ShouldBe("Input for target t1 is not a valid JSON text.");

    [Fact]
    public void a_json_template_may_hold_a_placeholder_inside_an_object_key_string() =>
        Transform.Render("""{"state": "on"}""", """{"key-<state>": 1}""", ("state", "$.detail.state")).ShouldBe("""{"key-on":1}""");

    [Fact]
    public void a_string_template_is_not_required_to_be_one_json_value() =>
        Transform.Render("""{"state": "on"}""", "\"a <state>\"\n\"b\"", ("state", "$.detail.state")).ShouldBe("\"a on\"\n\"b\"");

    [Fact]
    public void the_map_and_template_are_ignored_without_an_input_transformer()
    {
        TargetInput.TryCreate("t1", null, null, Map, "\"<undefined>\"", false, out var targetInput, out var error).ShouldBeTrue(error);
        targetInput!.IsWholeEvent.ShouldBeTrue();
    }
}
