using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class GetLogEventsTests : EngineTestBase
{
    /// <summary>Twenty events at timestamps base+0 … base+19 with messages "0" … "19".</summary>
    private async Task<long> TwentyAsync()
    {
        await GroupAsync();
        await StreamAsync();
        var start = Now - 1000;
        await PutAsync("g", "s", [.. Enumerable.Range(0, 20).Select(i => (start + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
        return start;
    }

    private GetLogEventsResponse Get(int? limit = null, string? token = null, bool? head = null, long? start = null, long? end = null) =>
        Engine.GetLogEvents(Scope, new GetLogEventsRequest("s", "g", StartTime: start, EndTime: end, NextToken: token, Limit: limit, StartFromHead: head));

    private static string[] Messages(GetLogEventsResponse r) => [.. r.Events.Select(e => e.Message)];

    private static string[] Range(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task without_a_token_returns_the_latest_events_oldest_first()
    {
        await TwentyAsync();
        Messages(Get(limit: 10)).ShouldBe(Range(10, 10));
    }

    [Fact]
    public async Task start_from_head_returns_the_earliest_events()
    {
        await TwentyAsync();
        Messages(Get(limit: 10, head: true)).ShouldBe(Range(0, 10));
    }

    [Fact]
    public async Task tokens_page_forward_and_backward()
    {
        await TwentyAsync();
        var tail = Get(limit: 10);
        tail.NextForwardToken.ShouldStartWith("f/");
        tail.NextBackwardToken.ShouldStartWith("b/");

        var older = Get(limit: 20, token: tail.NextBackwardToken);
        Messages(older).ShouldBe(Range(0, 10));

        var oldest = Get(limit: 10, token: older.NextBackwardToken);
        oldest.Events.ShouldBeEmpty();
        oldest.NextBackwardToken.ShouldBe(older.NextBackwardToken); // at the start: the same token comes back

        Messages(Get(limit: 1, token: oldest.NextForwardToken)).ShouldBe(["1"]);
    }

    [Fact]
    public async Task at_the_end_the_forward_token_comes_back_unchanged()
    {
        await TwentyAsync();
        var head = Get(limit: 10, head: true);
        var rest = Get(limit: 20, token: head.NextForwardToken);
        Messages(rest).ShouldBe(Range(10, 10));
        var end = Get(limit: 10, token: rest.NextForwardToken);
        end.Events.ShouldBeEmpty();
        end.NextForwardToken.ShouldBe(rest.NextForwardToken);
        Messages(Get(limit: 1, token: end.NextBackwardToken)).ShouldBe(["18"]);
    }

    [Fact]
    public async Task forward_token_sees_events_added_later()
    {
        var start = await TwentyAsync();
        var first = Get();
        first.Events.Count.ShouldBe(20);
        var nothing = Get(token: first.NextForwardToken);
        nothing.Events.ShouldBeEmpty();
        await PutAsync("g", "s", (start + 30, "later"));
        Messages(Get(token: nothing.NextForwardToken)).ShouldBe(["later"]);
    }

    [Fact]
    public async Task an_empty_stream_gives_tokens_that_follow_new_events()
    {
        await GroupAsync();
        await StreamAsync();
        var empty = Get();
        empty.Events.ShouldBeEmpty();
        await PutAsync("g", "s", (Now, "first"));
        Messages(Get(token: empty.NextForwardToken)).ShouldBe(["first"]);
    }

    [Fact]
    public async Task start_time_is_inclusive_and_end_time_exclusive()
    {
        var start = await TwentyAsync();
        Messages(Get(head: true, start: start + 5, end: start + 8)).ShouldBe(["5", "6", "7"]);
    }

    [Fact]
    public async Task time_range_applies_to_token_reads_too()
    {
        var start = await TwentyAsync();
        var page = Get(head: true, limit: 2, start: start + 5, end: start + 8);
        Messages(page).ShouldBe(["5", "6"]);
        Messages(Get(token: page.NextForwardToken, start: start + 5, end: start + 8)).ShouldBe(["7"]);
    }

    [Fact]
    public async Task default_limit_stops_at_one_megabyte()
    {
        await GroupAsync();
        await StreamAsync();
        var message = new string('x', 100_000 - 26);
        for (var i = 0; i < 12; i++)
        {
            await PutAsync("g", "s", (Now - 100 + i, message));
        }
        var page = Get(head: true);
        page.Events.Count.ShouldBe(10); // 10 × 100,000 bytes fit in 1,048,576; 11 do not
        Get(token: page.NextForwardToken).Events.Count.ShouldBe(2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task limit_is_1_to_10000(int limit)
    {
        await TwentyAsync();
        Fails(() => Get(limit: limit)).Message.ShouldContain("at 'limit' failed to satisfy constraint");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("n/00000000000000000000000000000000000000000000000000000000")]
    [InlineData("f/123")]
    public async Task rejects_a_token_it_did_not_issue(string token)
    {
        await TwentyAsync();
        ShouldBe(Fails(() => Get(token: token)), "InvalidParameterException", "The specified nextToken is invalid.");
    }

    [Fact]
    public async Task reads_one_stream_only()
    {
        await TwentyAsync();
        await StreamAsync("g", "other");
        await PutAsync("g", "other", (Now, "elsewhere"));
        Messages(Get()).ShouldNotContain("elsewhere");
    }

    [Fact]
    public async Task missing_group_or_stream_is_not_found()
    {
        ShouldBe(Fails(() => Get()), "ResourceNotFoundException", "The specified log group does not exist.");
        await GroupAsync();
        ShouldBe(Fails(() => Get()), "ResourceNotFoundException", "The specified log stream does not exist.");
    }

    [Fact]
    public async Task accepts_the_group_arn_as_identifier()
    {
        await TwentyAsync();
        Engine.GetLogEvents(Scope, new GetLogEventsRequest("s", LogGroupIdentifier: "arn:aws:logs:us-east-1:123456789012:log-group:g"))
            .Events.Count.ShouldBe(20);
    }

    [Fact]
    public async Task ingestion_time_is_reported()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now - 5000, "x"));
        var ingested = Now;
        Clock.Advance(TimeSpan.FromMinutes(1));
        Get().Events.ShouldHaveSingleItem().IngestionTime.ShouldBe(ingested);
    }
}
