using System.Buffers;
using System.Text;
using Shouldly;

namespace Tideway.Transform.Tests;

/// <summary><c>InputPath</c>, and the JSONPath subset both it and <c>InputPathsMap</c> use.</summary>
public sealed class InputPathTests
{
    private const string Detail = """
        {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "payload": {"message": "baz"}},
         "items": [{"id": 1, "tags": ["a"]}, {"id": 2, "tags": ["b", "c"]}], "count": 7, "flag": false, "nothing": null,
         "odd-key_1/x": "slash", "a:b": "colon"}
        """;

    [Fact]
    public void dollar_selects_the_whole_event()
    {
        var utf8Event = TestEvents.Envelope(Detail);
        TargetInput.TryCreate("t1", null, "$", null, null, false, out var targetInput, out var error).ShouldBeTrue(error);
        targetInput!.Render(utf8Event, TestEvents.Context).ShouldBe(utf8Event);
    }

    [Fact]
    public void an_object_is_delivered_as_compact_json() =>
        Transform.RenderPath(Detail, "$.detail.payload").ShouldBe("""{"acc_id":"0a787ecb-4015","payload":{"message":"baz"}}""");

    [Fact]
    public void a_string_is_delivered_as_a_json_string_literal() =>
        Transform.RenderPath(Detail, "$.detail.payload.acc_id").ShouldBe("\"0a787ecb-4015\"");

    [Fact]
    public void numbers_booleans_and_null_are_delivered_as_json_literals()
    {
        Transform.RenderPath(Detail, "$.detail.count").ShouldBe("7");
        Transform.RenderPath(Detail, "$.detail.flag").ShouldBe("false");
        Transform.RenderPath(Detail, "$.detail.nothing").ShouldBe("null");
    }

    [Fact]
    public void a_top_level_field_with_a_dash_is_selected() =>
        Transform.RenderPath(Detail, "$.detail-type").ShouldBe("\"my.type\"");

    [Fact]
    public void names_may_hold_dashes_underscores_slashes_and_colons()
    {
        Transform.RenderPath(Detail, "$.detail.odd-key_1/x").ShouldBe("\"slash\"");
        Transform.RenderPath(Detail, "$.detail.a:b").ShouldBe("\"colon\"");
    }

    [Fact]
    public void an_array_position_selects_one_element()
    {
        Transform.RenderPath(Detail, "$.detail.items[1].id").ShouldBe("2");
        Transform.RenderPath(Detail, "$.detail.items[1].tags[0]").ShouldBe("\"b\"");
    }

    [Fact]
    public void a_wildcard_selects_a_list_in_document_order()
    {
        Transform.RenderPath(Detail, "$.detail.items[*].id").ShouldBe("[1,2]");
        Transform.RenderPath(Detail, "$.detail.items.*.tags").ShouldBe("""[["a"],["b","c"]]""");
        Transform.RenderPath(Detail, "$.detail.payload.*").ShouldBe("""["0a787ecb-4015",{"message":"baz"}]""");
    }

    [Fact]
    public void a_wildcard_that_selects_nothing_gives_an_empty_list() =>
        Transform.RenderPath(Detail, "$.detail.count.*").ShouldBe("[]");

    [Fact]
    public void a_wildcard_list_in_a_template_is_an_array_outside_quotes_and_flattened_inside_a_string_template()
    {
        Transform.Render(Detail, """{"ids": <ids>}""", ("ids", "$.detail.items[*].id")).ShouldBe("""{"ids":[1,2]}""");
        Transform.Render(Detail, "\"tags <tags>\"", ("tags", "$.detail.items[*].tags")).ShouldBe("\"tags [[a],[b,c]]\"");
        Transform.Undeliverable(Detail, """{"tags": "<tags>"}""", ("tags", "$.detail.items[*].tags")).ShouldContain("inside a JSON string");
    }

    [Fact]
    public void a_path_that_selects_nothing_is_not_delivered()
    {
        TargetInput.TryCreate("t1", null, "$.detail.absent", null, null, false, out var targetInput, out _).ShouldBeTrue();
        targetInput!.TryRender(TestEvents.Envelope(Detail), TestEvents.Context, out var output, out var error).ShouldBeFalse();
        output.ShouldBeNull();
        error.ShouldBe("InputPath $.detail.absent selects nothing in the event.");
    }

    [Fact]
    public void a_name_does_not_select_from_an_array_nor_a_position_from_an_object()
    {
        TargetInput.TryCreate("t1", null, "$.detail.items.id", null, null, false, out var byName, out _).ShouldBeTrue();
        byName!.TryRender(TestEvents.Envelope(Detail), TestEvents.Context, out _, out _).ShouldBeFalse();
        TargetInput.TryCreate("t1", null, "$.detail.payload[0]", null, null, false, out var byIndex, out _).ShouldBeTrue();
        byIndex!.TryRender(TestEvents.Envelope(Detail), TestEvents.Context, out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void escaped_member_names_in_the_event_match_by_their_text()
    {
        var utf8Event = Encoding.UTF8.GetBytes("""{"detail":{"a\u0062c":"found"}}""");
        TargetInput.TryCreate("t1", null, "$.detail.abc", null, null, false, out var targetInput, out _).ShouldBeTrue();
        TestEvents.Text(targetInput!.Render(utf8Event, TestEvents.Context)).ShouldBe("\"found\"");
    }

    [Fact]
    public void a_duplicated_key_keeps_its_last_value()
    {
        var utf8Event = Encoding.UTF8.GetBytes("""{"detail":{"k":1,"k":2}}""");
        TargetInput.TryCreate("t1", null, "$.detail.k", null, null, false, out var targetInput, out _).ShouldBeTrue();
        TestEvents.Text(targetInput!.Render(utf8Event, TestEvents.Context)).ShouldBe("2");
    }

    [Fact]
    public void a_deeply_nested_event_is_read_past_what_no_path_needs()
    {
        var deep = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            deep.Append("{\"a\":");
        }

        deep.Append('1').Append('}', 500);
        var utf8Event = Encoding.UTF8.GetBytes($$$"""{"detail":{"deep":{{{deep}}},"after":"ok"}}""");
        TargetInput.TryCreate("t1", null, "$.detail.after", null, null, false, out var targetInput, out _).ShouldBeTrue();
        TestEvents.Text(targetInput!.Render(utf8Event, TestEvents.Context)).ShouldBe("\"ok\"");
    }

    [Fact]
    public void an_event_that_is_not_json_is_not_delivered()
    {
        TargetInput.TryCreate("t1", null, "$.detail", null, null, false, out var targetInput, out _).ShouldBeTrue();
        targetInput!.TryRender("{\"detail\":"u8, TestEvents.Context, out _, out var error).ShouldBeFalse();
        error.ShouldStartWith("The event is not valid JSON");
    }

    [Fact]
    public void rendering_into_a_buffer_writes_nothing_when_there_is_no_output()
    {
        TargetInput.TryCreate("t1", null, "$.detail.absent", null, null, false, out var targetInput, out _).ShouldBeTrue();
        var buffer = new ArrayBufferWriter<byte>();
        targetInput!.TryRender(TestEvents.Envelope(Detail), TestEvents.Context, buffer, out _).ShouldBeFalse();
        buffer.WrittenCount.ShouldBe(0);
    }

    [Theory]
    [InlineData("$.detail")]
    [InlineData("$")]
    [InlineData("$.detail.a.b")]
    [InlineData("$.detail-type")]
    [InlineData("$.detail.list[0]")]
    [InlineData("$.detail.list[*]")]
    [InlineData("$.detail.*")]
    [InlineData("$.resources[0]")]
    public void supported_paths_are_accepted(string path) =>
        TargetInput.TryCreate("t1", null, path, null, null, false, out _, out var error).ShouldBeTrue(error);

    [Theory]
    [InlineData("")]
    [InlineData("detail")]
    [InlineData("$.")]
    [InlineData("$..detail")]
    [InlineData("$.detail['key']")]
    [InlineData("$[\"detail\"]")]
    [InlineData("$.detail[-1]")]
    [InlineData("$.detail[0:2]")]
    [InlineData("$.detail[?(@.a)]")]
    [InlineData("$.detail.a b")]
    [InlineData("$.detail[0")]
    [InlineData("$detail")]
    public void unsupported_paths_are_invalid(string path)
    {
        TargetInput.TryCreate("t1", null, path, null, null, false, out var targetInput, out var error).ShouldBeFalse();
        targetInput.ShouldBeNull();
        error.ShouldBe("InputPath for target t1 is invalid.");
    }
}
