using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// EventBridge through the AWS CLI v2 (Debian's 2.9.19, awsJson1_1): every operation the server has that this CLI
/// knows (it predates UpdateEventBus, which the boto3 1.43 and JS v3 tests cover), with the exit codes, the JSON the
/// CLI prints and the errors as it prints them.
/// </summary>
public sealed class EventsCliTests(ServerFixture server)
{
    private const string Account = "000000000000";
    private const string Prefix = "arn:aws:events:us-east-1:" + Account;

    private async Task<JsonElement> Aws(params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(0, run.ToString());
        return run.Stdout.Trim().Length == 0 ? default : JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    /// <summary>Runs a command that must fail as a service error: exit code 254, and the code and message as the CLI prints them.</summary>
    private async Task AwsFails(string code, string message, params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(254, run.ToString());
        var line = run.Stderr.Trim();
        line.ShouldStartWith($"An error occurred ({code}) when calling the ", customMessage: run.ToString());
        line.ShouldEndWith("): " + message, customMessage: run.ToString());
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string[] Names(JsonElement list, string member = "Name") =>
        [.. list.EnumerateArray().Select(e => e.GetProperty(member).GetString()!)];

    private static Dictionary<string, string> Tags(JsonElement response) =>
        response.GetProperty("Tags").EnumerateArray().ToDictionary(t => t.GetProperty("Key").GetString()!, t => t.GetProperty("Value").GetString()!);

    [Fact]
    public async Task event_buses_are_created_listed_described_with_their_policy_and_deleted()
    {
        var bus = ServerFixture.Unique("cli-bus");
        var arn = $"{Prefix}:event-bus/{bus}";
        (await Aws("events", "create-event-bus", "--name", bus, "--tags", "Key=team,Value=a")).GetProperty("EventBusArn").GetString().ShouldBe(arn);
        await AwsFails("ResourceAlreadyExistsException", $"Event bus {bus} already exists.", "events", "create-event-bus", "--name", bus);
        await Aws("events", "create-event-bus", "--name", bus + "-2");

        var listed = await Aws("events", "list-event-buses", "--name-prefix", bus);
        Names(listed.GetProperty("EventBuses")).ShouldBe([bus, bus + "-2"]);
        listed.GetProperty("EventBuses")[0].GetProperty("Arn").GetString().ShouldBe(arn);
        listed.TryGetProperty("NextToken", out _).ShouldBeFalse();
        var first = await Aws("events", "list-event-buses", "--name-prefix", bus, "--limit", "1");
        Names(first.GetProperty("EventBuses")).ShouldBe([bus]);
        var second = await Aws("events", "list-event-buses", "--name-prefix", bus, "--limit", "1", "--next-token", first.GetProperty("NextToken").GetString()!);
        Names(second.GetProperty("EventBuses")).ShouldBe([bus + "-2"]);
        second.TryGetProperty("NextToken", out _).ShouldBeFalse();

        await Aws("events", "put-permission", "--event-bus-name", bus, "--action", "events:PutEvents", "--principal", "111122223333", "--statement-id", "partner");
        var described = await Aws("events", "describe-event-bus", "--name", bus);
        described.GetProperty("Name").GetString().ShouldBe(bus);
        described.GetProperty("Arn").GetString().ShouldBe(arn);
        using (var policy = JsonDocument.Parse(described.GetProperty("Policy").GetString()!))
        {
            policy.RootElement.GetProperty("Version").GetString().ShouldBe("2012-10-17");
            var statement = policy.RootElement.GetProperty("Statement").EnumerateArray().Single();
            statement.GetProperty("Sid").GetString().ShouldBe("partner");
            statement.GetProperty("Effect").GetString().ShouldBe("Allow");
            statement.GetProperty("Principal").GetProperty("AWS").GetString().ShouldBe("arn:aws:iam::111122223333:root");
            statement.GetProperty("Action").GetString().ShouldBe("events:PutEvents");
            statement.GetProperty("Resource").GetString().ShouldBe(arn);
        }
        await Aws("events", "remove-permission", "--event-bus-name", bus, "--statement-id", "partner");
        (await Aws("events", "describe-event-bus", "--name", arn)).TryGetProperty("Policy", out _).ShouldBeFalse();
        await AwsFails("ResourceNotFoundException", "Statement with the provided id does not exist.", "events", "remove-permission", "--event-bus-name", bus, "--statement-id", "partner");

        await Aws("events", "delete-event-bus", "--name", bus);
        await Aws("events", "delete-event-bus", "--name", bus + "-2");
        await AwsFails("ResourceNotFoundException", $"Event bus {bus} does not exist.", "events", "describe-event-bus", "--name", bus);
        await AwsFails("ValidationException", "Cannot delete event bus default.", "events", "delete-event-bus", "--name", "default");
    }

    [Fact]
    public async Task rules_and_targets_go_through_their_whole_lifecycle()
    {
        var name = ServerFixture.Unique("cli-rule");
        var queueArn = $"arn:aws:sqs:us-east-1:{Account}:{name}";
        var dlqArn = queueArn + "-dlq";
        var pattern = "{\"source\":[\"cli.test\"],\"detail\":{\"kind\":[{\"prefix\":\"order\"}]}}";
        var ruleArn = (await Aws("events", "put-rule", "--name", name + "-a", "--event-pattern", pattern, "--description", "orders")).GetProperty("RuleArn").GetString();
        ruleArn.ShouldBe($"{Prefix}:rule/{name}-a");
        await Aws("events", "put-rule", "--name", name + "-b", "--schedule-expression", "rate(5 minutes)", "--state", "DISABLED");
        await AwsFails("ValidationException", "Parameter ScheduleExpression is not valid.", "events", "put-rule", "--name", name + "-c", "--schedule-expression", "rate(5 minute)");

        var described = await Aws("events", "describe-rule", "--name", name + "-a");
        described.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()).ShouldBe(new Dictionary<string, string?>
        {
            ["Name"] = name + "-a",
            ["Arn"] = ruleArn,
            ["EventPattern"] = pattern,
            ["State"] = "ENABLED",
            ["Description"] = "orders",
            ["EventBusName"] = "default",
            ["CreatedBy"] = Account,
        }, ignoreOrder: true);
        var scheduled = await Aws("events", "describe-rule", "--name", name + "-b");
        scheduled.GetProperty("ScheduleExpression").GetString().ShouldBe("rate(5 minutes)");
        scheduled.GetProperty("State").GetString().ShouldBe("DISABLED");

        var rules = (await Aws("events", "list-rules", "--name-prefix", name)).GetProperty("Rules");
        Names(rules).ShouldBe([name + "-a", name + "-b"]);
        rules[0].TryGetProperty("CreatedBy", out _).ShouldBeFalse();
        // --page-size makes the server page (Limit and NextToken); --max-items makes the CLI stop and hand out its own token.
        var page = await Aws("events", "list-rules", "--name-prefix", name, "--max-items", "1", "--page-size", "1");
        Names(page.GetProperty("Rules")).ShouldBe([name + "-a"]);
        var rest = await Aws("events", "list-rules", "--name-prefix", name, "--max-items", "1", "--page-size", "1", "--starting-token", page.GetProperty("NextToken").GetString()!);
        Names(rest.GetProperty("Rules")).ShouldBe([name + "-b"]);
        rest.TryGetProperty("NextToken", out _).ShouldBeFalse();

        await Aws("events", "enable-rule", "--name", name + "-b");
        await Aws("events", "disable-rule", "--name", name + "-a");
        Names((await Aws("events", "list-rules", "--name-prefix", name)).GetProperty("Rules"), "State").ShouldBe(["DISABLED", "ENABLED"]);

        var targets = Json(new object[]
        {
            new { Id = "constant", Arn = queueArn, Input = "{\"fixed\":true}" },
            new
            {
                Id = "detail",
                Arn = queueArn,
                InputPath = "$.detail",
                RetryPolicy = new { MaximumRetryAttempts = 3, MaximumEventAgeInSeconds = 120 },
                DeadLetterConfig = new { Arn = dlqArn },
            },
        });
        var put = await Aws("events", "put-targets", "--rule", name + "-a", "--targets", targets);
        put.GetProperty("FailedEntryCount").GetInt32().ShouldBe(0);
        put.GetProperty("FailedEntries").GetArrayLength().ShouldBe(0);
        var listed = (await Aws("events", "list-targets-by-rule", "--rule", name + "-a")).GetProperty("Targets");
        JsonElement.DeepEquals(listed, JsonDocument.Parse(targets).RootElement).ShouldBeTrue(listed.ToString());
        (await Aws("events", "list-rule-names-by-target", "--target-arn", queueArn)).GetProperty("RuleNames").EnumerateArray().Select(n => n.GetString()).ShouldBe([name + "-a"]);

        await AwsFails("ValidationException", "Rule can't be deleted since it has targets.", "events", "delete-rule", "--name", name + "-a");
        var removed = await Aws("events", "remove-targets", "--rule", name + "-a", "--ids", "constant", "detail", "nope");
        removed.GetProperty("FailedEntryCount").GetInt32().ShouldBe(1);
        var failed = removed.GetProperty("FailedEntries").EnumerateArray().Single();
        failed.GetProperty("TargetId").GetString().ShouldBe("nope");
        failed.GetProperty("ErrorCode").GetString().ShouldBe("ResourceNotFoundException");
        failed.GetProperty("ErrorMessage").GetString().ShouldBe($"Rule '{name}-a' does not have a target with the Id 'nope'.");
        await Aws("events", "delete-rule", "--name", name + "-a");
        await Aws("events", "delete-rule", "--name", name + "-b");
        await AwsFails("ResourceNotFoundException", $"Rule {name}-a does not exist on EventBus default.", "events", "describe-rule", "--name", name + "-a");
    }

    [Fact]
    public async Task tags_are_added_listed_and_removed_on_a_rule()
    {
        var name = ServerFixture.Unique("cli-tags");
        var arn = (await Aws("events", "put-rule", "--name", name, "--event-pattern", "{\"source\":[\"cli.tags\"]}", "--tags", "Key=team,Value=a")).GetProperty("RuleArn").GetString()!;
        await Aws("events", "tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=test", "Key=team,Value=b");
        Tags(await Aws("events", "list-tags-for-resource", "--resource-arn", arn)).ShouldBe(new Dictionary<string, string> { ["team"] = "b", ["env"] = "test" }, ignoreOrder: true);
        await Aws("events", "untag-resource", "--resource-arn", arn, "--tag-keys", "team");
        Tags(await Aws("events", "list-tags-for-resource", "--resource-arn", arn)).ShouldBe(new Dictionary<string, string> { ["env"] = "test" });
        await AwsFails("ResourceNotFoundException", $"Rule {name}-missing does not exist on EventBus default.", "events", "list-tags-for-resource", "--resource-arn", arn + "-missing");
        await Aws("events", "delete-rule", "--name", name);
    }

    [Fact]
    public async Task patterns_are_tested_and_put_events_reports_entries_that_failed()
    {
        var pattern = "{\"source\":[\"cli.test\"],\"detail\":{\"amount\":[{\"numeric\":[\">\",10]}]}}";
        string Event(int amount) => Json(new Dictionary<string, object>
        {
            ["id"] = "1",
            ["source"] = "cli.test",
            ["detail-type"] = "Order",
            ["account"] = Account,
            ["region"] = "us-east-1",
            ["time"] = "2026-01-01T00:00:00Z",
            ["resources"] = Array.Empty<string>(),
            ["detail"] = new { amount },
        });
        (await Aws("events", "test-event-pattern", "--event-pattern", pattern, "--event", Event(11))).GetProperty("Result").GetBoolean().ShouldBeTrue();
        (await Aws("events", "test-event-pattern", "--event-pattern", pattern, "--event", Event(10))).GetProperty("Result").GetBoolean().ShouldBeFalse();
        await AwsFails("InvalidEventPatternException", "Event pattern is not valid. Reason: Empty arrays are not allowed",
            "events", "test-event-pattern", "--event-pattern", "{\"source\":[]}", "--event", Event(1));

        // A partial failure is not an error: exit code 0, FailedEntryCount, and each entry's outcome in order.
        var entries = Json(new object[]
        {
            new { Source = "cli.test", DetailType = "Order", Detail = "{\"amount\":1}" },
            new { Source = "cli.test", DetailType = "Order", Detail = "not json" },
            new { DetailType = "Order", Detail = "{}" },
        });
        var put = await Aws("events", "put-events", "--entries", entries);
        put.GetProperty("FailedEntryCount").GetInt32().ShouldBe(2);
        var results = put.GetProperty("Entries");
        results.GetArrayLength().ShouldBe(3);
        results[0].GetProperty("EventId").GetString()!.ShouldMatch("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
        results[1].GetProperty("ErrorCode").GetString().ShouldBe("MalformedDetail");
        results[1].GetProperty("ErrorMessage").GetString().ShouldBe("Detail is malformed.");
        results[1].TryGetProperty("EventId", out _).ShouldBeFalse();
        results[2].GetProperty("ErrorCode").GetString().ShouldBe("InvalidArgument");
        results[2].GetProperty("ErrorMessage").GetString().ShouldBe("Parameter Source is not valid. Reason: Source is a required argument.");
    }

    /// <summary>
    /// EventBridge processes a Detail nested up to 1,000 levels; a deeper one is refused for that entry alone
    /// (<c>MalformedDetail</c>, AWS's code for a Detail it cannot read) and the other entries are accepted.
    /// </summary>
    [Fact]
    public async Task a_detail_nested_deeper_than_1000_levels_fails_alone()
    {
        static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        var entries = Json(new object[]
        {
            new { Source = "cli.deep", DetailType = "Deep", Detail = Nested(1000) },
            new { Source = "cli.deep", DetailType = "Deep", Detail = Nested(1001) },
            new { Source = "cli.deep", DetailType = "Deep", Detail = "{}" },
        });
        var put = await Aws("events", "put-events", "--entries", entries);
        put.GetProperty("FailedEntryCount").GetInt32().ShouldBe(1);
        var results = put.GetProperty("Entries");
        results[0].TryGetProperty("EventId", out _).ShouldBeTrue(results.ToString());
        results[1].GetProperty("ErrorCode").GetString().ShouldBe("MalformedDetail");
        results[2].TryGetProperty("EventId", out _).ShouldBeTrue(results.ToString());
    }
}
