using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// CloudWatch Logs through the AWS CLI v2 (Debian's 2.9.19, awsJson1_1): every operation the engine serves, the
/// errors it answers, and <c>aws logs tail</c> with and without <c>--follow</c> (which poll FilterLogEvents).
/// </summary>
public sealed class AwsCliV2LogsTests(ServerFixture server)
{
    private const string Account = "000000000000";

    private static readonly TimeSpan FollowTimeout = TimeSpan.FromSeconds(60);

    private async Task<JsonElement> Aws(params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(0, run.ToString());
        return run.Stdout.Trim().Length == 0 ? default : JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    /// <summary>Runs a command that must fail as a service error: exit code 254 and the AWS error code in stderr.</summary>
    private async Task<ClientRun> AwsFails(string code, params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(254, run.ToString());
        run.Stderr.ShouldContain($"An error occurred ({code})", customMessage: run.ToString());
        return run;
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string Events(params (long Timestamp, string Message)[] events) =>
        JsonSerializer.Serialize(events.Select(e => new Dictionary<string, object> { ["timestamp"] = e.Timestamp, ["message"] = e.Message }));

    private static string[] Names(JsonElement list, string member) =>
        [.. list.EnumerateArray().Select(e => e.GetProperty(member).GetString()!)];

    private static string[] Messages(JsonElement response) => Names(response.GetProperty("events"), "message");

    private static string Arn(string group) => $"arn:aws:logs:us-east-1:{Account}:log-group:{group}";

    private async Task<string> GroupWithStreamsAsync(string prefix, params string[] streams)
    {
        var group = "/tideway/" + ServerFixture.Unique(prefix);
        await Aws("logs", "create-log-group", "--log-group-name", group);
        foreach (var stream in streams)
        {
            await Aws("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", stream);
        }
        return group;
    }

    [Fact]
    public async Task log_groups_are_created_described_by_prefix_paged_and_deleted()
    {
        var prefix = $"/tideway/{ServerFixture.Unique("cli-groups")}/";
        string[] groups = [prefix + "a", prefix + "b", prefix + "c"];
        await Aws("logs", "create-log-group", "--log-group-name", groups[0], "--tags", "team=payments");
        await Aws("logs", "create-log-group", "--log-group-name", groups[1]);
        await Aws("logs", "create-log-group", "--log-group-name", groups[2]);
        await AwsFails("ResourceAlreadyExistsException", "logs", "create-log-group", "--log-group-name", groups[0]);
        await AwsFails("InvalidParameterException", "logs", "create-log-group", "--log-group-name", "has space");

        var described = await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix);
        Names(described.GetProperty("logGroups"), "logGroupName").ShouldBe(groups);
        described.TryGetProperty("nextToken", out _).ShouldBeFalse();
        var first = described.GetProperty("logGroups")[0];
        first.GetProperty("arn").GetString().ShouldBe(Arn(groups[0]) + ":*");
        first.GetProperty("storedBytes").GetInt64().ShouldBe(0);
        first.GetProperty("creationTime").GetInt64().ShouldBeInRange(NowMs() - 120_000, NowMs() + 1_000);
        first.TryGetProperty("retentionInDays", out _).ShouldBeFalse();

        // --max-items pages on the client with the CLI's own token; --starting-token continues.
        var truncated = await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix, "--max-items", "2");
        Names(truncated.GetProperty("logGroups"), "logGroupName").ShouldBe(groups[..2]);
        var startingToken = truncated.GetProperty("NextToken").GetString()!;
        var rest = await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix, "--max-items", "2", "--starting-token", startingToken);
        Names(rest.GetProperty("logGroups"), "logGroupName").ShouldBe(groups[2..]);
        rest.TryGetProperty("NextToken", out _).ShouldBeFalse();

        // --limit is the API's own limit (no client paging): the server's nextToken comes back.
        var limited = await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix, "--limit", "1");
        Names(limited.GetProperty("logGroups"), "logGroupName").ShouldBe(groups[..1]);
        var next = await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix, "--limit", "2", "--next-token", limited.GetProperty("nextToken").GetString()!);
        Names(next.GetProperty("logGroups"), "logGroupName").ShouldBe(groups[1..]);
        next.TryGetProperty("nextToken", out _).ShouldBeFalse();

        // --page-size makes the CLI follow the server's tokens one group at a time.
        var paged = await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix, "--page-size", "1");
        Names(paged.GetProperty("logGroups"), "logGroupName").ShouldBe(groups);

        var byPattern = (await Aws("logs", "describe-log-groups", "--log-group-name-pattern", prefix[1..] + "b")).GetProperty("logGroups");
        Names(byPattern, "logGroupName").ShouldBe([groups[1]]);
        await AwsFails("InvalidParameterException", "logs", "describe-log-groups", "--log-group-name-prefix", prefix, "--log-group-name-pattern", "b");
        await AwsFails("InvalidParameterException", "logs", "describe-log-groups", "--limit", "51");

        foreach (var group in groups)
        {
            await Aws("logs", "delete-log-group", "--log-group-name", group);
        }
        (await Aws("logs", "describe-log-groups", "--log-group-name-prefix", prefix)).GetProperty("logGroups").GetArrayLength().ShouldBe(0);
        await AwsFails("ResourceNotFoundException", "logs", "delete-log-group", "--log-group-name", groups[0]);
    }

    [Fact]
    public async Task retention_policies_and_tags_are_set_listed_and_removed()
    {
        var group = await GroupWithStreamsAsync("cli-retention");
        await Aws("logs", "put-retention-policy", "--log-group-name", group, "--retention-in-days", "14");
        (await Aws("logs", "describe-log-groups", "--log-group-name-prefix", group)).GetProperty("logGroups")[0].GetProperty("retentionInDays").GetInt32().ShouldBe(14);
        var invalid = await AwsFails("InvalidParameterException", "logs", "put-retention-policy", "--log-group-name", group, "--retention-in-days", "4");
        invalid.Stderr.ShouldContain("retentionInDays");
        await Aws("logs", "delete-retention-policy", "--log-group-name", group);
        (await Aws("logs", "describe-log-groups", "--log-group-name-prefix", group)).GetProperty("logGroups")[0].TryGetProperty("retentionInDays", out _).ShouldBeFalse();

        await Aws("logs", "tag-log-group", "--log-group-name", group, "--tags", "team=payments,env=test");
        var tags = (await Aws("logs", "list-tags-log-group", "--log-group-name", group)).GetProperty("tags");
        tags.GetProperty("team").GetString().ShouldBe("payments");
        tags.GetProperty("env").GetString().ShouldBe("test");
        await Aws("logs", "untag-log-group", "--log-group-name", group, "--tags", "team");
        (await Aws("logs", "list-tags-log-group", "--log-group-name", group)).GetProperty("tags").EnumerateObject().Select(p => p.Name).ShouldBe(["env"]);

        await Aws("logs", "tag-resource", "--resource-arn", Arn(group), "--tags", "owner=ops");
        var resourceTags = (await Aws("logs", "list-tags-for-resource", "--resource-arn", Arn(group))).GetProperty("tags");
        resourceTags.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order().ShouldBe(["env=test", "owner=ops"]);
        await Aws("logs", "untag-resource", "--resource-arn", Arn(group), "--tag-keys", "env", "owner");
        (await Aws("logs", "list-tags-for-resource", "--resource-arn", Arn(group))).GetProperty("tags").EnumerateObject().ShouldBeEmpty();
        await AwsFails("ResourceNotFoundException", "logs", "list-tags-for-resource", "--resource-arn", Arn(group + "-missing"));
        await AwsFails("InvalidParameterException", "logs", "tag-resource", "--resource-arn", $"arn:aws:sqs:us-east-1:{Account}:queue", "--tags", "a=b");
    }

    [Fact]
    public async Task streams_are_ordered_by_last_event_time_and_events_are_read_with_tokens()
    {
        var group = await GroupWithStreamsAsync("cli-events", "app", "web", "idle");
        await AwsFails("ResourceAlreadyExistsException", "logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "app");
        await AwsFails("InvalidParameterException", "logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "a:b");

        var t = NowMs() - 60_000;
        var put = await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "app",
            "--log-events", Events((t, "one"), (t + 1, "two"), (t + 2, "three"), (t + 3, "four"), (t + 4, "caf\u00e9 \u00fcber")));
        put.GetProperty("nextSequenceToken").GetString().ShouldNotBeNullOrEmpty();
        put.TryGetProperty("rejectedLogEventsInfo", out _).ShouldBeFalse();
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "web", "--log-events", Events((t + 10, "latest")));
        var rejected = await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "idle",
            "--log-events", Events((NowMs() - (15L * 86_400_000), "too old")));
        rejected.GetProperty("rejectedLogEventsInfo").GetProperty("tooOldLogEventEndIndex").GetInt32().ShouldBe(1);
        await AwsFails("InvalidParameterException", "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "app",
            "--log-events", Events((t + 5, "later"), (t, "earlier")));

        var byName = (await Aws("logs", "describe-log-streams", "--log-group-name", group)).GetProperty("logStreams");
        Names(byName, "logStreamName").ShouldBe(["app", "idle", "web"]);
        var app = byName[0];
        app.GetProperty("firstEventTimestamp").GetInt64().ShouldBe(t);
        app.GetProperty("lastEventTimestamp").GetInt64().ShouldBe(t + 4);
        app.GetProperty("arn").GetString().ShouldBe($"{Arn(group)}:log-stream:app");
        byName[1].TryGetProperty("lastEventTimestamp", out _).ShouldBeFalse();
        var byTime = (await Aws("logs", "describe-log-streams", "--log-group-name", group, "--order-by", "LastEventTime", "--descending")).GetProperty("logStreams");
        Names(byTime, "logStreamName").ShouldBe(["web", "app", "idle"]);
        var pagedByTime = (await Aws("logs", "describe-log-streams", "--log-group-name", group, "--order-by", "LastEventTime", "--descending", "--page-size", "1")).GetProperty("logStreams");
        Names(pagedByTime, "logStreamName").ShouldBe(["web", "app", "idle"]);
        var truncated = await Aws("logs", "describe-log-streams", "--log-group-name", group, "--max-items", "2");
        Names(truncated.GetProperty("logStreams"), "logStreamName").ShouldBe(["app", "idle"]);
        truncated.TryGetProperty("NextToken", out _).ShouldBeTrue();
        Names((await Aws("logs", "describe-log-streams", "--log-group-name", group, "--log-stream-name-prefix", "we")).GetProperty("logStreams"), "logStreamName").ShouldBe(["web"]);
        await AwsFails("InvalidParameterException", "logs", "describe-log-streams", "--log-group-name", group, "--order-by", "LastEventTime", "--log-stream-name-prefix", "a");

        // From the head, two at a time: forward tokens advance and, at the end, come back unchanged.
        var head = await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--start-from-head", "--limit", "2");
        Messages(head).ShouldBe(["one", "two"]);
        head.GetProperty("events")[0].GetProperty("timestamp").GetInt64().ShouldBe(t);
        head.GetProperty("events")[0].GetProperty("ingestionTime").GetInt64().ShouldBeGreaterThanOrEqualTo(t);
        var second = await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--limit", "2", "--next-token", head.GetProperty("nextForwardToken").GetString()!);
        Messages(second).ShouldBe(["three", "four"]);
        var third = await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--next-token", second.GetProperty("nextForwardToken").GetString()!);
        Messages(third).ShouldBe(["caf\u00e9 \u00fcber"]);
        var end = await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--next-token", third.GetProperty("nextForwardToken").GetString()!);
        Messages(end).ShouldBeEmpty();
        end.GetProperty("nextForwardToken").GetString().ShouldBe(third.GetProperty("nextForwardToken").GetString());
        var back = await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--next-token", second.GetProperty("nextBackwardToken").GetString()!);
        Messages(back).ShouldBe(["one", "two"]);
        Messages(await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--limit", "1")).ShouldBe(["caf\u00e9 \u00fcber"]);
        Messages(await Aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--start-from-head",
            "--start-time", (t + 1).ToString(), "--end-time", (t + 3).ToString())).ShouldBe(["two", "three"]);
        await AwsFails("InvalidParameterException", "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "app", "--next-token", "f/bogus");

        var stored = (await Aws("logs", "describe-log-groups", "--log-group-name-prefix", group)).GetProperty("logGroups")[0].GetProperty("storedBytes").GetInt64();
        stored.ShouldBe(System.Text.Encoding.UTF8.GetByteCount("onetwothreefourcaf\u00e9 \u00fcberlatest"));

        await Aws("logs", "delete-log-stream", "--log-group-name", group, "--log-stream-name", "web");
        Names((await Aws("logs", "describe-log-streams", "--log-group-name", group)).GetProperty("logStreams"), "logStreamName").ShouldBe(["app", "idle"]);
        await AwsFails("ResourceNotFoundException", "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "web");
        await AwsFails("ResourceNotFoundException", "logs", "delete-log-stream", "--log-group-name", group, "--log-stream-name", "web");
    }

    [Fact]
    public async Task filter_log_events_matches_terms_json_patterns_and_stream_names()
    {
        var group = await GroupWithStreamsAsync("cli-filter", "app", "web");
        var t = NowMs() - 60_000;
        const string errorJson = "{\"level\": \"error\", \"latency\": 250, \"user\": {\"id\": 7}}";
        const string infoJson = "{\"level\": \"info\", \"latency\": 20, \"user\": {\"id\": 8}}";
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "app",
            "--log-events", Events((t, "ERROR disk full on /var"), (t + 1, "WARN disk slow"), (t + 2, errorJson), (t + 3, infoJson)));
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "web", "--log-events", Events((t + 4, "INFO GET /index 200")));

        async Task<string[]> Filter(params string[] extra) => Messages(await Aws(["logs", "filter-log-events", "--log-group-name", group, .. extra]));

        (await Filter()).ShouldBe(["ERROR disk full on /var", "WARN disk slow", errorJson, infoJson, "INFO GET /index 200"]);
        (await Filter("--filter-pattern", "ERROR")).ShouldBe(["ERROR disk full on /var"]);
        (await Filter("--filter-pattern", "disk slow")).ShouldBe(["WARN disk slow"]);
        (await Filter("--filter-pattern", "\"disk full\"")).ShouldBe(["ERROR disk full on /var"]);
        (await Filter("--filter-pattern", "?ERROR ?WARN")).ShouldBe(["ERROR disk full on /var", "WARN disk slow"]);
        (await Filter("--filter-pattern", "disk -WARN")).ShouldBe(["ERROR disk full on /var"]);
        // A value starting with '-' must be attached with '=', or the CLI takes it for an option.
        (await Filter("--filter-pattern=-disk")).ShouldBe([errorJson, infoJson, "INFO GET /index 200"]);
        (await Filter("--filter-pattern", "{ $.level = \"error\" }")).ShouldBe([errorJson]);
        (await Filter("--filter-pattern", "{ $.latency > 100 }")).ShouldBe([errorJson]);
        (await Filter("--filter-pattern", "{ $.latency <= 20 && $.user.id = 8 }")).ShouldBe([infoJson]);
        (await Filter("--log-stream-names", "web")).ShouldBe(["INFO GET /index 200"]);
        (await Filter("--log-stream-names", "app", "web", "--filter-pattern", "?GET ?WARN")).ShouldBe(["WARN disk slow", "INFO GET /index 200"]);
        (await Filter("--log-stream-name-prefix", "ap", "--filter-pattern", "{ $.level = * }")).ShouldBe([errorJson, infoJson]);
        (await Filter("--start-time", (t + 1).ToString(), "--end-time", (t + 2).ToString())).ShouldBe(["WARN disk slow", errorJson]);

        var found = (await Aws("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "INFO GET")).GetProperty("events")[0];
        found.GetProperty("logStreamName").GetString().ShouldBe("web");
        found.GetProperty("timestamp").GetInt64().ShouldBe(t + 4);
        found.GetProperty("eventId").GetString().ShouldNotBeNullOrEmpty();

        var page = await Aws("logs", "filter-log-events", "--log-group-name", group, "--limit", "2");
        Messages(page).ShouldBe(["ERROR disk full on /var", "WARN disk slow"]);
        var nextPage = await Aws("logs", "filter-log-events", "--log-group-name", group, "--limit", "2", "--next-token", page.GetProperty("nextToken").GetString()!);
        Messages(nextPage).ShouldBe([errorJson, infoJson]);
        (await Filter("--page-size", "2")).Length.ShouldBe(5);
        var truncated = await Aws("logs", "filter-log-events", "--log-group-name", group, "--max-items", "3");
        Messages(truncated).Length.ShouldBe(3);
        truncated.TryGetProperty("NextToken", out _).ShouldBeTrue();

        var unclosed = await AwsFails("InvalidParameterException", "logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "{ $.level = ");
        unclosed.Stderr.ShouldContain("filter pattern");
        await AwsFails("InvalidParameterException", "logs", "filter-log-events", "--log-group-name", group, "--log-stream-names", "app", "--log-stream-name-prefix", "a");
        await AwsFails("InvalidParameterException", "logs", "filter-log-events", "--log-group-name", group, "--next-token", "bogus");
    }

    [Fact]
    public async Task missing_groups_and_streams_fail_with_exit_code_254_and_resource_not_found()
    {
        var group = await GroupWithStreamsAsync("cli-missing", "app");
        var missing = group + "-missing";
        var events = Events((NowMs(), "x"));
        const string NoGroup = "The specified log group does not exist.";
        const string NoStream = "The specified log stream does not exist.";
        const string NoResource = "The specified resource does not exist.";
        (string[] Command, string Message)[] cases =
        [
            (["delete-log-group", "--log-group-name", missing], NoGroup),
            (["create-log-stream", "--log-group-name", missing, "--log-stream-name", "s"], NoGroup),
            (["describe-log-streams", "--log-group-name", missing], NoGroup),
            (["put-log-events", "--log-group-name", missing, "--log-stream-name", "app", "--log-events", events], NoGroup),
            (["put-log-events", "--log-group-name", group, "--log-stream-name", "missing", "--log-events", events], NoStream),
            (["get-log-events", "--log-group-name", missing, "--log-stream-name", "app"], NoGroup),
            (["get-log-events", "--log-group-name", group, "--log-stream-name", "missing"], NoStream),
            (["filter-log-events", "--log-group-name", missing], NoGroup),
            (["filter-log-events", "--log-group-name", group, "--log-stream-names", "app", "missing"], NoStream),
            (["delete-log-stream", "--log-group-name", missing, "--log-stream-name", "app"], NoGroup),
            (["delete-log-stream", "--log-group-name", group, "--log-stream-name", "missing"], NoStream),
            (["put-retention-policy", "--log-group-name", missing, "--retention-in-days", "7"], NoGroup),
            (["delete-retention-policy", "--log-group-name", missing], NoGroup),
            (["tag-log-group", "--log-group-name", missing, "--tags", "a=b"], NoGroup),
            (["untag-log-group", "--log-group-name", missing, "--tags", "a"], NoGroup),
            (["list-tags-log-group", "--log-group-name", missing], NoGroup),
            (["tag-resource", "--resource-arn", Arn(missing), "--tags", "a=b"], NoResource),
            (["untag-resource", "--resource-arn", Arn(missing), "--tag-keys", "a"], NoResource),
            (["list-tags-for-resource", "--resource-arn", Arn(missing)], NoResource),
            (["tail", missing], NoGroup),
            (["tail", group, "--log-stream-names", "missing"], NoStream),
        ];
        foreach (var (command, message) in cases)
        {
            (await AwsFails("ResourceNotFoundException", ["logs", .. command])).Stderr.ShouldContain(message);
        }
    }

    [Fact]
    public async Task tail_prints_the_recent_events_of_a_group()
    {
        var group = await GroupWithStreamsAsync("cli-tail", "app", "web");
        var t = NowMs() - 30_000;
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "app", "--log-events", Events((t, "ERROR first"), (t + 2, "INFO third")));
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "web", "--log-events", Events((t + 1, "INFO second")));
        var old = NowMs() - (3 * 3_600_000);
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "web", "--log-events", Events((old, "INFO from three hours ago")));

        static string[] Lines(ClientRun run) => run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var all = await ExternalClient.AwsAsync(server.Endpoint, "logs", "tail", group);
        all.ExitCode.ShouldBe(0, all.ToString());
        var lines = Lines(all);
        lines.Length.ShouldBe(3, all.ToString());
        lines[0].ShouldEndWith(" app ERROR first");
        lines[1].ShouldEndWith(" web INFO second");
        lines[2].ShouldEndWith(" app INFO third");
        lines[0].ShouldStartWith(DateTimeOffset.FromUnixTimeMilliseconds(t).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture));

        var since = await ExternalClient.AwsAsync(server.Endpoint, "logs", "tail", group, "--since", "4h", "--format", "short");
        Lines(since).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ShouldBe(["INFO from three hours ago", "ERROR first", "INFO second", "INFO third"], since.ToString());
        var filtered = await ExternalClient.AwsAsync(server.Endpoint, "logs", "tail", group, "--filter-pattern", "INFO", "--log-stream-names", "app");
        Lines(filtered).Single().ShouldEndWith(" app INFO third", customMessage: filtered.ToString());
        var prefixed = await ExternalClient.AwsAsync(server.Endpoint, "logs", "tail", group, "--log-stream-name-prefix", "we");
        Lines(prefixed).Single().ShouldEndWith(" web INFO second", customMessage: prefixed.ToString());
        var bad = await ExternalClient.AwsAsync(server.Endpoint, "logs", "tail", group, "--filter-pattern", "{ $.x = ");
        bad.ExitCode.ShouldBe(254, bad.ToString());
        bad.Stderr.ShouldContain("InvalidParameterException");
    }

    [Fact]
    public async Task tail_follow_prints_an_event_put_after_it_started()
    {
        var group = await GroupWithStreamsAsync("cli-follow", "app");
        var before = ServerFixture.Unique("before");
        var after = ServerFixture.Unique("after");
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "app", "--log-events", Events((NowMs() - 1_000, before)));

        using var tail = StartAws("logs", "tail", group, "--follow");
        var lines = Channel.CreateUnbounded<string>();
        var stderr = new System.Text.StringBuilder();
        tail.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                lines.Writer.TryComplete();
            }
            else
            {
                lines.Writer.TryWrite(e.Data);
            }
        };
        tail.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        tail.BeginOutputReadLine();
        tail.BeginErrorReadLine();
        try
        {
            // Seeing the earlier event proves the first FilterLogEvents call happened; only then put the new one.
            (await ReadUntilAsync(lines.Reader, before, stderr)).ShouldEndWith($" app {before}");
            await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "app", "--log-events", Events((NowMs(), after)));
            (await ReadUntilAsync(lines.Reader, after, stderr)).ShouldEndWith($" app {after}");
            tail.HasExited.ShouldBeFalse();
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
            await tail.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Reads lines until one contains <paramref name="text"/>, within <see cref="FollowTimeout"/>.</summary>
    private static async Task<string> ReadUntilAsync(ChannelReader<string> lines, string text, System.Text.StringBuilder stderr)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(FollowTimeout);
        var seen = new List<string>();
        try
        {
            while (await lines.WaitToReadAsync(timeout.Token))
            {
                while (lines.TryRead(out var line))
                {
                    seen.Add(line);
                    if (line.Contains(text, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"aws logs tail --follow printed no line with {text} in {FollowTimeout}:\n{string.Join('\n', seen)}\n--- stderr\n{Snapshot(stderr)}");
        }
        throw new InvalidOperationException($"aws logs tail --follow exited before printing {text}:\n{string.Join('\n', seen)}\n--- stderr\n{Snapshot(stderr)}");
    }

    private static string Snapshot(System.Text.StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    /// <summary>
    /// Starts <c>aws</c> as a long-running child (ExternalClient.RunAsync waits for the exit), with the same throwaway
    /// credentials and no user configuration; Python's stdout is unbuffered so each event line arrives as printed.
    /// </summary>
    private Process StartAws(params string[] arguments)
    {
        var start = ExternalClient.CreateStartInfo(ExternalClient.AwsCliV2, ["--endpoint-url", server.Endpoint, .. arguments],
            environment: new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" });
        return Process.Start(start)!;
    }
}
