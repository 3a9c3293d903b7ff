using Shouldly;
using Tideway.Storage;

namespace Tideway.Queues.Tests;

/// <summary>FIFO queues: group and deduplication ids, the deduplication window, sequence numbers and group ordering.</summary>
public sealed class FifoTests : EngineTests
{
    private Task<SendMessageResult> SendAsync(QueueRecord queue, string body, string group = "g", string? deduplicationId = null) =>
        base.SendAsync(queue, body, groupId: group, deduplicationId: deduplicationId ?? body);

    [Fact]
    public async Task requires_a_message_group_id()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        await base.SendAsync(queue, "body", deduplicationId: "d")
            .ShouldFailWithAsync("MissingParameter", "The request must contain the parameter MessageGroupId.");
    }

    [Theory]
    [InlineData("has space", "InvalidParameterValue", "Value has space for parameter MessageGroupId is invalid.")]
    [InlineData("caf\u00e9", "InvalidParameterValue", "MessageGroupId can only include alphanumeric and punctuation characters.")]
    [InlineData("", "MissingParameter", "The request must contain the parameter MessageGroupId.")]
    public async Task rejects_a_message_group_id_outside_the_allowed_characters(string group, string code, string message)
    {
        var queue = await CreateFifoAsync("orders.fifo");

        await base.SendAsync(queue, "body", groupId: group, deduplicationId: "d").ShouldFailWithAsync(code, message);
    }

    [Fact]
    public async Task accepts_a_message_group_id_of_128_punctuation_and_alphanumeric_characters_and_rejects_129()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        var punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
        var longest = (punctuation + new string('a', 128))[..128];

        await SendAsync(queue, "body", group: longest);
        await SendAsync(queue, "other", group: longest + "a")
            .ShouldFailWithAsync("InvalidParameterValue", "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
    }

    [Fact]
    public async Task requires_a_deduplication_id_unless_content_based_deduplication_is_on()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        await base.SendAsync(queue, "body", groupId: "g").ShouldFailWithAsync("InvalidParameterValue",
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
        await base.SendAsync(queue, "body", groupId: "g", deduplicationId: new string('d', 129))
            .ShouldFailWithAsync("InvalidParameterValue", "for parameter MessageDeduplicationId is invalid.");
    }

    [Fact]
    public async Task rejects_a_per_message_delay_but_accepts_an_explicit_zero()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        await base.SendAsync(queue, "body", delaySeconds: 2, groupId: "g", deduplicationId: "d1")
            .ShouldFailWithAsync("InvalidParameterValue", "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.");
        await base.SendAsync(queue, "body", delaySeconds: 0, groupId: "g", deduplicationId: "d2");

        Counts(queue).Visible.ShouldBe(1);
    }

    [Fact]
    public async Task the_queue_delay_applies_to_fifo_messages()
    {
        var queue = await CreateFifoAsync("orders.fifo", ("DelaySeconds", "5"));
        await SendAsync(queue, "later");

        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(5);
        (await ReceiveOneAsync(queue)).Body.ShouldBe("later");
    }

    [Fact]
    public async Task a_duplicate_within_five_minutes_returns_the_original_message_id_and_is_not_delivered_twice()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        var original = await SendAsync(queue, "body", deduplicationId: "d");
        Advance(299.999);

        var duplicate = await SendAsync(queue, "another body", deduplicationId: "d");

        duplicate.MessageId.ShouldBe(original.MessageId);
        duplicate.SequenceNumber.ShouldBe(original.SequenceNumber);
        var received = await ReceiveAsync(queue);
        received.Single().Body.ShouldBe("body");
        await Engine.DeleteMessageAsync(queue, received[0].ReceiptHandle);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_duplicate_of_a_deleted_message_is_still_dropped_within_the_window()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        await SendAsync(queue, "body", deduplicationId: "d");
        await Engine.DeleteMessageAsync(queue, (await ReceiveOneAsync(queue)).ReceiptHandle);

        await SendAsync(queue, "body", deduplicationId: "d");

        (await ReceiveAsync(queue)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_duplicate_after_five_minutes_is_delivered()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        var original = await SendAsync(queue, "first", deduplicationId: "d");
        await Engine.DeleteMessageAsync(queue, (await ReceiveOneAsync(queue)).ReceiptHandle);
        Advance(300);

        var again = await SendAsync(queue, "second", deduplicationId: "d");

        again.MessageId.ShouldNotBe(original.MessageId);
        (await ReceiveOneAsync(queue)).Body.ShouldBe("second");
    }

    [Fact]
    public async Task content_based_deduplication_uses_the_body()
    {
        var queue = await CreateFifoAsync("orders.fifo", ("ContentBasedDeduplication", "true"));

        var first = await base.SendAsync(queue, "same", groupId: "g");
        var second = await base.SendAsync(queue, "same", groupId: "g");
        var third = await base.SendAsync(queue, "same", groupId: "g", deduplicationId: "explicit");
        await base.SendAsync(queue, "different", groupId: "g");

        second.MessageId.ShouldBe(first.MessageId);
        third.MessageId.ShouldNotBe(first.MessageId);
        var received = await ReceiveAsync(queue, attributeNames: ["MessageDeduplicationId"]);
        received.Select(m => m.Body).ShouldBe(["same", "same", "different"]);
        SystemAttribute(received[0], "MessageDeduplicationId").ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("same"u8)));
        SystemAttribute(received[1], "MessageDeduplicationId").ShouldBe("explicit");
    }

    [Fact]
    public async Task deduplication_scope_message_group_deduplicates_within_a_group_only()
    {
        var queue = await CreateFifoAsync("orders.fifo", ("DeduplicationScope", "messageGroup"), ("FifoThroughputLimit", "perMessageGroupId"));

        var a = await SendAsync(queue, "a", group: "g1", deduplicationId: "d");
        var b = await SendAsync(queue, "b", group: "g2", deduplicationId: "d");
        var c = await SendAsync(queue, "c", group: "g1", deduplicationId: "d");

        b.MessageId.ShouldNotBe(a.MessageId);
        c.MessageId.ShouldBe(a.MessageId);
        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task deduplication_scope_queue_deduplicates_across_groups()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        var a = await SendAsync(queue, "a", group: "g1", deduplicationId: "d");
        var b = await SendAsync(queue, "b", group: "g2", deduplicationId: "d");

        b.MessageId.ShouldBe(a.MessageId);
        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["a"]);
    }

    [Fact]
    public async Task sequence_numbers_increase_and_are_returned_on_receive()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        var sent = new List<SendMessageResult>();
        foreach (var (body, group) in new[] { ("one", "g1"), ("two", "g2"), ("three", "g1") })
        {
            sent.Add(await SendAsync(queue, body, group));
        }

        var numbers = sent.Select(s => s.SequenceNumber!).ToList();
        numbers.ShouldAllBe(n => n.Length == 20 && n.All(char.IsAsciiDigit));
        numbers.ShouldBe(numbers.Order(StringComparer.Ordinal).Distinct().ToList());
        var received = await ReceiveAsync(queue, attributeNames: ["SequenceNumber"]);
        received.Select(m => SystemAttribute(m, "SequenceNumber")).Order(StringComparer.Ordinal).ShouldBe(numbers);
    }

    [Fact]
    public async Task returns_every_fifo_system_attribute_for_all()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        var sent = await SendAsync(queue, "body", group: "tenant-1", deduplicationId: "d-1");

        var message = await ReceiveOneAsync(queue, attributeNames: ["All"]);

        message.Attributes.Select(a => a.Key).ShouldBe([
            "SenderId", "ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SentTimestamp",
            "SequenceNumber", "MessageDeduplicationId", "MessageGroupId",
        ]);
        SystemAttribute(message, "SequenceNumber").ShouldBe(sent.SequenceNumber);
        SystemAttribute(message, "MessageDeduplicationId").ShouldBe("d-1");
        SystemAttribute(message, "MessageGroupId").ShouldBe("tenant-1");
    }

    [Fact]
    public async Task delivers_a_group_in_order_and_holds_it_while_a_message_is_in_flight()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        await SendAsync(queue, "a1", "A");
        await SendAsync(queue, "b1", "B");
        await SendAsync(queue, "a2", "A");
        await SendAsync(queue, "a3", "A");

        var a1 = (await ReceiveAsync(queue, 1)).Single();
        a1.Body.ShouldBe("a1");
        (await ReceiveAsync(queue, 1)).Single().Body.ShouldBe("b1");
        (await ReceiveAsync(queue)).ShouldBeEmpty();

        await Engine.DeleteMessageAsync(queue, a1.ReceiptHandle);
        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["a2", "a3"]);
    }

    [Fact]
    public async Task a_receive_takes_as_many_messages_of_one_group_as_it_can_in_order()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        foreach (var (body, group) in new[] { ("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("a3", "A") })
        {
            await SendAsync(queue, body, group);
        }

        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["a1", "a2", "a3", "b1", "b2"]);
    }

    [Fact]
    public async Task a_message_whose_visibility_expires_is_delivered_again_before_the_rest_of_its_group()
    {
        var queue = await CreateFifoAsync("orders.fifo", ("VisibilityTimeout", "30"));
        await SendAsync(queue, "a1", "A");
        await SendAsync(queue, "a2", "A");

        (await ReceiveAsync(queue, 1)).Single().Body.ShouldBe("a1");
        Advance(29.999);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(0.001);

        var again = await ReceiveAsync(queue, 10, attributeNames: ["ApproximateReceiveCount"]);
        again.Select(m => m.Body).ShouldBe(["a1", "a2"]);
        SystemAttribute(again[0], "ApproximateReceiveCount").ShouldBe("2");
    }

    [Fact]
    public async Task deleting_with_an_expired_receipt_handle_fails()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        await SendAsync(queue, "a1");
        var first = await ReceiveOneAsync(queue, visibilityTimeout: 0);
        await ReceiveOneAsync(queue);

        await Engine.DeleteMessageAsync(queue, first.ReceiptHandle).ShouldFailWithAsync("InvalidParameterValue",
            $"Value {first.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
        Counts(queue).NotVisible.ShouldBe(1);
    }

    [Fact]
    public async Task a_batch_is_enqueued_in_request_order()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        var result = await Engine.SendMessageBatchAsync(Scope, queue,
            [.. Enumerable.Range(0, 5).Select(i => new SendMessageEntry($"e{i}", $"m{i}", MessageDeduplicationId: $"d{i}", MessageGroupId: "g"))]);

        result.Successful.Select(s => s.SequenceNumber).ShouldBe(result.Successful.Select(s => s.SequenceNumber).Order(StringComparer.Ordinal));
        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["m0", "m1", "m2", "m3", "m4"]);
    }

    [Fact]
    public async Task a_batch_entry_without_a_message_group_id_fails_the_whole_batch()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        await Engine.SendMessageBatchAsync(Scope, queue,
            [new SendMessageEntry("ok", "m", MessageDeduplicationId: "d1", MessageGroupId: "g"), new SendMessageEntry("no-group", "m", MessageDeduplicationId: "d2")])
            .ShouldFailWithAsync("InvalidParameterValue", "The request must contain the parameter MessageGroupId.");
        Counts(queue).Visible.ShouldBe(0);
    }

    [Fact]
    public async Task a_batch_entry_without_a_deduplication_id_fails_the_whole_batch()
    {
        var queue = await CreateFifoAsync("orders.fifo");

        await Engine.SendMessageBatchAsync(Scope, queue,
            [new SendMessageEntry("ok", "m", MessageDeduplicationId: "d1", MessageGroupId: "g"), new SendMessageEntry("no-dedup", "m", MessageGroupId: "g")])
            .ShouldFailWithAsync("InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
        Counts(queue).Visible.ShouldBe(0);
    }

    [Fact]
    public async Task a_batch_deduplicates_against_earlier_sends_and_within_itself()
    {
        var queue = await CreateFifoAsync("orders.fifo");
        var earlier = await SendAsync(queue, "earlier", deduplicationId: "d0");

        var result = await Engine.SendMessageBatchAsync(Scope, queue,
        [
            new SendMessageEntry("again", "x", MessageDeduplicationId: "d0", MessageGroupId: "g"),
            new SendMessageEntry("new", "y", MessageDeduplicationId: "d1", MessageGroupId: "g"),
            new SendMessageEntry("twin", "z", MessageDeduplicationId: "d1", MessageGroupId: "g"),
        ]);

        result.Successful.Count.ShouldBe(3);
        result.Successful[0].MessageId.ShouldBe(earlier.MessageId);
        result.Successful[2].MessageId.ShouldBe(result.Successful[1].MessageId);
        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["earlier", "y"]);
    }
}
