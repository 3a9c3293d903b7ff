using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class LogGroupTests : EngineTestBase
{
    private const string NamePattern = @"[\.\-_/#A-Za-z0-9]+";

    [Fact]
    public async Task creates_a_group_that_describe_reports()
    {
        await GroupAsync("/aws/lambda/fn");
        var page = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest());
        var group = page.LogGroups.ShouldHaveSingleItem();
        group.LogGroupName.ShouldBe("/aws/lambda/fn");
        group.CreationTime.ShouldBe(Now);
        group.RetentionInDays.ShouldBeNull();
        group.MetricFilterCount.ShouldBe(0);
        group.Arn.ShouldBe("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*");
        group.LogGroupArn.ShouldBe("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn");
        group.StoredBytes.ShouldBe(0);
        group.LogGroupClass.ShouldBe("STANDARD");
        page.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task rejects_a_duplicate_group()
    {
        await GroupAsync("dup");
        ShouldBe(await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest("dup"))),
            "ResourceAlreadyExistsException", "The specified log group already exists");
    }

    [Fact]
    public async Task same_name_in_another_account_or_region_is_another_group()
    {
        await GroupAsync("shared");
        await Engine.CreateLogGroupAsync(new("210987654321", "us-east-1"), new CreateLogGroupRequest("shared"));
        await Engine.CreateLogGroupAsync(new("123456789012", "eu-west-1"), new CreateLogGroupRequest("shared"));
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:name")]
    [InlineData("star*")]
    [InlineData("ünïcode")]
    public async Task rejects_a_name_outside_the_alphabet(string name)
    {
        ShouldBe(await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest(name))),
            "InvalidParameterException",
            $"1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NamePattern}");
    }

    [Fact]
    public async Task accepts_every_character_of_the_alphabet() => await GroupAsync("a.b-c_d/e#F9");

    [Fact]
    public async Task rejects_an_empty_name_with_two_violations()
    {
        ShouldBe(await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest(""))),
            "InvalidParameterException",
            "2 validation errors detected: Value '' at 'logGroupName' failed to satisfy constraint: Member must have length greater than or equal to 1; "
            + $"Value '' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NamePattern}");
    }

    [Fact]
    public async Task accepts_a_512_character_name_and_rejects_513()
    {
        await GroupAsync(new string('a', 512));
        var name = new string('b', 513);
        ShouldBe(await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest(name))),
            "InvalidParameterException",
            $"1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512");
    }

    [Fact]
    public async Task rejects_a_missing_name()
    {
        ShouldBe(await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest(null!))),
            "InvalidParameterException",
            "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null");
    }

    [Fact]
    public async Task rejects_names_reserved_for_aws_services()
    {
        var e = await FailsAsync(() => Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest("aws/mine")));
        e.Code.ShouldBe("InvalidParameterException");
        await GroupAsync("/aws/lambda/mine"); // the Lambda convention starts with a slash
    }

    [Fact]
    public async Task deletes_a_group_with_its_streams()
    {
        await GroupAsync();
        await StreamAsync();
        await PutAsync("g", "s", (Now, "hello"));
        await Engine.DeleteLogGroupAsync(Scope, new DeleteLogGroupRequest("g"));
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups.ShouldBeEmpty();
        await GroupAsync();
        Engine.DescribeLogStreams(Scope, new DescribeLogStreamsRequest("g")).LogStreams.ShouldBeEmpty();
    }

    [Fact]
    public async Task deleting_a_missing_group_is_not_found()
    {
        ShouldBe(await FailsAsync(() => Engine.DeleteLogGroupAsync(Scope, new DeleteLogGroupRequest("nope"))),
            "ResourceNotFoundException", "The specified log group does not exist.");
    }

    [Fact]
    public async Task describe_orders_by_name_and_filters_by_prefix()
    {
        foreach (var name in new[] { "/aws/lambda/b", "/aws/lambda/a", "/aws/events/x", "app", "/aws/lambdax" })
        {
            await GroupAsync(name);
        }
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups.Select(g => g.LogGroupName)
            .ShouldBe(["/aws/events/x", "/aws/lambda/a", "/aws/lambda/b", "/aws/lambdax", "app"]);
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePrefix: "/aws/lambda/")).LogGroups.Select(g => g.LogGroupName)
            .ShouldBe(["/aws/lambda/a", "/aws/lambda/b"]);
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePrefix: "/aws/lambda")).LogGroups.Count.ShouldBe(3);
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePrefix: "zzz")).LogGroups.ShouldBeEmpty();
    }

    [Fact]
    public async Task name_pattern_is_a_case_sensitive_substring_and_returns_brief_groups()
    {
        foreach (var name in new[] { "FooBar", "aws/Foo", "GroupFoo", "foo", "F/o/o", "Froo" })
        {
            await Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest(name.StartsWith("aws/", StringComparison.Ordinal) ? "/" + name : name));
        }
        var groups = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePattern: "Foo")).LogGroups;
        groups.Select(g => g.LogGroupName).ShouldBe(["/aws/Foo", "FooBar", "GroupFoo"]);
        groups[0].Arn.ShouldBe("arn:aws:logs:us-east-1:123456789012:log-group:/aws/Foo:*");
        groups[0].StoredBytes.ShouldBeNull();
        groups[0].LogGroupArn.ShouldBeNull();
        groups[0].MetricFilterCount.ShouldBeNull();
    }

    [Fact]
    public void prefix_and_pattern_are_mutually_exclusive()
    {
        ShouldBe(Fails(() => Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest("a", "b"))),
            "InvalidParameterException", "logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one of these parameters can be passed.");
    }

    [Theory]
    [InlineData(0, "greater than or equal to 1")]
    [InlineData(51, "less than or equal to 50")]
    public void describe_limit_is_1_to_50(int limit, string constraint)
    {
        ShouldBe(Fails(() => Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(Limit: limit))),
            "InvalidParameterException",
            $"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {constraint}");
    }

    [Fact]
    public async Task describe_pages_with_next_token()
    {
        for (var i = 0; i < 7; i++)
        {
            await GroupAsync($"g{i}");
        }
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(Limit: 3, NextToken: token));
            page.LogGroups.Count.ShouldBeLessThanOrEqualTo(3);
            names.AddRange(page.LogGroups.Select(g => g.LogGroupName));
            token = page.NextToken;
            pages++;
        }
        while (token is not null);
        pages.ShouldBe(3);
        names.ShouldBe(["g0", "g1", "g2", "g3", "g4", "g5", "g6"]);
    }

    [Fact]
    public async Task last_full_page_has_no_token()
    {
        for (var i = 0; i < 4; i++)
        {
            await GroupAsync($"g{i}");
        }
        var first = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(Limit: 2));
        first.NextToken.ShouldNotBeNull();
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(Limit: 2, NextToken: first.NextToken)).NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task default_limit_is_50()
    {
        for (var i = 0; i < 51; i++)
        {
            await GroupAsync($"g{i:D2}");
        }
        var page = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest());
        page.LogGroups.Count.ShouldBe(50);
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(NextToken: page.NextToken)).LogGroups.ShouldHaveSingleItem().LogGroupName.ShouldBe("g50");
    }

    [Fact]
    public async Task paging_with_a_prefix_stays_within_the_prefix()
    {
        foreach (var name in new[] { "a1", "b1", "b2", "b3", "c1" })
        {
            await GroupAsync(name);
        }
        var first = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePrefix: "b", Limit: 2));
        first.LogGroups.Select(g => g.LogGroupName).ShouldBe(["b1", "b2"]);
        var second = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePrefix: "b", Limit: 2, NextToken: first.NextToken));
        second.LogGroups.Select(g => g.LogGroupName).ShouldBe(["b3"]);
        second.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task an_unknown_describe_token_gives_an_empty_page()
    {
        await GroupAsync();
        var page = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(NextToken: "invalid-token"));
        page.LogGroups.ShouldBeEmpty();
        page.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task stored_bytes_sum_the_messages()
    {
        await GroupAsync();
        await StreamAsync("g", "a");
        await StreamAsync("g", "b");
        await PutAsync("g", "a", (Now, "12345"));
        await PutAsync("g", "b", (Now, "héllo")); // 6 UTF-8 bytes
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest()).LogGroups[0].StoredBytes.ShouldBe(11);
    }

    [Fact]
    public async Task arns_use_the_partition_of_the_region()
    {
        var china = new Tideway.Primitives.RequestScope("123456789012", "cn-north-1");
        await Engine.CreateLogGroupAsync(china, new CreateLogGroupRequest("g"));
        Engine.DescribeLogGroups(china, new DescribeLogGroupsRequest()).LogGroups[0].Arn.ShouldBe("arn:aws-cn:logs:cn-north-1:123456789012:log-group:g:*");
    }

    [Fact]
    public async Task name_pattern_searches_past_the_first_thousand_groups()
    {
        for (var i = 0; i < 1_005; i++)
        {
            await GroupAsync($"g{i:D4}");
        }
        var page = Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePattern: "g100", Limit: 3));
        page.LogGroups.Select(g => g.LogGroupName).ShouldBe(["g1000", "g1001", "g1002"]);
        Engine.DescribeLogGroups(Scope, new DescribeLogGroupsRequest(LogGroupNamePattern: "g100", NextToken: page.NextToken))
            .LogGroups.Select(g => g.LogGroupName).ShouldBe(["g1003", "g1004"]);
    }
}
