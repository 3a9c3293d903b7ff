using System.Text.Json;
using Shouldly;

namespace Tideway.Transform.Tests;

/// <summary>The reserved <c>aws.events.*</c> variables, usable in a template without a path.</summary>
public sealed class PredefinedVariableTests
{
    private const string Detail = """{"command": "update-account"}""";

    [Fact]
    public void rule_arn_rule_name_and_ingestion_time_outside_quotes_are_json_strings() =>
        Transform.Render(Detail, """{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>}""")
            .ShouldBe($$"""{"ruleArn":"{{TestEvents.RuleArn}}","ruleName":"{{TestEvents.RuleName}}","at":"{{TestEvents.Time}}"}""");

    [Fact]
    public void rule_name_inside_a_string_is_its_text() =>
        Transform.Render(Detail, "\"<aws.events.rule-name> triggered\"").ShouldBe($"\"{TestEvents.RuleName} triggered\"");

    [Fact]
    public void context_values_are_escaped_as_json()
    {
        var targetInput = Transform.Create("""{"name": <aws.events.rule-name>, "text": "rule <aws.events.rule-name>"}""");
        var context = new TransformContext("arn", "odd\"name\\\n", "2024-06-11T08:33:10Z");
        var output = TestEvents.Text(targetInput.Render(TestEvents.Envelope(Detail), context));

        using var parsed = JsonDocument.Parse(output);
        parsed.RootElement.GetProperty("name").GetString().ShouldBe("odd\"name\\\n");
        parsed.RootElement.GetProperty("text").GetString().ShouldBe("rule odd\"name\\\n");
    }

    [Fact]
    public void ingestion_time_is_the_context_value_not_the_event_time()
    {
        var targetInput = Transform.Create("\"<aws.events.event.ingestion-time>\"");
        var context = TestEvents.Context with { IngestionTime = "2030-01-02T03:04:05Z" };
        TestEvents.Text(targetInput.Render(TestEvents.Envelope(Detail), context)).ShouldBe("\"2030-01-02T03:04:05Z\"");
    }

    [Fact]
    public void event_is_the_envelope_without_detail_with_detailType_in_eventbridge_order()
    {
        var output = Transform.Render(Detail, """{"e": <aws.events.event>}""");
        output.ShouldBe(
            $$$"""{"e":{"id":"{{{TestEvents.EventId}}}","account":"{{{TestEvents.Account}}}","detailType":"my.type","time":"{{{TestEvents.Time}}}","source":"my.source","region":"{{{TestEvents.Region}}}","resources":[],"version":"0"}}""");
    }

    [Fact]
    public void event_json_is_the_whole_event()
    {
        var utf8Event = TestEvents.Envelope(Detail);
        var output = Transform.Render(Detail, """{"e": <aws.events.event.json>}""");
        output.ShouldBe("""{"e":""" + TestEvents.Text(utf8Event) + "}");
    }

    [Fact]
    public void predefined_variables_need_no_input_paths_map()
    {
        TargetInput.TryCreate("t1", null, null, null, "\"<aws.events.rule-arn>\"", true, out var targetInput, out var error).ShouldBeTrue(error);
        TestEvents.Text(targetInput!.Render(TestEvents.Envelope(Detail), TestEvents.Context)).ShouldBe($"\"{TestEvents.RuleArn}\"");
    }
}
