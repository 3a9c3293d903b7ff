using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class PutLogEventsTests : EngineTestBase
{
    private async Task ReadyAsync()
    {
        await GroupAsync();
        await StreamAsync();
    }

    private List<string> Messages() =>
        [.. Engine.GetLogEvents(Scope, new GetLogEventsRequest("s", "g", StartFromHead: true)).Events.Select(e => e.Message)];

    [Fact]
    public async Task stores_events_with_the_ingestion_time()
    {
        await ReadyAsync();
        var response = await PutAsync("g", "s", (Now - 10, "one"), (Now - 5, "two"));
        response.RejectedLogEventsInfo.ShouldBeNull();
        response.NextSequenceToken.ShouldNotBeNull();
        var events = Engine.GetLogEvents(Scope, new GetLogEventsRequest("s", "g", StartFromHead: true)).Events;
        events.Select(e => (e.Timestamp, e.Message, e.IngestionTime)).ShouldBe([(Now - 10, "one", Now), (Now - 5, "two", Now)]);
    }

    [Fact]
    public async Task creates_nothing_when_the_group_is_missing()
    {
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("nope", "s", [new(Now, "x")]))),
            "ResourceNotFoundException", "The specified log group does not exist.");
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups.ShouldBeEmpty();
    }

    [Fact]
    public async Task creates_nothing_when_the_stream_is_missing()
    {
        await GroupAsync();
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "nope", [new(Now, "x")]))),
            "ResourceNotFoundException", "The specified log stream does not exist.");
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams.ShouldBeEmpty();
    }

    [Fact]
    public async Task rejects_an_empty_batch()
    {
        await ReadyAsync();
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", []))),
            "InvalidParameterException",
            "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    [Fact]
    public async Task accepts_10000_events_and_rejects_10001()
    {
        await ReadyAsync();
        var batch = Enumerable.Range(0, 10_000).Select(i => new InputLogEvent(Now - 20_000 + i, "m")).ToArray();
        await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", batch));
        var tooMany = Enumerable.Range(0, 10_001).Select(i => new InputLogEvent(Now, "m")).ToArray();
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", tooMany))),
            "InvalidParameterException",
            "1 validation error detected: Value '[...]' at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000");
    }

    [Fact]
    public async Task rejects_an_empty_message()
    {
        await ReadyAsync();
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, "ok"), new(Now, "")]))),
            "InvalidParameterException",
            "1 validation error detected: Value '' at 'logEvents.2.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    [Fact]
    public async Task batch_size_counts_utf8_bytes_plus_26_per_event()
    {
        await ReadyAsync();
        // Two events of 524,262 bytes each: (524,262 + 26) * 2 = 1,048,576, exactly the limit.
        var half = new string('a', 524_262);
        await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, half), new(Now, half)]));
        var over = half + "é"; // one more character, two more bytes
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, half), new(Now, over)]))),
            "InvalidParameterException", "Upload too large: 1048578 bytes exceeds limit of 1048576");
    }

    [Fact]
    public async Task rejects_one_event_larger_than_1_mb()
    {
        await ReadyAsync();
        var big = new string('a', 1_048_551); // + 26 = 1,048,577
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, big)]))),
            "InvalidParameterException", "Log event too large: 1048577 bytes exceeds limit of 1048576");
    }

    [Fact]
    public async Task rejects_events_out_of_chronological_order()
    {
        await ReadyAsync();
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, "b"), new(Now - 1, "a")]))),
            "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.");
        Messages().ShouldBeEmpty();
    }

    [Fact]
    public async Task accepts_equal_timestamps()
    {
        await ReadyAsync();
        await PutAsync("g", "s", (Now, "first"), (Now, "second"), (Now, "third"));
        Messages().ShouldBe(["first", "second", "third"]);
    }

    [Fact]
    public async Task reports_events_older_than_14_days_and_stores_the_rest()
    {
        await ReadyAsync();
        var response = await PutAsync("g", "s", (Now - (15 * Day), "old1"), (Now - (14 * Day) - 1, "old2"), (Now - (14 * Day), "edge"), (Now - (13 * Day), "later"));
        response.RejectedLogEventsInfo.ShouldBe(new RejectedLogEventsInfo(null, 2, null));
        Messages().ShouldBe(["edge", "later"]);
    }

    [Fact]
    public async Task reports_events_more_than_2_hours_ahead_and_stores_the_rest()
    {
        await ReadyAsync();
        var response = await PutAsync("g", "s", (Now, "now"), (Now + (2 * Hour), "edge"), (Now + (2 * Hour) + 1, "future"));
        response.RejectedLogEventsInfo.ShouldBe(new RejectedLogEventsInfo(2, null, null));
        Messages().ShouldBe(["now", "edge"]);
    }

    [Fact]
    public async Task reports_events_older_than_the_retention_as_expired()
    {
        await ReadyAsync();
        await Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", 1));
        var response = await PutAsync("g", "s", (Now - (20 * Day), "ancient"), (Now - (2 * Day), "expired"), (Now - Hour, "kept"));
        response.RejectedLogEventsInfo.ShouldBe(new RejectedLogEventsInfo(null, 1, 2));
        Messages().ShouldBe(["kept"]);
    }

    [Fact]
    public async Task a_batch_of_only_rejected_events_succeeds()
    {
        await ReadyAsync();
        var response = await PutAsync("g", "s", (Now - (30 * Day), "old"), (Now + Day, "new"));
        response.RejectedLogEventsInfo.ShouldBe(new RejectedLogEventsInfo(1, 1, null));
        Messages().ShouldBeEmpty();
    }

    [Fact]
    public async Task rejects_accepted_events_spanning_more_than_24_hours()
    {
        await ReadyAsync();
        ShouldBe(await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now - Day - 1, "a"), new(Now, "b")]))),
            "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
        await PutAsync("g", "s", (Now - Day, "a"), (Now, "b"));
    }

    [Fact]
    public async Task the_24_hour_span_counts_only_accepted_events()
    {
        await ReadyAsync();
        var response = await PutAsync("g", "s", (Now - (20 * Day), "too old"), (Now - Hour, "kept"));
        response.RejectedLogEventsInfo!.TooOldLogEventEndIndex.ShouldBe(1);
    }

    [Fact]
    public async Task sequence_token_is_accepted_and_ignored()
    {
        await ReadyAsync();
        await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, "a")], SequenceToken: "whatever"));
        var response = await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(Now, "b")], SequenceToken: "stale-token"));
        response.RejectedLogEventsInfo.ShouldBeNull();
        Messages().ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task rejects_a_negative_timestamp()
    {
        await ReadyAsync();
        (await FailsAsync(() => Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", [new(-1, "a")])))).Message
            .ShouldBe("1 validation error detected: Value '-1' at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0");
    }

    [Fact]
    public async Task events_of_separate_uploads_interleave_by_timestamp()
    {
        await ReadyAsync();
        await PutAsync("g", "s", (Now - 10, "a"), (Now - 5, "c"));
        await PutAsync("g", "s", (Now - 7, "b"), (Now - 1, "d"));
        Messages().ShouldBe(["a", "b", "c", "d"]);
        var stream = Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams[0];
        stream.FirstEventTimestamp.ShouldBe(Now - 10);
        stream.LastEventTimestamp.ShouldBe(Now - 1);
    }
}
