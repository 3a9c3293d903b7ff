using System.Buffers;
using Shouldly;

namespace Tideway.Transform.Tests;

/// <summary>Rendering into a caller's buffer reads the event once and allocates nothing.</summary>
public sealed class AllocationTests
{
    private const string Detail = """
        {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}, "listsingle": ["HIGH"],
         "listmulti": ["ACTIVE", "INACTIVE"], "valid": true, "big": {"skipped": [1, 2, 3, {"deep": "x"}]}}
        """;

    [Fact]
    public void rendering_a_transformer_into_a_buffer_allocates_nothing()
    {
        var targetInput = Transform.Create(
            """{"id": <userId>, "path": "users/<userId>", "bod": <payload>, "all": <listmulti>, "ok": <valid>, "rule": <aws.events.rule-name>, "e": <aws.events.event>, "first": <first>, "many": <many>}""",
            ("userId", "$.detail.payload.acc_id"),
            ("payload", "$.detail.payload"),
            ("listmulti", "$.detail.listmulti"),
            ("valid", "$.detail.valid"),
            ("first", "$.detail.listmulti[0]"),
            ("many", "$.detail.listmulti[*]"));
        AssertNoAllocation(targetInput);
    }

    [Fact]
    public void rendering_an_input_path_into_a_buffer_allocates_nothing()
    {
        TargetInput.TryCreate("t1", null, "$.detail.payload", null, null, false, out var targetInput, out _).ShouldBeTrue();
        AssertNoAllocation(targetInput!);
    }

    private static void AssertNoAllocation(TargetInput targetInput)
    {
        var utf8Event = TestEvents.Envelope(Detail);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        for (var i = 0; i < 10; i++)
        {
            buffer.ResetWrittenCount();
            targetInput.TryRender(utf8Event, TestEvents.Context, buffer, out _).ShouldBeTrue();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            buffer.ResetWrittenCount();
            targetInput.TryRender(utf8Event, TestEvents.Context, buffer, out _);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }
}
