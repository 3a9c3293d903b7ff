using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class FilterLogEventsTests : EngineTestBase
{
    private FilterLogEventsResponse Filter(FilterLogEventsRequest request) => Engine.FilterLogEvents(Scope, request);

    private static string[] Messages(FilterLogEventsResponse r) => [.. r.Events.Select(e => e.Message)];

    [Fact]
    public async Task interleaves_streams_in_timestamp_order()
    {
        await GroupAsync();
        await StreamAsync("g", "a");
        await StreamAsync("g", "b");
        await PutAsync("g", "a", (Now - 30, "a1"), (Now - 10, "a2"));
        await PutAsync("g", "b", (Now - 20, "b1"), (Now - 5, "b2"));
        var response = Filter(new FilterLogEventsRequest("g"));
        response.Events.Select(e => (e.LogStreamName, e.Message)).ShouldBe([("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2")]);
        response.SearchedLogStreams.ShouldBeEmpty(); // as on AWS since 2020
        response.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task applies_the_filter_pattern()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now - 3, "INFO ok"), (Now - 2, "ERROR boom"), (Now - 1, "{\"level\":\"ERROR\",\"ms\":250}"));
        Messages(Filter(new FilterLogEventsRequest("g", FilterPattern: "ERROR"))).ShouldBe(["ERROR boom", "{\"level\":\"ERROR\",\"ms\":250}"]);
        Messages(Filter(new FilterLogEventsRequest("g", FilterPattern: "{ $.ms > 100 }"))).ShouldBe(["{\"level\":\"ERROR\",\"ms\":250}"]);
        Messages(Filter(new FilterLogEventsRequest("g", FilterPattern: "?INFO ?boom"))).ShouldBe(["INFO ok", "ERROR boom"]);
    }

    [Fact]
    public async Task rejects_an_invalid_filter_pattern()
    {
        await GroupAsync();
        ShouldBe(Fails(() => Filter(new FilterLogEventsRequest("g", FilterPattern: "{ $.a = "))),
            "InvalidParameterException", "If a filter pattern starts with '{' it must end with '}'");
        ShouldBe(Fails(() => Filter(new FilterLogEventsRequest("g", FilterPattern: "a@b"))),
            "InvalidParameterException", "Invalid filter pattern");
    }

    [Fact]
    public async Task filter_pattern_is_at_most_1024_characters()
    {
        await GroupAsync();
        Filter(new FilterLogEventsRequest("g", FilterPattern: new string('a', 1024))).Events.ShouldBeEmpty();
        Fails(() => Filter(new FilterLogEventsRequest("g", FilterPattern: new string('a', 1025)))).Message
            .ShouldEndWith("at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024");
    }

    [Fact]
    public async Task start_and_end_time_are_both_inclusive()
    {
        await GroupAsync();
        await StreamAsync();
        var t = Now - 100;
        await PutAsync("g", "s", (t, "0"), (t + 1, "1"), (t + 2, "2"), (t + 3, "3"));
        Messages(Filter(new FilterLogEventsRequest("g", StartTime: t + 1, EndTime: t + 2))).ShouldBe(["1", "2"]);
    }

    [Fact]
    public async Task selects_streams_by_name_or_prefix()
    {
        await GroupAsync();
        foreach (var name in new[] { "web-1", "web-2", "worker" })
        {
            await StreamAsync("g", name);
            await PutAsync("g", name, (Now, name));
        }
        Messages(Filter(new FilterLogEventsRequest("g", LogStreamNames: ["worker", "web-2"]))).ShouldBe(["web-2", "worker"]);
        Messages(Filter(new FilterLogEventsRequest("g", LogStreamNamePrefix: "web"))).ShouldBe(["web-1", "web-2"]);
        Filter(new FilterLogEventsRequest("g", LogStreamNamePrefix: "none")).Events.ShouldBeEmpty();
        Fails(() => Filter(new FilterLogEventsRequest("g", LogStreamNames: ["worker", "missing"]))).Message.ShouldBe("The specified log stream does not exist.");
    }

    [Fact]
    public async Task stream_names_and_prefix_are_mutually_exclusive()
    {
        await GroupAsync();
        Fails(() => Filter(new FilterLogEventsRequest("g", LogStreamNames: ["a"], LogStreamNamePrefix: "a"))).Code.ShouldBe("InvalidParameterException");
    }

    [Fact]
    public async Task stream_names_are_1_to_100()
    {
        await GroupAsync();
        Fails(() => Filter(new FilterLogEventsRequest("g", LogStreamNames: []))).Code.ShouldBe("InvalidParameterException");
        Fails(() => Filter(new FilterLogEventsRequest("g", LogStreamNames: [.. Enumerable.Range(0, 101).Select(i => $"s{i}")]))).Message
            .ShouldBe("1 validation error detected: Value '[...]' at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100");
    }

    [Fact]
    public async Task pages_with_next_token_until_no_token()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", [.. Enumerable.Range(0, 25).Select(i => (Now - 100 + i, i % 2 == 0 ? $"even {i}" : $"odd {i}"))]);
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = Filter(new FilterLogEventsRequest("g", FilterPattern: "even", Limit: 5, NextToken: token));
            page.Events.Count.ShouldBeLessThanOrEqualTo(5);
            seen.AddRange(page.Events.Select(e => e.Message));
            page.NextToken.ShouldNotBe(token); // botocore's paginator fails on a repeated token
            token = page.NextToken;
            pages++;
        }
        while (token is not null);
        pages.ShouldBe(3); // 13 matches: 5 + 5 + 3, and no empty trailing page
        seen.ShouldBe([.. Enumerable.Range(0, 13).Select(i => $"even {i * 2}")]);
    }

    [Fact]
    public async Task event_ids_are_stable_and_unique()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now, "a"), (Now, "b"));
        var first = Filter(new FilterLogEventsRequest("g")).Events.Select(e => e.EventId).ToArray();
        var second = Filter(new FilterLogEventsRequest("g")).Events.Select(e => e.EventId).ToArray();
        first.ShouldBe(second);
        first.Distinct().Count().ShouldBe(2);
        first.ShouldAllBe(id => id.All(char.IsAsciiDigit));
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
        var page = Filter(new FilterLogEventsRequest("g"));
        page.Events.Count.ShouldBe(10);
        Filter(new FilterLogEventsRequest("g", NextToken: page.NextToken)).Events.Count.ShouldBe(2);
    }

    [Fact]
    public async Task a_long_search_returns_a_token_even_with_no_events()
    {
        await GroupAsync();
        await StreamAsync();
        for (var b = 0; b < 11; b++)
        {
            var batch = Enumerable.Range(0, 10_000).Select(i => new InputLogEvent(Now - 200_000 + (b * 10_000) + i, "noise")).ToArray();
            await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", batch));
        }
        await PutAsync("g", "s", (Now, "needle"));
        var first = Filter(new FilterLogEventsRequest("g", FilterPattern: "needle"));
        first.Events.ShouldBeEmpty();
        first.NextToken.ShouldNotBeNull();
        var second = Filter(new FilterLogEventsRequest("g", FilterPattern: "needle", NextToken: first.NextToken));
        Messages(second).ShouldBe(["needle"]);
        second.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task rejects_a_token_it_did_not_issue()
    {
        await GroupAsync();
        ShouldBe(Fails(() => Filter(new FilterLogEventsRequest("g", NextToken: "f/1"))), "InvalidParameterException", "The specified nextToken is invalid.");
    }

    [Fact]
    public void missing_group_is_not_found() =>
        ShouldBe(Fails(() => Filter(new FilterLogEventsRequest("nope"))), "ResourceNotFoundException", "The specified log group does not exist.");

    [Fact]
    public async Task accepts_identifier_and_the_deprecated_interleaved_flag()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now, "x"));
        Filter(new FilterLogEventsRequest(LogGroupIdentifier: "g", Interleaved: false)).Events.ShouldHaveSingleItem();
    }

    /// <summary>
    /// What <c>aws logs tail g --follow --filter-pattern ERROR</c> does (awscli/customizations/logs/tail.py):
    /// FilterLogEvents with logGroupName, interleaved=true, startTime=now-10m and the pattern; follows nextToken while
    /// there is one; then sleeps 5 s and asks again without a token and with startTime = the newest timestamp seen,
    /// skipping the event ids it already printed at that timestamp.
    /// </summary>
    [Fact]
    public async Task supports_the_polling_of_aws_logs_tail_follow()
    {
        await GroupAsync();
        await StreamAsync("g", "a");
        await StreamAsync("g", "b");
        var t1 = Now - Minute;
        await PutAsync("g", "a", (Now - (20 * Minute), "ERROR too early"), (t1, "ERROR one"), (t1, "INFO skip"));
        await PutAsync("g", "b", (t1, "ERROR two"));

        var printed = new List<string>();
        var seenAtNewest = new Dictionary<long, HashSet<string>>();
        var request = new FilterLogEventsRequest("g", StartTime: Now - (10 * Minute), FilterPattern: "ERROR", Interleaved: true);

        void Poll()
        {
            while (true)
            {
                var response = Filter(request);
                foreach (var e in response.Events)
                {
                    var ids = seenAtNewest.TryGetValue(e.Timestamp, out var set) ? set : seenAtNewest[e.Timestamp] = [];
                    if (ids.Add(e.EventId))
                    {
                        printed.Add(e.Message);
                    }
                }
                if (seenAtNewest.Count > 0)
                {
                    var newest = seenAtNewest.Keys.Max();
                    var keep = seenAtNewest[newest];
                    seenAtNewest.Clear();
                    seenAtNewest[newest] = keep;
                }
                if (response.NextToken is not null)
                {
                    request = request with { NextToken = response.NextToken };
                    continue;
                }
                request = request with { NextToken = null, StartTime = seenAtNewest.Count > 0 ? seenAtNewest.Keys.Max() : request.StartTime };
                return;
            }
        }

        Poll();
        printed.ShouldBe(["ERROR one", "ERROR two"]);

        Clock.Advance(TimeSpan.FromSeconds(5));
        Poll();
        printed.Count.ShouldBe(2); // the events at the newest timestamp come back and are skipped by id

        await PutAsync("g", "a", (t1, "ERROR same millisecond as before"), (Now, "ERROR three"));
        await PutAsync("g", "b", (Now, "INFO four"));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Poll();
        printed.ShouldBe(["ERROR one", "ERROR two", "ERROR same millisecond as before", "ERROR three"]);
    }
}
