using System.Globalization;
using Shouldly;

namespace Tideway.Queues.Tests;

/// <summary>Queue attribute validation (CreateQueue, SetQueueAttributes) and GetQueueAttributes.</summary>
public sealed class AttributeTests : EngineTests
{
    public static TheoryData<string, int, int> Ranges => new()
    {
        { "DelaySeconds", 0, 900 },
        { "MaximumMessageSize", 1024, 262_144 },
        { "MessageRetentionPeriod", 60, 1_209_600 },
        { "ReceiveMessageWaitTimeSeconds", 0, 20 },
        { "VisibilityTimeout", 0, 43_200 },
        { "KmsDataKeyReusePeriodSeconds", 60, 86_400 },
    };

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task accepts_each_bound_of_a_numeric_attribute(string name, int min, int max)
    {
        var low = await CreateAsync("low", (name, Text(min)));
        var high = await CreateAsync("high", (name, Text(max)));

        QueueAttributesOf(low, name)[name].ShouldBe(Text(min));
        QueueAttributesOf(high, name)[name].ShouldBe(Text(max));

        await Engine.SetQueueAttributesAsync(low, Attributes((name, Text(max))));
        await Engine.SetQueueAttributesAsync(high, Attributes((name, Text(min))));
        QueueAttributesOf(low, name)[name].ShouldBe(Text(max));
        QueueAttributesOf(high, name)[name].ShouldBe(Text(min));
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task rejects_a_value_just_outside_each_bound_with_invalid_attribute_value(string name, int min, int max)
    {
        var message = $"Invalid value for the parameter {name}.";
        await CreateAsync("low", (name, Text(min - 1))).ShouldFailWithAsync("InvalidAttributeValue", message);
        await CreateAsync("high", (name, Text(max + 1))).ShouldFailWithAsync("InvalidAttributeValue", message);
        await CreateAsync("word", (name, "ten")).ShouldFailWithAsync("InvalidAttributeValue", message);

        var queue = await CreateAsync("orders");
        var before = QueueAttributesOf(queue, "All");
        await Engine.SetQueueAttributesAsync(queue, Attributes((name, Text(min - 1)))).ShouldFailWithAsync("InvalidAttributeValue", message);
        await Engine.SetQueueAttributesAsync(queue, Attributes((name, Text(max + 1)))).ShouldFailWithAsync("InvalidAttributeValue", message);
        QueueAttributesOf(queue, "All").ShouldBe(before);
    }

    [Fact]
    public async Task rejects_an_unknown_attribute_name_with_invalid_attribute_name()
    {
        await CreateAsync("orders", ("Nope", "1")).ShouldFailWithAsync("InvalidAttributeName", "Unknown Attribute Nope.");

        var queue = await CreateAsync("orders");
        await Engine.SetQueueAttributesAsync(queue, Attributes(("Nope", "1"))).ShouldFailWithAsync("InvalidAttributeName", "Unknown Attribute Nope.");
        await Engine.SetQueueAttributesAsync(queue, Attributes(("QueueArn", "arn"))).ShouldFailWithAsync("InvalidAttributeName", "Unknown Attribute QueueArn.");
    }

    [Theory]
    [InlineData("ContentBasedDeduplication", "true")]
    [InlineData("DeduplicationScope", "messageGroup")]
    [InlineData("FifoThroughputLimit", "perMessageGroupId")]
    public async Task rejects_a_fifo_attribute_on_a_standard_queue(string name, string value)
    {
        await CreateAsync("orders", (name, value)).ShouldFailWithAsync("InvalidAttributeName", $"Unknown Attribute {name}.");
    }

    [Theory]
    [InlineData("ContentBasedDeduplication", "maybe")]
    [InlineData("DeduplicationScope", "group")]
    [InlineData("FifoThroughputLimit", "perGroup")]
    [InlineData("SqsManagedSseEnabled", "on")]
    public async Task rejects_an_invalid_value_of_an_enumerated_attribute(string name, string value)
    {
        await CreateFifoAsync("orders.fifo", (name, value)).ShouldFailWithAsync("InvalidAttributeValue", $"Invalid value for the parameter {name}.");
    }

    [Fact]
    public async Task fifo_queue_cannot_be_set_after_creation()
    {
        var standard = await CreateAsync("orders");
        await Engine.SetQueueAttributesAsync(standard, Attributes(("FifoQueue", "true"))).ShouldFailWithAsync("InvalidAttributeName", "Unknown Attribute FifoQueue.");

        var fifo = await CreateFifoAsync("orders.fifo");
        await Engine.SetQueueAttributesAsync(fifo, Attributes(("FifoQueue", "false")))
            .ShouldFailWithAsync("InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
        await Engine.SetQueueAttributesAsync(fifo, Attributes(("FifoQueue", "true")));
        QueueAttributesOf(fifo, "FifoQueue")["FifoQueue"].ShouldBe("true");
    }

    [Fact]
    public async Task rejects_a_policy_that_is_not_a_json_object_and_removes_one_set_to_empty()
    {
        await CreateAsync("orders", ("Policy", "not json")).ShouldFailWithAsync("InvalidAttributeValue", "Invalid value for the parameter Policy.");

        var queue = await CreateAsync("orders", ("Policy", "{\"Version\":\"2012-10-17\"}"));
        QueueAttributesOf(queue, "Policy")["Policy"].ShouldBe("{\"Version\":\"2012-10-17\"}");

        await Engine.SetQueueAttributesAsync(queue, Attributes(("Policy", "")));
        Engine.GetQueueAttributes(queue, ["Policy"]).ShouldBeEmpty();
        QueueAttributesOf(queue, "All").ShouldNotContainKey("Policy");
    }

    [Fact]
    public async Task set_queue_attributes_updates_the_last_modified_timestamp()
    {
        var queue = await CreateAsync("orders");
        Advance(10);

        await Engine.SetQueueAttributesAsync(queue, Attributes(("VisibilityTimeout", "60")));

        var attributes = QueueAttributesOf(queue, "CreatedTimestamp", "LastModifiedTimestamp", "VisibilityTimeout");
        attributes["CreatedTimestamp"].ShouldBe(Text((int)(Start / 1000)));
        attributes["LastModifiedTimestamp"].ShouldBe(Text((int)(Start / 1000) + 10));
        attributes["VisibilityTimeout"].ShouldBe("60");
    }

    // ---------------------------------------------------------------- RedrivePolicy

    private static string Redrive(string arn, string maxReceiveCount) =>
        $"{{\"deadLetterTargetArn\":\"{arn}\",\"maxReceiveCount\":{maxReceiveCount}}}";

    [Fact]
    public async Task stores_a_redrive_policy_with_max_receive_count_as_a_number()
    {
        var dlq = await CreateAsync("orders-dlq");
        var arn = SqsEngine.Arn(dlq);

        var queue = await CreateAsync("orders", ("RedrivePolicy", Redrive(arn, "\"3\"")));

        QueueAttributesOf(queue, "RedrivePolicy")["RedrivePolicy"].ShouldBe(Redrive(arn, "3"));
        Engine.ListDeadLetterSourceQueues(dlq, null, null).Queues.Single().Id.ShouldBe(queue.Id);
    }

    [Fact]
    public async Task rejects_a_redrive_policy_without_a_dead_letter_target()
    {
        await CreateAsync("orders", ("RedrivePolicy", "{\"maxReceiveCount\":3}"))
            .ShouldFailWithAsync("InvalidParameterValue", "for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
    }

    [Fact]
    public async Task rejects_a_redrive_policy_without_a_max_receive_count()
    {
        var dlq = await CreateAsync("orders-dlq");

        await CreateAsync("orders", ("RedrivePolicy", $"{{\"deadLetterTargetArn\":\"{SqsEngine.Arn(dlq)}\"}}"))
            .ShouldFailWithAsync("InvalidParameterValue", "Redrive policy does not contain mandatory attribute: maxReceiveCount.");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    public async Task rejects_a_max_receive_count_outside_1_to_1000(string count)
    {
        var dlq = await CreateAsync("orders-dlq");

        await CreateAsync("orders", ("RedrivePolicy", Redrive(SqsEngine.Arn(dlq), count)))
            .ShouldFailWithAsync("InvalidParameterValue", $"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive.");
    }

    [Fact]
    public async Task accepts_a_max_receive_count_of_1_and_of_1000_and_rejects_one_that_is_not_a_number()
    {
        var dlq = await CreateAsync("orders-dlq");
        var arn = SqsEngine.Arn(dlq);

        await CreateAsync("one", ("RedrivePolicy", Redrive(arn, "1")));
        await CreateAsync("thousand", ("RedrivePolicy", Redrive(arn, "\"1000\"")));
        await CreateAsync("word", ("RedrivePolicy", Redrive(arn, "\"many\"")))
            .ShouldFailWithAsync("InvalidParameterValue", "Invalid value for maxReceiveCount");
    }

    [Theory]
    [InlineData("{\"redrivePermission\":\"allowAll\"}")]
    [InlineData("{\"redrivePermission\":\"denyAll\"}")]
    [InlineData("{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:000000000000:a\"]}")]
    [InlineData("{}")]
    public async Task accepts_a_redrive_allow_policy_and_returns_it_as_given(string policy)
    {
        var queue = await CreateAsync("dlq", ("RedriveAllowPolicy", policy));
        queue.Attributes["RedriveAllowPolicy"].ShouldBe(policy);
    }

    [Theory]
    [InlineData("[]", "Invalid value for RedriveAllowPolicy.")]
    [InlineData("{\"redrivePermission\":\"bogus\"}", "valid values are allowAll, denyAll and byQueue")]
    [InlineData("{\"redrivePermission\":5}", "valid values are allowAll, denyAll and byQueue")]
    [InlineData("{\"redrivePermission\":\"byQueue\"}", "sourceQueueArns is required when redrivePermission is byQueue")]
    [InlineData("{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[]}", "sourceQueueArns is required when redrivePermission is byQueue")]
    [InlineData("{\"redrivePermission\":\"allowAll\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:000000000000:a\"]}", "only when redrivePermission is byQueue")]
    [InlineData("{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":\"arn:aws:sqs:us-east-1:000000000000:a\"}", "must be a list of queue ARNs")]
    [InlineData("{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}", "at most 10")]
    [InlineData("{\"redrivePermission\":\"denyAll\",\"extra\":1}", "Unknown attribute extra")]
    [InlineData("{\"redrivePermission\":\"\\ud800\"}", "Invalid value for RedriveAllowPolicy.")]
    public async Task rejects_a_malformed_redrive_allow_policy(string policy, string reason)
    {
        await CreateAsync("dlq", ("RedriveAllowPolicy", policy)).ShouldFailWithAsync("InvalidParameterValue", reason);
        var queue = await CreateAsync("other-dlq");
        await Engine.SetQueueAttributesAsync(queue, Attributes(("RedriveAllowPolicy", policy))).ShouldFailWithAsync("InvalidParameterValue", reason);
    }

    [Fact]
    public async Task a_redrive_policy_must_be_allowed_by_the_dead_letter_queues_redrive_allow_policy()
    {
        var closed = await CreateAsync("closed-dlq", ("RedriveAllowPolicy", "{\"redrivePermission\":\"denyAll\"}"));
        var chosen = await CreateAsync("chosen-dlq",
            ("RedriveAllowPolicy", "{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:000000000000:orders\"]}"));

        await CreateAsync("orders", ("RedrivePolicy", Redrive(SqsEngine.Arn(closed), "3")))
            .ShouldFailWithAsync("InvalidParameterValue", "does not allow arn:aws:sqs:us-east-1:000000000000:orders as a source queue");
        var orders = await CreateAsync("orders", ("RedrivePolicy", Redrive(SqsEngine.Arn(chosen), "3")));
        orders.Attributes["RedrivePolicy"].ShouldContain(SqsEngine.Arn(chosen));
        var audit = await CreateAsync("audit");
        await Engine.SetQueueAttributesAsync(audit, Attributes(("RedrivePolicy", Redrive(SqsEngine.Arn(chosen), "3"))))
            .ShouldFailWithAsync("InvalidParameterValue", "does not allow arn:aws:sqs:us-east-1:000000000000:audit as a source queue");

        // Opened later, the dead-letter queue takes the source queue.
        await Engine.SetQueueAttributesAsync(closed, Attributes(("RedriveAllowPolicy", "{\"redrivePermission\":\"allowAll\"}")));
        await Engine.SetQueueAttributesAsync(audit, Attributes(("RedrivePolicy", Redrive(SqsEngine.Arn(closed), "3"))));
    }

    [Fact]
    public async Task a_queue_already_redriving_keeps_its_policy_when_the_dead_letter_queue_closes_and_the_same_attributes_come_again()
    {
        var dlq = await CreateAsync("orders-dlq");
        var policy = Redrive(SqsEngine.Arn(dlq), "3");
        var orders = await CreateAsync("orders", ("RedrivePolicy", policy));
        await Engine.SetQueueAttributesAsync(dlq, Attributes(("RedriveAllowPolicy", "{\"redrivePermission\":\"denyAll\"}")));

        // A start-up CreateQueue, or a tool that sends every attribute again, still succeeds (a review finding).
        (await CreateAsync("orders", ("RedrivePolicy", policy))).Id.ShouldBe(orders.Id);
        await Engine.SetQueueAttributesAsync(orders, Attributes(("RedrivePolicy", policy), ("VisibilityTimeout", "40")));
        // A changed policy must be allowed.
        await Engine.SetQueueAttributesAsync(orders, Attributes(("RedrivePolicy", Redrive(SqsEngine.Arn(dlq), "4"))))
            .ShouldFailWithAsync("InvalidParameterValue", "does not allow");
    }

    [Fact]
    public async Task rejects_a_redrive_policy_whose_target_does_not_exist()
    {
        await CreateAsync("orders", ("RedrivePolicy", Redrive("arn:aws:sqs:us-east-1:000000000000:missing", "3")))
            .ShouldFailWithAsync("InvalidParameterValue", "Reason: Dead letter target does not exist");
    }

    [Fact]
    public async Task rejects_a_redrive_policy_whose_target_is_not_a_queue_arn()
    {
        await CreateAsync("orders", ("RedrivePolicy", Redrive("dummy", "42")))
            .ShouldFailWithAsync("InvalidParameterValue", "Value {\"deadLetterTargetArn\":\"dummy\",\"maxReceiveCount\":42} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.");
    }

    [Fact]
    public async Task rejects_a_redrive_policy_that_is_not_json()
    {
        await CreateAsync("orders", ("RedrivePolicy", "dlq please"))
            .ShouldFailWithAsync("InvalidParameterValue", "for parameter RedrivePolicy is invalid.");
    }

    [Fact]
    public async Task rejects_a_dead_letter_queue_of_the_other_queue_type()
    {
        var standardDlq = await CreateAsync("orders-dlq");
        var fifoDlq = await CreateFifoAsync("orders-dlq.fifo");

        await CreateAsync("orders", ("RedrivePolicy", Redrive(SqsEngine.Arn(fifoDlq), "3")))
            .ShouldFailWithAsync("InvalidParameterValue", "Dead-letter queue must be same type of queue as the source");
        await CreateFifoAsync("orders.fifo", ("RedrivePolicy", Redrive(SqsEngine.Arn(standardDlq), "3")))
            .ShouldFailWithAsync("InvalidParameterValue", "Dead-letter queue must be same type of queue as the source");
        (await CreateFifoAsync("orders.fifo", ("RedrivePolicy", Redrive(SqsEngine.Arn(fifoDlq), "3")))).IsFifo.ShouldBeTrue();
    }

    [Fact]
    public async Task an_empty_redrive_policy_removes_it()
    {
        var dlq = await CreateAsync("orders-dlq");
        var queue = await CreateAsync("orders", ("RedrivePolicy", Redrive(SqsEngine.Arn(dlq), "3")));

        await Engine.SetQueueAttributesAsync(queue, Attributes(("RedrivePolicy", "")));

        Engine.GetQueueAttributes(queue, ["RedrivePolicy"]).ShouldBeEmpty();
        Engine.ListDeadLetterSourceQueues(dlq, null, null).Queues.ShouldBeEmpty();
    }

    // ---------------------------------------------------------------- GetQueueAttributes

    [Fact]
    public async Task returns_only_the_attributes_asked_for()
    {
        var queue = await CreateAsync("orders", ("VisibilityTimeout", "45"));

        var attributes = Engine.GetQueueAttributes(queue, ["VisibilityTimeout", "QueueArn"]);

        attributes.ToDictionary(a => a.Key, a => a.Value).ShouldBe(
            Attributes(("VisibilityTimeout", "45"), ("QueueArn", "arn:aws:sqs:us-east-1:000000000000:orders")), ignoreOrder: true);
        Engine.GetQueueAttributes(queue, null).ShouldBeEmpty();
        Engine.GetQueueAttributes(queue, []).ShouldBeEmpty();
    }

    [Fact]
    public async Task rejects_an_unknown_attribute_name_in_get_queue_attributes()
    {
        var queue = await CreateAsync("orders");

        ((Action)(() => Engine.GetQueueAttributes(queue, ["VisibilityTimeout", "Bogus"])))
            .ShouldFailWith("InvalidAttributeName", "Unknown Attribute Bogus.");
        ((Action)(() => Engine.GetQueueAttributes(queue, ["FifoQueue"])))
            .ShouldFailWith("InvalidAttributeName", "Unknown Attribute FifoQueue.");
    }

    [Fact]
    public async Task reports_approximate_counts_of_visible_in_flight_and_delayed_messages()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "one");
        await SendAsync(queue, "two");
        await SendAsync(queue, "three");
        await SendAsync(queue, "later", delaySeconds: 30);
        await ReceiveOneAsync(queue);

        var names = new[] { "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed" };
        var counts = QueueAttributesOf(queue, names);
        counts["ApproximateNumberOfMessages"].ShouldBe("2");
        counts["ApproximateNumberOfMessagesNotVisible"].ShouldBe("1");
        counts["ApproximateNumberOfMessagesDelayed"].ShouldBe("1");

        Advance(30);
        counts = QueueAttributesOf(queue, names);
        counts["ApproximateNumberOfMessages"].ShouldBe("4");
        counts["ApproximateNumberOfMessagesNotVisible"].ShouldBe("0");
        counts["ApproximateNumberOfMessagesDelayed"].ShouldBe("0");
    }
}
