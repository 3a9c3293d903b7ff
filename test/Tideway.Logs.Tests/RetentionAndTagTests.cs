using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class RetentionAndTagTests : EngineTestBase
{
    private const string EnumSet = "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(400)]
    [InlineData(3653)]
    public async Task sets_a_retention_that_describe_reports(int days)
    {
        await GroupAsync();
        await Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", days));
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups[0].RetentionInDays.ShouldBe(days);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(366)]
    [InlineData(3654)]
    public async Task rejects_a_retention_outside_the_allowed_values(int days)
    {
        await GroupAsync();
        ShouldBe(await FailsAsync(() => Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", days))),
            "InvalidParameterException",
            $"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: {EnumSet}");
    }

    [Fact]
    public async Task rejects_a_missing_retention()
    {
        await GroupAsync();
        ShouldBe(await FailsAsync(() => Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", null))),
            "InvalidParameterException",
            "1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null");
    }

    [Fact]
    public async Task retention_on_a_missing_group_is_not_found()
    {
        ShouldBe(await FailsAsync(() => Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("nope", 7))),
            "ResourceNotFoundException", "The specified log group does not exist.");
        ShouldBe(await FailsAsync(() => Engine.DeleteRetentionPolicyAsync(Scope, new DeleteRetentionPolicyRequest("nope"))),
            "ResourceNotFoundException", "The specified log group does not exist.");
    }

    [Fact]
    public async Task deletes_a_retention()
    {
        await GroupAsync();
        await Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", 30));
        await Engine.DeleteRetentionPolicyAsync(Scope, new DeleteRetentionPolicyRequest("g"));
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups[0].RetentionInDays.ShouldBeNull();
    }

    [Fact]
    public async Task reads_hide_events_older_than_the_retention_before_the_sweep()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now - (3 * Day), "old"));
        await PutAsync("g", "s", (Now - Hour, "new"));
        await Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", 1));

        Engine.GetLogEvents(Scope, new GetLogEventsRequest("s", "g", StartFromHead: true)).Events.Select(e => e.Message).ShouldBe(["new"]);
        Engine.FilterLogEvents(Scope, new FilterLogEventsRequest("g")).Events.Select(e => e.Message).ShouldBe(["new"]);

        Clock.Advance(TimeSpan.FromDays(1));
        Engine.FilterLogEvents(Scope, new FilterLogEventsRequest("g")).Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task sweep_drops_expired_events_of_every_account_and_region()
    {
        var other = new Tideway.Primitives.RequestScope("210987654321", "eu-west-1");
        await GroupAsync();
        await StreamAsync();
        await Engine.CreateLogGroupAsync(other, new CreateLogGroupRequest("g"));
        await Engine.CreateLogStreamAsync(other, new CreateLogStreamRequest("g", "s"));
        await PutAsync("g", "s", (Now - (2 * Day), "old"));
        await PutAsync("g", "s", (Now, "new"));
        await Engine.PutLogEventsAsync(other, new PutLogEventsRequest("g", "s", [new InputLogEvent(Now - (2 * Day), "old")]));
        await Engine.PutRetentionPolicyAsync(Scope, new PutRetentionPolicyRequest("g", 1));
        await Engine.PutRetentionPolicyAsync(other, new PutRetentionPolicyRequest("g", 1));

        (await Engine.SweepRetentionAsync(TestContext.Current.CancellationToken)).ShouldBe(2);
        (await Engine.SweepRetentionAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        var remaining = Store.ReadEvents(Store.FindGroup(Scope.Account, Scope.Region, "g")!.Id, null, long.MinValue, long.MaxValue, null, null, false, 100);
        remaining.Select(e => e.Message).ShouldBe(["new"]);
    }

    [Fact]
    public async Task sweep_leaves_groups_without_retention_alone()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now - (13 * Day), "kept"));
        (await Engine.SweepRetentionAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        Engine.FilterLogEvents(Scope, new FilterLogEventsRequest("g")).Events.ShouldHaveSingleItem();
    }

    // ---- tags ----

    [Fact]
    public async Task tags_given_at_creation_are_listed()
    {
        await GroupAsync("g", new Dictionary<string, string> { ["team"] = "core", ["env"] = "dev" });
        Engine.ListTagsLogGroup(Scope, new ListTagsLogGroupRequest("g")).Tags.ShouldBe(new Dictionary<string, string> { ["team"] = "core", ["env"] = "dev" }, ignoreOrder: true);
    }

    [Fact]
    public async Task tag_log_group_adds_and_overwrites()
    {
        await GroupAsync("g", new Dictionary<string, string> { ["a"] = "1" });
        await Engine.TagLogGroupAsync(Scope, new TagLogGroupRequest("g", new Dictionary<string, string> { ["a"] = "2", ["b"] = "3" }));
        Engine.ListTagsLogGroup(Scope, new ListTagsLogGroupRequest("g")).Tags.ShouldBe(new Dictionary<string, string> { ["a"] = "2", ["b"] = "3" }, ignoreOrder: true);
        await Engine.UntagLogGroupAsync(Scope, new UntagLogGroupRequest("g", ["a", "missing"]));
        Engine.ListTagsLogGroup(Scope, new ListTagsLogGroupRequest("g")).Tags.ShouldBe(new Dictionary<string, string> { ["b"] = "3" });
    }

    [Fact]
    public async Task tag_resource_takes_the_log_group_arn_with_or_without_star()
    {
        await GroupAsync("/app/api");
        const string Arn = "arn:aws:logs:us-east-1:123456789012:log-group:/app/api";
        await Engine.TagResourceAsync(Scope, new TagResourceRequest(Arn, new Dictionary<string, string> { ["k"] = "v" }));
        Engine.ListTagsForResource(Scope, new ListTagsForResourceRequest(Arn + ":*")).Tags.ShouldBe(new Dictionary<string, string> { ["k"] = "v" });
        await Engine.UntagResourceAsync(Scope, new UntagResourceRequest(Arn, ["k"]));
        Engine.ListTagsForResource(Scope, new ListTagsForResourceRequest(Arn)).Tags.ShouldBeEmpty();
    }

    [Fact]
    public async Task tag_resource_of_a_missing_group_is_not_found()
    {
        var e = await FailsAsync(() => Engine.TagResourceAsync(Scope, new TagResourceRequest(
            "arn:aws:logs:us-east-1:123456789012:log-group:nope", new Dictionary<string, string> { ["k"] = "v" })));
        ShouldBe(e, "ResourceNotFoundException", "The specified resource does not exist.");
        e = await FailsAsync(() => Engine.TagResourceAsync(Scope, new TagResourceRequest(
            "arn:aws:logs:us-east-1:999999999999:log-group:g", new Dictionary<string, string> { ["k"] = "v" })));
        e.Code.ShouldBe("ResourceNotFoundException");
    }

    [Fact]
    public async Task tag_resource_rejects_an_arn_that_is_not_a_log_group()
    {
        var e = await FailsAsync(() => Engine.TagResourceAsync(Scope, new TagResourceRequest(
            "arn:aws:sqs:us-east-1:123456789012:q", new Dictionary<string, string> { ["k"] = "v" })));
        e.Code.ShouldBe("InvalidParameterException");
    }

    [Fact]
    public async Task a_group_holds_at_most_50_tags()
    {
        var fifty = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => "v");
        await GroupAsync("g", fifty);
        ShouldBe(await FailsAsync(() => Engine.TagResourceAsync(Scope, new TagResourceRequest(
                "arn:aws:logs:us-east-1:123456789012:log-group:g", new Dictionary<string, string> { ["one-more"] = "v" }))),
            "TooManyTagsException", "A resource can have no more than 50 tags.");
        var e = await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest("h",
            Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v"))));
        e.Message.ShouldBe("1 validation error detected: Value '[...]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad!key")]
    public async Task rejects_invalid_tag_keys(string key)
    {
        var e = await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest("g", new Dictionary<string, string> { [key] = "v" })));
        e.Code.ShouldBe("InvalidParameterException");
        e.Message.ShouldStartWith($"1 validation error detected: Value '{key}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint");
    }

    [Fact]
    public async Task rejects_an_invalid_tag_value()
    {
        var e = await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest("g", new Dictionary<string, string> { ["k"] = new string('v', 257) })));
        e.Message.ShouldContain("Map value must satisfy constraint");
    }

    [Fact]
    public async Task tagging_a_missing_group_by_name_is_not_found()
    {
        ShouldBe(await FailsAsync(() => Engine.TagLogGroupAsync(Scope, new TagLogGroupRequest("nope", new Dictionary<string, string> { ["k"] = "v" }))),
            "ResourceNotFoundException", "The specified log group does not exist.");
        ShouldBe(Fails(() => Engine.ListTagsLogGroup(Scope, new ListTagsLogGroupRequest("nope"))),
            "ResourceNotFoundException", "The specified log group does not exist.");
    }
}
