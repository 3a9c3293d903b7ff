using Shouldly;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Queues.Tests;

/// <summary>CreateQueue, DeleteQueue, GetQueueUrl, ListQueues, PurgeQueue and the queue tags.</summary>
public sealed class QueueTests : EngineTests
{
    private const string StandardNameRule = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length";
    private const string FifoNameRule = "must end with .fifo suffix and be 1 to 80 in length.";

    [Fact]
    public async Task creates_a_queue_with_the_attributes_aws_lists_for_all()
    {
        var queue = await CreateAsync("orders");

        var attributes = QueueAttributesOf(queue, "All");

        attributes.Keys.Order(StringComparer.Ordinal).ShouldBe([
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible",
            "CreatedTimestamp", "DelaySeconds", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod",
            "QueueArn", "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled", "VisibilityTimeout",
        ]);
        attributes["QueueArn"].ShouldBe("arn:aws:sqs:us-east-1:000000000000:orders");
        attributes["VisibilityTimeout"].ShouldBe("30");
        attributes["DelaySeconds"].ShouldBe("0");
        attributes["MaximumMessageSize"].ShouldBe("262144");
        attributes["MessageRetentionPeriod"].ShouldBe("345600");
        attributes["ReceiveMessageWaitTimeSeconds"].ShouldBe("0");
        attributes["SqsManagedSseEnabled"].ShouldBe("true");
        attributes["CreatedTimestamp"].ShouldBe((Start / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        attributes["ApproximateNumberOfMessages"].ShouldBe("0");
    }

    [Fact]
    public async Task a_fifo_queue_lists_its_fifo_attributes_under_all()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        var attributes = QueueAttributesOf(queue, "All");

        attributes["FifoQueue"].ShouldBe("true");
        attributes["ContentBasedDeduplication"].ShouldBe("false");
        attributes["DeduplicationScope"].ShouldBe("queue");
        attributes["FifoThroughputLimit"].ShouldBe("perQueue");
        queue.IsFifo.ShouldBeTrue();
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Orders_2-eu")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task accepts_a_queue_name_of_1_to_80_letters_digits_hyphens_and_underscores(string name)
    {
        var queue = await CreateAsync(name);

        queue.Name.ShouldBe(name);
        Engine.GetQueueUrl(Scope, name, null).Id.ShouldBe(queue.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("has space")]
    [InlineData("dotted.name")]
    [InlineData("slash/name")]
    [InlineData("caf\u00e9")]
    public async Task rejects_a_queue_name_outside_the_rules(string name)
    {
        await CreateAsync(name).ShouldFailWithAsync("InvalidParameterValue", StandardNameRule);
    }

    [Fact]
    public async Task rejects_a_standard_queue_whose_name_ends_in_fifo()
    {
        await CreateAsync("jobs.fifo").ShouldFailWithAsync("InvalidParameterValue", StandardNameRule);
        await CreateAsync("jobs.fifo", ("FifoQueue", "false")).ShouldFailWithAsync("InvalidParameterValue", StandardNameRule);
    }

    [Fact]
    public async Task rejects_a_fifo_queue_whose_name_lacks_the_fifo_suffix()
    {
        await CreateFifoAsync("jobs").ShouldFailWithAsync("InvalidParameterValue", FifoNameRule);
    }

    [Fact]
    public async Task counts_the_fifo_suffix_toward_the_80_characters()
    {
        var longest = new string('a', 75) + ".fifo";

        (await CreateFifoAsync(longest)).Name.ShouldBe(longest);
        await CreateFifoAsync("a" + longest).ShouldFailWithAsync("InvalidParameterValue", FifoNameRule);
        await CreateFifoAsync(".fifo").ShouldFailWithAsync("InvalidParameterValue", FifoNameRule);
    }

    [Fact]
    public async Task rejects_a_fifo_queue_attribute_that_is_not_a_boolean()
    {
        await CreateAsync("jobs", ("FifoQueue", "yes")).ShouldFailWithAsync("InvalidAttributeValue", "Invalid value for the parameter FifoQueue.");
    }

    [Fact]
    public async Task creating_an_existing_queue_with_the_same_attributes_returns_it()
    {
        var first = await CreateAsync("orders", ("VisibilityTimeout", "45"), ("DelaySeconds", "5"));

        (await CreateAsync("orders", ("VisibilityTimeout", "45"), ("DelaySeconds", "5"))).Id.ShouldBe(first.Id);
        (await CreateAsync("orders", ("DelaySeconds", "5"))).Id.ShouldBe(first.Id);
        (await CreateAsync("orders")).Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task creating_an_existing_queue_with_a_different_attribute_value_fails_with_queue_name_exists()
    {
        await CreateAsync("orders", ("VisibilityTimeout", "45"));

        await CreateAsync("orders", ("VisibilityTimeout", "46"))
            .ShouldFailWithAsync("QueueNameExists", "A queue already exists with the same name and a different value for attribute VisibilityTimeout");
        await CreateAsync("orders", ("DelaySeconds", "1"))
            .ShouldFailWithAsync("QueueNameExists", "different value for attribute DelaySeconds");
    }

    [Fact]
    public async Task creating_an_existing_fifo_queue_with_a_different_deduplication_setting_fails()
    {
        await CreateFifoAsync("orders.fifo");

        (await CreateFifoAsync("orders.fifo", ("ContentBasedDeduplication", "false"))).Name.ShouldBe("orders.fifo");
        await CreateFifoAsync("orders.fifo", ("ContentBasedDeduplication", "true"))
            .ShouldFailWithAsync("QueueNameExists", "different value for attribute ContentBasedDeduplication");
    }

    [Fact]
    public async Task recreating_a_standard_queue_with_fifo_queue_false_returns_the_existing_queue()
    {
        var first = await CreateAsync("orders", ("FifoQueue", "false"));

        (await CreateAsync("orders", ("FifoQueue", "false"))).Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task recreating_a_queue_whose_policy_was_removed_with_an_empty_policy_returns_it()
    {
        var first = await CreateAsync("orders", ("Policy", "{\"Version\":\"2012-10-17\"}"));
        await Engine.SetQueueAttributesAsync(first, Attributes(("Policy", "")));

        (await CreateAsync("orders", ("Policy", ""))).Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task recreating_a_deleted_queue_within_60_seconds_fails_with_queue_deleted_recently()
    {
        var first = await CreateAsync("orders");
        await Engine.DeleteQueueAsync(first);

        Advance(59.999);
        await CreateAsync("orders")
            .ShouldFailWithAsync("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.");

        Advance(0.001);
        var second = await CreateAsync("orders");
        second.Id.ShouldNotBe(first.Id);
    }

    [Fact]
    public async Task a_deleted_queue_does_not_exist()
    {
        var queue = await CreateAsync("orders");
        await Engine.DeleteQueueAsync(queue);

        await Engine.DeleteQueueAsync(queue).ShouldFailWithAsync("QueueDoesNotExist", "The specified queue does not exist.");
        ((Action)(() => Engine.GetQueueUrl(Scope, "orders", null))).ShouldFailWith("QueueDoesNotExist", "does not exist");
        ((Action)(() => Engine.ResolveQueue(Scope, Scope.Account, "orders"))).ShouldFailWith("QueueDoesNotExist", "does not exist");
        await SendAsync(queue, "hello").ShouldFailWithAsync("QueueDoesNotExist", "does not exist");
        await ReceiveAsync(queue).ShouldFailWithAsync("QueueDoesNotExist", "does not exist");
        await Engine.PurgeQueueAsync(queue).ShouldFailWithAsync("QueueDoesNotExist", "does not exist");
        ((Action)(() => Engine.GetQueueAttributes(queue, ["All"]))).ShouldFailWith("QueueDoesNotExist", "does not exist");
    }

    [Fact]
    public async Task get_queue_url_finds_a_queue_of_another_account_by_owner()
    {
        var other = new RequestScope("111111111111", Scope.Region);
        var queue = await Engine.CreateQueueAsync(other, "shared", Attributes(), Attributes());

        Engine.GetQueueUrl(Scope, "shared", "111111111111").Id.ShouldBe(queue.Id);
        ((Action)(() => Engine.GetQueueUrl(Scope, "shared", null))).ShouldFailWith("QueueDoesNotExist", "does not exist");
    }

    [Fact]
    public async Task lists_queues_by_prefix_in_name_order()
    {
        foreach (var name in new[] { "gamma", "beta-2", "alpha", "beta-1" })
        {
            await CreateAsync(name);
        }
        await Engine.CreateQueueAsync(new RequestScope("111111111111", Scope.Region), "beta-3", Attributes(), Attributes());

        var (all, allToken) = Engine.ListQueues(Scope, null, null, null);
        all.Select(q => q.Name).ShouldBe(["alpha", "beta-1", "beta-2", "gamma"]);
        allToken.ShouldBeNull();

        Engine.ListQueues(Scope, "beta", null, null).Queues.Select(q => q.Name).ShouldBe(["beta-1", "beta-2"]);
        Engine.ListQueues(Scope, "zeta", null, null).Queues.ShouldBeEmpty();
    }

    [Fact]
    public async Task pages_through_queues_with_max_results_and_next_token()
    {
        foreach (var name in new[] { "q1", "q2", "q3", "q4", "q5" })
        {
            await CreateAsync(name);
        }

        var (first, token) = Engine.ListQueues(Scope, null, 2, null);
        first.Select(q => q.Name).ShouldBe(["q1", "q2"]);
        token.ShouldNotBeNull();

        var (second, token2) = Engine.ListQueues(Scope, null, 2, token);
        second.Select(q => q.Name).ShouldBe(["q3", "q4"]);
        token2.ShouldNotBeNull();

        var (last, token3) = Engine.ListQueues(Scope, null, 2, token2);
        last.Select(q => q.Name).ShouldBe(["q5"]);
        token3.ShouldBeNull();

        Engine.ListQueues(Scope, null, 5, null).NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task rejects_a_next_token_without_max_results()
    {
        await CreateAsync("q1");
        await CreateAsync("q2");
        var (_, token) = Engine.ListQueues(Scope, null, 1, null);

        ((Action)(() => Engine.ListQueues(Scope, null, null, token)))
            .ShouldFailWith("InvalidParameterValue", "MaxResults is a mandatory parameter when you provide a value for NextToken.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void rejects_max_results_outside_1_to_1000(int maxResults)
    {
        ((Action)(() => Engine.ListQueues(Scope, null, maxResults, null)))
            .ShouldFailWith("InvalidParameterValue", $"Value {maxResults} for parameter MaxResults is invalid.");
    }

    [Fact]
    public async Task purge_deletes_every_message_including_in_flight_ones()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "one");
        await SendAsync(queue, "two");
        await SendAsync(queue, "later", delaySeconds: 60);
        await ReceiveOneAsync(queue);

        await Engine.PurgeQueueAsync(queue);

        Counts(queue).ShouldBe(new QueueCounts(0, 0, 0));
        Advance(60);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_second_purge_within_60_seconds_fails_with_purge_queue_in_progress()
    {
        var queue = await CreateAsync("orders");
        await Engine.PurgeQueueAsync(queue);

        Advance(59.999);
        await Engine.PurgeQueueAsync(queue)
            .ShouldFailWithAsync("PurgeQueueInProgress", "Only one PurgeQueue operation on orders is allowed every 60 seconds.");

        Advance(0.001);
        await Engine.PurgeQueueAsync(queue);
    }

    [Fact]
    public async Task tags_are_set_at_creation_merged_by_tag_queue_and_removed_by_untag_queue()
    {
        var queue = await Engine.CreateQueueAsync(Scope, "orders", Attributes(), Attributes(("team", "a"), ("env", "dev")));
        Engine.ListQueueTags(queue).ShouldBe(Attributes(("team", "a"), ("env", "dev")), ignoreOrder: true);

        await Engine.TagQueueAsync(queue, Attributes(("team", "b"), ("cost", "")));
        Engine.ListQueueTags(queue).ShouldBe(Attributes(("team", "b"), ("env", "dev"), ("cost", "")), ignoreOrder: true);

        await Engine.UntagQueueAsync(queue, ["env", "cost", "absent"]);
        Engine.ListQueueTags(queue).ShouldBe(Attributes(("team", "b")), ignoreOrder: true);

        await Engine.UntagQueueAsync(queue, ["team"]);
        Engine.ListQueueTags(queue).ShouldBeEmpty();
    }

    [Fact]
    public async Task accepts_50_tags_and_rejects_51()
    {
        var fifty = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => "v");
        var queue = await Engine.CreateQueueAsync(Scope, "orders", Attributes(), fifty);
        Engine.ListQueueTags(queue).Count.ShouldBe(50);

        await Engine.TagQueueAsync(queue, Attributes(("one-more", "v")))
            .ShouldFailWithAsync("InvalidParameterValue", "The maximum number of tags is 50.");
        Engine.ListQueueTags(queue).Count.ShouldBe(50);

        var fiftyOne = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v");
        await Engine.CreateQueueAsync(Scope, "other", Attributes(), fiftyOne)
            .ShouldFailWithAsync("InvalidParameterValue", "Too many tags");
    }

    [Fact]
    public async Task enforces_the_tag_key_and_value_limits()
    {
        var queue = await CreateAsync("orders");

        await Engine.TagQueueAsync(queue, Attributes((new string('k', 128), new string('v', 256))));
        await Engine.TagQueueAsync(queue, Attributes((new string('k', 129), "v"))).ShouldFailWithAsync("InvalidParameterValue", "Tag key");
        await Engine.TagQueueAsync(queue, Attributes(("", "v"))).ShouldFailWithAsync("InvalidParameterValue", "Tag key");
        await Engine.TagQueueAsync(queue, Attributes(("aws:owner", "v"))).ShouldFailWithAsync("InvalidParameterValue", "must not start with 'aws:'");
        await Engine.TagQueueAsync(queue, Attributes(("k", new string('v', 257)))).ShouldFailWithAsync("InvalidParameterValue", "Tag value for key 'k'");
        Engine.ListQueueTags(queue).Count.ShouldBe(1);
    }
}
