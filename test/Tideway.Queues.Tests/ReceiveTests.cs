using System.Globalization;
using Shouldly;
using Tideway.Storage;

namespace Tideway.Queues.Tests;

/// <summary>ReceiveMessage parameters, attribute selection, visibility and receipt handles.</summary>
public sealed class ReceiveTests : EngineTests
{
    private static string Ms(long value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task visibility_cannot_be_extended_beyond_12_hours_from_the_receive()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue, visibilityTimeout: 43_200);
        Advance(3_600);
        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 39_600);
        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 39_601)
            .ShouldFailWithAsync("InvalidParameterValue", "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
        var batch = await Engine.ChangeMessageVisibilityBatchAsync(queue, [new ReceiptEntry("a", message.ReceiptHandle, 43_000)]);
        batch.Failed.Single().Message.ShouldContain("beyond the limit");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task rejects_max_number_of_messages_outside_1_to_10(int max)
    {
        var queue = await CreateAsync("orders");

        await ReceiveAsync(queue, max)
            .ShouldFailWithAsync("InvalidParameterValue", $"Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
    }

    [Fact]
    public async Task returns_at_most_max_number_of_messages()
    {
        var queue = await CreateAsync("orders");
        for (var i = 0; i < 12; i++)
        {
            await SendAsync(queue, $"m{i}");
        }

        (await ReceiveAsync(queue, 1)).Count.ShouldBe(1);
        (await ReceiveAsync(queue, 10)).Count.ShouldBe(10);
        (await ReceiveAsync(queue, 10)).Count.ShouldBe(1);
        (await Engine.ReceiveMessageAsync(queue, new ReceiveMessageRequest(), TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public async Task rejects_wait_time_seconds_outside_0_to_20(int wait)
    {
        var queue = await CreateAsync("orders");

        await Engine.ReceiveMessageAsync(queue, new ReceiveMessageRequest(WaitTimeSeconds: wait), TestContext.Current.CancellationToken)
            .ShouldFailWithAsync("InvalidParameterValue", $"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(43_201)]
    public async Task rejects_a_visibility_timeout_outside_0_to_43200(int timeout)
    {
        var queue = await CreateAsync("orders");

        await ReceiveAsync(queue, visibilityTimeout: timeout)
            .ShouldFailWithAsync("InvalidParameterValue", $"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.");
    }

    [Fact]
    public async Task a_received_message_is_hidden_for_the_queue_visibility_timeout()
    {
        var queue = await CreateAsync("orders", ("VisibilityTimeout", "20"));
        await SendAsync(queue, "hello");
        var first = await ReceiveOneAsync(queue);

        Advance(19.999);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(0.001);

        var again = await ReceiveOneAsync(queue, attributeNames: ["ApproximateReceiveCount"]);
        again.MessageId.ShouldBe(first.MessageId);
        again.ReceiptHandle.ShouldNotBe(first.ReceiptHandle);
        SystemAttribute(again, "ApproximateReceiveCount").ShouldBe("2");
    }

    [Fact]
    public async Task the_visibility_timeout_of_a_receive_overrides_the_queue_value()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        await ReceiveOneAsync(queue, visibilityTimeout: 5);

        Advance(4.999);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(0.001);
        (await ReceiveOneAsync(queue)).Body.ShouldBe("hello");
    }

    [Fact]
    public async Task a_visibility_timeout_of_zero_leaves_the_message_visible()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");

        await ReceiveOneAsync(queue, visibilityTimeout: 0);

        var again = await ReceiveOneAsync(queue, attributeNames: ["ApproximateReceiveCount"]);
        SystemAttribute(again, "ApproximateReceiveCount").ShouldBe("2");
    }

    [Fact]
    public async Task returns_every_system_attribute_of_a_standard_message_for_all()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        Advance(2);

        var message = await ReceiveOneAsync(queue, attributeNames: ["All"]);

        message.Attributes.ShouldBe(new Dictionary<string, string>
        {
            ["SenderId"] = "000000000000",
            ["ApproximateFirstReceiveTimestamp"] = Ms(Start + 2000),
            ["ApproximateReceiveCount"] = "1",
            ["SentTimestamp"] = Ms(Start),
        });
    }

    [Fact]
    public async Task returns_only_the_system_attributes_asked_for()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");

        var message = await ReceiveOneAsync(queue, visibilityTimeout: 0, attributeNames: ["SentTimestamp"]);
        message.Attributes.ShouldBe(new Dictionary<string, string> { ["SentTimestamp"] = Ms(Start) });

        message = await ReceiveOneAsync(queue, visibilityTimeout: 0, attributeNames: ["ApproximateReceiveCount", "SenderId", "SequenceNumber"]);
        message.Attributes.ShouldBe(new Dictionary<string, string> { ["SenderId"] = "000000000000", ["ApproximateReceiveCount"] = "2" });

        (await ReceiveOneAsync(queue)).Attributes.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_first_receive_timestamp_stays_that_of_the_first_receive()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        await ReceiveOneAsync(queue, visibilityTimeout: 1);
        Advance(1);

        var again = await ReceiveOneAsync(queue, attributeNames: ["ApproximateFirstReceiveTimestamp"]);

        SystemAttribute(again, "ApproximateFirstReceiveTimestamp").ShouldBe(Ms(Start));
    }

    [Theory]
    [InlineData(new[] { "All" }, new[] { "color", "other", "size.height", "size.width" })]
    [InlineData(new[] { ".*" }, new[] { "color", "other", "size.height", "size.width" })]
    [InlineData(new[] { "size.*" }, new[] { "size.height", "size.width" })]
    [InlineData(new[] { "color" }, new[] { "color" })]
    [InlineData(new[] { "color", "size.*" }, new[] { "color", "size.height", "size.width" })]
    [InlineData(new[] { "Color", "missing", "size" }, new string[0])]
    [InlineData(new string[0], new string[0])]
    public async Task selects_message_attributes_by_name_all_and_prefix(string[] wanted, string[] expected)
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello", attributes: new Dictionary<string, MessageAttributeValue>
        {
            ["color"] = Text("red"),
            ["size.width"] = Number("3"),
            ["size.height"] = Number("4"),
            ["other"] = Binary(1),
        });

        var message = (await ReceiveAsync(queue, messageAttributeNames: wanted)).Single();

        message.MessageAttributes.Select(a => a.Key).Order(StringComparer.Ordinal).ShouldBe(expected);
    }

    [Fact]
    public async Task returns_no_message_attributes_when_none_are_asked_for()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello", attributes: new Dictionary<string, MessageAttributeValue> { ["color"] = Text("red") });

        (await ReceiveOneAsync(queue)).MessageAttributes.ShouldBeEmpty();
    }

    // ---------------------------------------------------------------- receipt handles

    [Fact]
    public async Task deletes_a_received_message()
    {
        var queue = await CreateAsync("orders", ("VisibilityTimeout", "1"));
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);

        await Engine.DeleteMessageAsync(queue, message.ReceiptHandle);

        Counts(queue).ShouldBe(new QueueCounts(0, 0, 0));
        Advance(1);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
    }

    [Fact]
    public async Task deleting_a_message_twice_succeeds()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);

        await Engine.DeleteMessageAsync(queue, message.ReceiptHandle);
        await Engine.DeleteMessageAsync(queue, message.ReceiptHandle);
    }

    [Fact]
    public async Task deleting_with_an_older_receipt_handle_succeeds_without_deleting_on_a_standard_queue()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var first = await ReceiveOneAsync(queue, visibilityTimeout: 0);
        var second = await ReceiveOneAsync(queue);

        await Engine.DeleteMessageAsync(queue, first.ReceiptHandle);

        Counts(queue).NotVisible.ShouldBe(1);
        await Engine.DeleteMessageAsync(queue, second.ReceiptHandle);
        Counts(queue).NotVisible.ShouldBe(0);
    }

    [Theory]
    [InlineData("not-a-handle")]
    [InlineData("AQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQ")]
    [InlineData("AQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQ==!!")]
    public async Task rejects_a_garbage_receipt_handle(string handle)
    {
        var queue = await CreateAsync("orders");

        await Engine.DeleteMessageAsync(queue, handle)
            .ShouldFailWithAsync("ReceiptHandleIsInvalid", $"The input receipt handle \"{handle}\" is not a valid receipt handle.");
        await Engine.ChangeMessageVisibilityAsync(queue, handle, 10)
            .ShouldFailWithAsync("ReceiptHandleIsInvalid", $"The input receipt handle \"{handle}\" is not a valid receipt handle.");
    }

    [Fact]
    public async Task rejects_an_empty_receipt_handle_with_missing_parameter()
    {
        var queue = await CreateAsync("orders");

        await Engine.DeleteMessageAsync(queue, "").ShouldFailWithAsync("MissingParameter", "The request must contain the parameter ReceiptHandle.");
    }

    [Fact]
    public async Task rejects_a_receipt_handle_from_another_queue()
    {
        var orders = await CreateAsync("orders");
        var payments = await CreateAsync("payments");
        await SendAsync(orders, "hello");
        var message = await ReceiveOneAsync(orders);

        await Engine.DeleteMessageAsync(payments, message.ReceiptHandle)
            .ShouldFailWithAsync("ReceiptHandleIsInvalid", $"The input receipt handle \"{message.ReceiptHandle}\" is not a valid receipt handle.");
        await Engine.ChangeMessageVisibilityAsync(payments, message.ReceiptHandle, 0)
            .ShouldFailWithAsync("ReceiptHandleIsInvalid", "is not a valid receipt handle.");
        Counts(orders).NotVisible.ShouldBe(1);
    }

    [Fact]
    public async Task change_message_visibility_extends_the_timeout_from_now()
    {
        var queue = await CreateAsync("orders", ("VisibilityTimeout", "10"));
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);
        Advance(5);

        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 60);

        Advance(59.999);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(0.001);
        (await ReceiveOneAsync(queue)).MessageId.ShouldBe(message.MessageId);
    }

    [Fact]
    public async Task change_message_visibility_to_zero_makes_the_message_visible()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);

        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 0);

        (await ReceiveOneAsync(queue)).MessageId.ShouldBe(message.MessageId);
    }

    [Fact]
    public async Task change_message_visibility_rejects_a_timeout_over_43200()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);

        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 43_201)
            .ShouldFailWithAsync("InvalidParameterValue", "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.");
    }

    [Fact]
    public async Task change_message_visibility_of_a_deleted_message_fails_with_invalid_parameter_value()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);
        await Engine.DeleteMessageAsync(queue, message.ReceiptHandle);

        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 10).ShouldFailWithAsync("InvalidParameterValue",
            $"Value {message.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.");
    }

    [Fact]
    public async Task change_message_visibility_with_an_expired_handle_succeeds_and_changes_nothing()
    {
        var queue = await CreateAsync("orders", ("VisibilityTimeout", "10"));
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);
        Advance(10);

        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 300);

        Counts(queue).Visible.ShouldBe(1);
        var again = await ReceiveOneAsync(queue, attributeNames: ["ApproximateReceiveCount"]);
        SystemAttribute(again, "ApproximateReceiveCount").ShouldBe("2");
    }

    [Fact]
    public async Task delete_message_batch_reports_bad_handles_per_entry()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "one");
        await SendAsync(queue, "two");
        var messages = await ReceiveAsync(queue);

        var result = await Engine.DeleteMessageBatchAsync(queue,
            [new ReceiptEntry("a", messages[0].ReceiptHandle), new ReceiptEntry("bad", "garbage"), new ReceiptEntry("b", messages[1].ReceiptHandle)]);

        result.Successful.ShouldBe(["a", "b"]);
        result.Failed.ShouldBe([new BatchResultErrorEntry("bad", "ReceiptHandleIsInvalid", "The input receipt handle \"garbage\" is not a valid receipt handle.")]);
        Counts(queue).ShouldBe(new QueueCounts(0, 0, 0));
    }

    [Fact]
    public async Task receipt_batches_follow_the_batch_rules()
    {
        var queue = await CreateAsync("orders");

        await Engine.DeleteMessageBatchAsync(queue, [])
            .ShouldFailWithAsync("EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request.");
        await Engine.ChangeMessageVisibilityBatchAsync(queue, [])
            .ShouldFailWithAsync("EmptyBatchRequest", "There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request.");
        await Engine.DeleteMessageBatchAsync(queue, [.. Enumerable.Range(0, 11).Select(i => new ReceiptEntry($"e{i}", "h"))])
            .ShouldFailWithAsync("TooManyEntriesInBatchRequest", "You have sent 11.");
        await Engine.ChangeMessageVisibilityBatchAsync(queue, [new ReceiptEntry("x", "h"), new ReceiptEntry("x", "h")])
            .ShouldFailWithAsync("BatchEntryIdsNotDistinct", "Id x repeated.");
        await Engine.DeleteMessageBatchAsync(queue, [new ReceiptEntry("x:y", "h")])
            .ShouldFailWithAsync("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters");
    }

    [Fact]
    public async Task change_message_visibility_batch_reports_failures_per_entry()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "one");
        await SendAsync(queue, "two");
        var messages = await ReceiveAsync(queue);
        await Engine.DeleteMessageAsync(queue, messages[1].ReceiptHandle);

        var result = await Engine.ChangeMessageVisibilityBatchAsync(queue,
        [
            new ReceiptEntry("ok", messages[0].ReceiptHandle, 0),
            new ReceiptEntry("deleted", messages[1].ReceiptHandle, 0),
            new ReceiptEntry("garbage", "garbage", 0),
            new ReceiptEntry("too-long", messages[0].ReceiptHandle, 43_201),
        ]);

        result.Successful.ShouldBe(["ok"]);
        result.Failed.Select(f => (f.Id, f.Code)).ShouldBe([
            ("deleted", "InvalidParameterValue"), ("garbage", "ReceiptHandleIsInvalid"), ("too-long", "InvalidParameterValue"),
        ]);
        (await ReceiveOneAsync(queue)).MessageId.ShouldBe(messages[0].MessageId);
    }

    // ---------------------------------------------------------------- retention

    [Fact]
    public async Task sweep_drops_messages_past_the_retention_period()
    {
        var queue = await CreateAsync("orders", ("MessageRetentionPeriod", "60"));
        await SendAsync(queue, "old");
        Advance(30);
        await SendAsync(queue, "new");

        Advance(30);
        (await Engine.SweepAsync()).ShouldBe(0);
        Advance(0.001);
        (await Engine.SweepAsync()).ShouldBe(1);
        (await ReceiveOneAsync(queue)).Body.ShouldBe("new");

        Advance(30);
        (await Engine.SweepAsync()).ShouldBe(1);
        Counts(queue).ShouldBe(new QueueCounts(0, 0, 0));
    }

    [Fact]
    public async Task a_receive_does_not_return_a_message_past_the_retention_period()
    {
        var queue = await CreateAsync("orders", ("MessageRetentionPeriod", "60"));
        await SendAsync(queue, "old");

        Advance(60);

        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Counts(queue).Visible.ShouldBe(0);
    }
}
