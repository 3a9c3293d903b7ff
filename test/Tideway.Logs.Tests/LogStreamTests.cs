using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class LogStreamTests : EngineTestBase
{
    [Fact]
    public async Task creates_a_stream_that_describe_reports()
    {
        await GroupAsync();
        await StreamAsync("g", "2026/03/01/[$LATEST]abc");
        var stream = Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams.ShouldHaveSingleItem();
        stream.LogStreamName.ShouldBe("2026/03/01/[$LATEST]abc");
        stream.CreationTime.ShouldBe(Now);
        stream.FirstEventTimestamp.ShouldBeNull();
        stream.LastEventTimestamp.ShouldBeNull();
        stream.LastIngestionTime.ShouldBeNull();
        stream.UploadSequenceToken.ShouldBeNull();
        stream.StoredBytes.ShouldBe(0);
        stream.Arn.ShouldBe("arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:2026/03/01/[$LATEST]abc");
    }

    [Fact]
    public async Task describe_reports_event_times_after_an_upload()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now - 5000, "a"), (Now - 1000, "b"));
        var stream = Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams[0];
        stream.FirstEventTimestamp.ShouldBe(Now - 5000);
        stream.LastEventTimestamp.ShouldBe(Now - 1000);
        stream.LastIngestionTime.ShouldBe(Now);
        stream.UploadSequenceToken.ShouldNotBeNull();
        stream.StoredBytes.ShouldBe(0); // deprecated by AWS, always zero
    }

    [Fact]
    public async Task rejects_a_duplicate_stream()
    {
        await GroupAsync();
        await StreamAsync();
        ShouldBe(await FailsAsync(() => Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest("g", "s"))),
            "ResourceAlreadyExistsException", "The specified log stream already exists");
    }

    [Fact]
    public async Task creating_a_stream_in_a_missing_group_is_not_found()
    {
        ShouldBe(await FailsAsync(() => Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest("nope", "s"))),
            "ResourceNotFoundException", "The specified log group does not exist.");
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("a*b")]
    public async Task rejects_colon_and_star_in_stream_names(string name)
    {
        await GroupAsync();
        ShouldBe(await FailsAsync(() => Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest("g", name))),
            "InvalidParameterException",
            $"1 validation error detected: Value '{name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*");
    }

    [Fact]
    public async Task stream_names_are_1_to_512_characters()
    {
        await GroupAsync();
        await StreamAsync("g", new string('x', 512));
        (await FailsAsync(() => Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest("g", new string('x', 513))))).Message
            .ShouldEndWith("at 'logStreamName' failed to satisfy constraint: Member must have length less than or equal to 512");
        (await FailsAsync(() => Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest("g", "")))).Message
            .ShouldBe("1 validation error detected: Value '' at 'logStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    [Fact]
    public async Task validation_errors_of_several_members_are_reported_together()
    {
        var e = await FailsAsync(() => Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest("bad name", "a:b")));
        e.Message.ShouldStartWith("2 validation errors detected: Value 'bad name' at 'logGroupName'");
        e.Message.ShouldContain("; Value 'a:b' at 'logStreamName'");
    }

    [Fact]
    public async Task deletes_a_stream_and_its_events()
    {
        await GroupAsync();
        await StreamAsync("g", "a");
        await StreamAsync("g", "b");
        await PutAsync("g", "a", (Now, "from a"));
        await PutAsync("g", "b", (Now, "from b"));
        await Engine.DeleteLogStreamAsync(Scope, new DeleteLogStreamRequest("g", "a"));
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams.Select(s => s.LogStreamName).ShouldBe(["b"]);
        Engine.FilterLogEvents(Scope, new FilterLogEventsRequest("g")).Events.Select(e => e.Message).ShouldBe(["from b"]);
    }

    [Fact]
    public async Task deleting_a_missing_stream_is_not_found()
    {
        await GroupAsync();
        ShouldBe(await FailsAsync(() => Engine.DeleteLogStreamAsync(Scope, new DeleteLogStreamRequest("g", "nope"))),
            "ResourceNotFoundException", "The specified log stream does not exist.");
        ShouldBe(await FailsAsync(() => Engine.DeleteLogStreamAsync(Scope, new DeleteLogStreamRequest("nope", "s"))),
            "ResourceNotFoundException", "The specified log group does not exist.");
    }

    [Fact]
    public async Task describe_orders_by_name_and_filters_by_prefix()
    {
        await GroupAsync();
        foreach (var name in new[] { "web-2", "worker-1", "web-1", "api" })
        {
            await StreamAsync("g", name);
        }
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams.Select(s => s.LogStreamName)
            .ShouldBe(["api", "web-1", "web-2", "worker-1"]);
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", LogStreamNamePrefix: "web")).LogStreams.Select(s => s.LogStreamName)
            .ShouldBe(["web-1", "web-2"]);
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", Descending: true)).LogStreams.Select(s => s.LogStreamName)
            .ShouldBe(["worker-1", "web-2", "web-1", "api"]);
    }

    [Fact]
    public async Task describe_orders_by_last_event_time()
    {
        await GroupAsync();
        foreach (var name in new[] { "a", "b", "c", "empty" })
        {
            await StreamAsync("g", name);
        }
        await PutAsync("g", "a", (Now - 1000, "x"));
        await PutAsync("g", "b", (Now - 3000, "x"));
        await PutAsync("g", "c", (Now - 2000, "x"));
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", OrderBy: "LastEventTime")).LogStreams.Select(s => s.LogStreamName)
            .ShouldBe(["empty", "b", "c", "a"]);
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", OrderBy: "LastEventTime", Descending: true)).LogStreams.Select(s => s.LogStreamName)
            .ShouldBe(["a", "c", "b", "empty"]);
    }

    [Fact]
    public async Task prefix_cannot_be_used_with_last_event_time_order()
    {
        await GroupAsync();
        ShouldBe(Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", LogStreamNamePrefix: "a", OrderBy: "LastEventTime"))),
            "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
    }

    [Fact]
    public async Task rejects_an_unknown_order()
    {
        await GroupAsync();
        ShouldBe(Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", OrderBy: "Size"))),
            "InvalidParameterException",
            "1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public async Task describe_limit_is_1_to_50(int limit)
    {
        await GroupAsync();
        Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", Limit: limit))).Code.ShouldBe("InvalidParameterException");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("LastEventTime")]
    public async Task describe_pages_through_every_stream_once(string? orderBy)
    {
        await GroupAsync();
        for (var i = 0; i < 11; i++)
        {
            await StreamAsync("g", $"s{i:D2}");
            await PutAsync("g", $"s{i:D2}", (Now - ((i * 7 % 11) * 1000), "x"));
        }
        foreach (var descending in new[] { false, true })
        {
            var seen = new List<string>();
            string? token = null;
            do
            {
                var page = Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", OrderBy: orderBy, Descending: descending, Limit: 4, NextToken: token));
                seen.AddRange(page.LogStreams.Select(s => s.LogStreamName));
                token = page.NextToken;
            }
            while (token is not null);
            seen.Count.ShouldBe(11);
            seen.Distinct().Count().ShouldBe(11);
            var all = Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", OrderBy: orderBy, Descending: descending)).LogStreams.Select(s => s.LogStreamName);
            seen.ShouldBe(all);
        }
    }

    [Fact]
    public async Task an_unknown_stream_token_is_invalid()
    {
        await GroupAsync();
        ShouldBe(Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", NextToken: "garbage"))),
            "InvalidParameterException", "The specified nextToken is invalid.");
    }

    [Fact]
    public async Task describe_accepts_the_group_arn_as_identifier()
    {
        await GroupAsync("/app");
        await StreamAsync("/app", "s");
        // The identifier's pattern, [\w#+=/:,.@-]*, has no '*': the ARN form with ":*" is not an identifier.
        Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest(LogGroupIdentifier: "arn:aws:logs:us-east-1:123456789012:log-group:/app:*")))
            .Message.ShouldContain("at 'logGroupIdentifier' failed to satisfy constraint");
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest(LogGroupIdentifier: "arn:aws:logs:us-east-1:123456789012:log-group:/app"))
            .LogStreams.ShouldHaveSingleItem();
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest(LogGroupIdentifier: "/app")).LogStreams.ShouldHaveSingleItem();
        Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest(LogGroupIdentifier: "arn:aws:logs:us-west-2:123456789012:log-group:/app")))
            .Code.ShouldBe("ResourceNotFoundException");
    }

    [Fact]
    public async Task name_and_identifier_are_mutually_exclusive()
    {
        await GroupAsync();
        ShouldBe(Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g", "g"))),
            "InvalidParameterException", "You must include either logGroupIdentifier or logGroupName, but not both.");
        Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest())).Code.ShouldBe("InvalidParameterException");
    }

    [Fact]
    public void describing_streams_of_a_missing_group_is_not_found()
    {
        ShouldBe(Fails(() => Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("nope"))),
            "ResourceNotFoundException", "The specified log group does not exist.");
    }
}
