using Shouldly;

namespace Tideway.Queues.Tests;

/// <summary>SendMessage and SendMessageBatch: body, size, message attributes, batch rules and delays.</summary>
public sealed class SendTests : EngineTests
{
    private const string AllowedCharacters = "the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].";

    [Fact]
    public async Task sends_a_message_that_a_receive_returns()
    {
        var queue = await CreateAsync("orders");

        var sent = await SendAsync(queue, "hello");

        sent.MessageId.ShouldNotBeNullOrEmpty();
        sent.SequenceNumber.ShouldBeNull();
        var received = await ReceiveOneAsync(queue);
        received.MessageId.ShouldBe(sent.MessageId);
        received.Body.ShouldBe("hello");
    }

    [Fact]
    public async Task rejects_an_empty_body_with_missing_parameter()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "").ShouldFailWithAsync("MissingParameter", "The request must contain the parameter MessageBody.");
    }

    [Theory]
    [InlineData(0x0, "#x0")]
    [InlineData(0x7, "#x7")]
    [InlineData(0x1F, "#x1F")]
    [InlineData(0xD800, "#xD800")]
    [InlineData(0xDC00, "#xDC00")]
    [InlineData(0xFFFE, "#xFFFE")]
    [InlineData(0xFFFF, "#xFFFF")]
    public async Task rejects_a_body_with_a_character_outside_the_allowed_set(int character, string shown)
    {
        var queue = await CreateAsync("orders");
        var body = "ok " + (char)character + " ok";

        await SendAsync(queue, body).ShouldFailWithAsync("InvalidMessageContents",
            $"Invalid binary character '{shown}' was found in the message body, {AllowedCharacters}");
        Counts(queue).Visible.ShouldBe(0);
    }

    [Theory]
    [InlineData(0x0, "#x0")]
    [InlineData(0xD800, "#xD800")]
    [InlineData(0xDC00, "#xDC00")]
    [InlineData(0xFFFE, "#xFFFE")]
    public async Task finds_a_character_outside_the_allowed_set_after_a_long_run_of_plain_ones(int character, string shown)
    {
        var queue = await CreateAsync("orders");
        var body = new string('a', 200) + "\t\u00e9\U0001F600" + (char)character + new string('b', 100);

        await SendAsync(queue, body).ShouldFailWithAsync("InvalidMessageContents", $"Invalid binary character '{shown}'");
        (await SendAsync(queue, body.Replace((char)character, 'c'))).MessageId.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task rejects_a_high_surrogate_at_the_end_of_the_body()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "tail \uD83D").ShouldFailWithAsync("InvalidMessageContents", "Invalid binary character '#xD83D'");
    }

    [Fact]
    public async Task accepts_every_allowed_character_range_including_astral_characters()
    {
        var queue = await CreateAsync("orders");
        var body = "\t\n\r \uD7FF\uE000\uFFFD" + char.ConvertFromUtf32(0x10000) + char.ConvertFromUtf32(0x1F600) + char.ConvertFromUtf32(0x10FFFF);

        await SendAsync(queue, body);

        (await ReceiveOneAsync(queue)).Body.ShouldBe(body);
    }

    [Fact]
    public async Task accepts_a_message_of_exactly_the_maximum_size()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, new string('a', 262_144));

        (await ReceiveOneAsync(queue)).Body.Length.ShouldBe(262_144);
    }

    [Fact]
    public async Task rejects_a_message_one_byte_over_the_maximum_size()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, new string('a', 262_145))
            .ShouldFailWithAsync("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.");
    }

    [Fact]
    public async Task counts_attribute_name_type_and_value_bytes_toward_the_maximum_size()
    {
        var queue = await CreateAsync("orders", ("MaximumMessageSize", "1024"));
        // "attr" + "String" + "value" = 15 bytes; "bin" + "Binary" + 4 bytes = 13 bytes.
        var attributes = new Dictionary<string, MessageAttributeValue> { ["attr"] = Text("value"), ["bin"] = Binary(1, 2, 3, 4) };

        await SendAsync(queue, new string('a', 1024 - 28), attributes: attributes);
        await SendAsync(queue, new string('a', 1024 - 27), attributes: attributes)
            .ShouldFailWithAsync("InvalidParameterValue", "Message must be shorter than 1024 bytes.");
    }

    [Fact]
    public async Task counts_the_body_in_utf8_bytes()
    {
        var queue = await CreateAsync("orders", ("MaximumMessageSize", "1024"));

        await SendAsync(queue, new string('\u00e9', 512));
        await SendAsync(queue, new string('\u00e9', 512) + "a").ShouldFailWithAsync("InvalidParameterValue", "Message must be shorter than 1024 bytes.");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Order.Id-2_b")]
    [InlineData("AWSish")]
    public async Task accepts_a_valid_message_attribute_name(string name)
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { [name] = Text("v") });

        var received = (await ReceiveAsync(queue, messageAttributeNames: ["All"])).Single();
        received.MessageAttributes.Single().Key.ShouldBe(name);
    }

    [Fact]
    public async Task accepts_a_message_attribute_name_of_256_characters_and_rejects_257()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { [new string('n', 256)] = Text("v") });
        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { [new string('n', 257)] = Text("v") })
            .ShouldFailWithAsync("InvalidParameterValue", "is invalid. The attribute name can contain alphanumeric characters");
    }

    [Theory]
    [InlineData("")]
    [InlineData("AWS.trace")]
    [InlineData("aws.trace")]
    [InlineData("Amazon.id")]
    [InlineData("AMAZON.id")]
    [InlineData(".leading")]
    [InlineData("trailing.")]
    [InlineData("two..dots")]
    [InlineData("has space")]
    [InlineData("colon:name")]
    [InlineData("caf\u00e9")]
    public async Task rejects_an_invalid_message_attribute_name(string name)
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { [name] = Text("v") })
            .ShouldFailWithAsync("InvalidParameterValue", $"Message (user) attribute name '{name}' is invalid.");
    }

    [Fact]
    public async Task accepts_10_message_attributes_and_rejects_11()
    {
        var queue = await CreateAsync("orders");
        var ten = Enumerable.Range(0, 10).ToDictionary(i => $"a{i}", _ => Text("v"));
        var eleven = Enumerable.Range(0, 11).ToDictionary(i => $"a{i}", _ => Text("v"));

        await SendAsync(queue, "body", attributes: ten);
        await SendAsync(queue, "body", attributes: eleven)
            .ShouldFailWithAsync("InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10].");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-42")]
    [InlineData("3.25")]
    [InlineData("1e10")]
    [InlineData("12345678901234567890123456789012345678")]
    [InlineData("1E+126")]
    public async Task accepts_a_number_attribute(string value)
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["n"] = Number(value) });

        var received = (await ReceiveAsync(queue, messageAttributeNames: ["n"])).Single();
        received.MessageAttributes.Single().Value.ShouldBe(Number(value));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("1e200")]
    public async Task rejects_a_number_attribute_that_is_not_a_number(string value)
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["n"] = Number(value) })
            .ShouldFailWithAsync("InvalidParameterValue", "Can't cast the value of message (user) attribute 'n' to a number.");
    }

    [Fact]
    public async Task rejects_an_attribute_with_an_empty_value()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["ErrorDetails"] = Text("") })
            .ShouldFailWithAsync("InvalidParameterValue", "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.");
        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["n"] = Number("") })
            .ShouldFailWithAsync("InvalidParameterValue", "must contain a non-empty value of type 'Number'.");
        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["b"] = Binary() })
            .ShouldFailWithAsync("InvalidParameterValue", "Message (user) attribute 'b' must contain a non-empty value of type 'Binary'.");
    }

    [Theory]
    [InlineData("Text")]
    [InlineData("string")]
    [InlineData("String.")]
    [InlineData("")]
    public async Task rejects_an_unsupported_attribute_data_type(string dataType)
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["x"] = new(dataType, "v", null) })
            .ShouldFailWithAsync("InvalidParameterValue", "The type of message (user) attribute 'x' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
    }

    [Fact]
    public async Task keeps_custom_data_types_and_binary_values()
    {
        var queue = await CreateAsync("orders");
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["json"] = new("String.json", "{\"a\":1}", null),
            ["price"] = new("Number.float", "1.5", null),
            ["blob"] = Binary(0, 1, 2, 255),
            ["image"] = new("Binary.png", null, [137, 80]),
        };

        await SendAsync(queue, "body", attributes: attributes);

        var received = (await ReceiveAsync(queue, messageAttributeNames: ["All"])).Single();
        var byName = received.MessageAttributes.ToDictionary(a => a.Key, a => a.Value);
        byName["json"].ShouldBe(new MessageAttributeValue("String.json", "{\"a\":1}", null));
        byName["price"].ShouldBe(new MessageAttributeValue("Number.float", "1.5", null));
        byName["blob"].DataType.ShouldBe("Binary");
        byName["blob"].BinaryValue.ShouldBe(new byte[] { 0, 1, 2, 255 });
        byName["image"].DataType.ShouldBe("Binary.png");
        byName["image"].BinaryValue.ShouldBe(new byte[] { 137, 80 });
    }

    [Fact]
    public async Task rejects_an_invalid_character_in_a_string_attribute_value()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", attributes: new Dictionary<string, MessageAttributeValue> { ["s"] = Text("bell\u0007") })
            .ShouldFailWithAsync("InvalidParameterValue", "Message (user) attribute 's' contains an invalid character '#x7'");
    }

    [Fact]
    public async Task accepts_only_the_aws_trace_header_system_attribute()
    {
        var queue = await CreateAsync("orders");
        var trace = new Dictionary<string, MessageAttributeValue> { ["AWSTraceHeader"] = Text("Root=1-5759e988-bd862e3fe1be46a994272793") };

        await SendAsync(queue, new SendMessageEntry(null, "body", MessageSystemAttributes: trace));
        await SendAsync(queue, new SendMessageEntry(null, "body", MessageSystemAttributes: new Dictionary<string, MessageAttributeValue> { ["Other"] = Text("x") }))
            .ShouldFailWithAsync("InvalidParameterValue", "Message system attribute name 'Other' is invalid.");
        await SendAsync(queue, new SendMessageEntry(null, "body", MessageSystemAttributes: new Dictionary<string, MessageAttributeValue> { ["AWSTraceHeader"] = Number("1") }))
            .ShouldFailWithAsync("InvalidParameterValue", "Message system attribute 'AWSTraceHeader' has an invalid data type 'Number'.");

        var received = await ReceiveOneAsync(queue, attributeNames: ["AWSTraceHeader"]);
        received.Attributes.ShouldBe([new("AWSTraceHeader", "Root=1-5759e988-bd862e3fe1be46a994272793")]);
        received.MessageAttributes.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_standard_queue_rejects_a_deduplication_id_and_keeps_a_message_group_id()
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", deduplicationId: "d1")
            .ShouldFailWithAsync("InvalidParameterValue", "Value d1 for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.");
        await SendAsync(queue, "body", groupId: "tenant-1");

        (await ReceiveOneAsync(queue, attributeNames: ["MessageGroupId"])).Attributes.ShouldBe([new("MessageGroupId", "tenant-1")]);
    }

    // ---------------------------------------------------------------- delays

    [Fact]
    public async Task the_queue_delay_hides_a_new_message_until_it_passes()
    {
        var queue = await CreateAsync("orders", ("DelaySeconds", "10"));
        await SendAsync(queue, "later");

        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Counts(queue).Delayed.ShouldBe(1);
        Advance(9.999);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(0.001);
        (await ReceiveOneAsync(queue)).Body.ShouldBe("later");
    }

    [Fact]
    public async Task a_message_delay_overrides_the_queue_delay()
    {
        var queue = await CreateAsync("orders", ("DelaySeconds", "10"));
        await SendAsync(queue, "now", delaySeconds: 0);
        await SendAsync(queue, "soon", delaySeconds: 3);

        (await ReceiveOneAsync(queue)).Body.ShouldBe("now");
        Advance(2.999);
        (await ReceiveAsync(queue)).ShouldBeEmpty();
        Advance(0.001);
        (await ReceiveOneAsync(queue)).Body.ShouldBe("soon");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(901)]
    public async Task rejects_a_message_delay_outside_0_to_900(int delay)
    {
        var queue = await CreateAsync("orders");

        await SendAsync(queue, "body", delaySeconds: delay)
            .ShouldFailWithAsync("InvalidParameterValue", $"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
        await SendAsync(queue, "body", delaySeconds: 900);
        Counts(queue).Delayed.ShouldBe(1);
    }

    // ---------------------------------------------------------------- SendMessageBatch

    private static SendMessageEntry Entry(string id, string body = "body") => new(id, body);

    [Fact]
    public async Task rejects_an_empty_batch()
    {
        var queue = await CreateAsync("orders");

        await Engine.SendMessageBatchAsync(Scope, queue, [])
            .ShouldFailWithAsync("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.");
    }

    [Fact]
    public async Task accepts_10_entries_and_rejects_11()
    {
        var queue = await CreateAsync("orders");

        var ten = await Engine.SendMessageBatchAsync(Scope, queue, [.. Enumerable.Range(0, 10).Select(i => Entry($"m{i}"))]);
        ten.Successful.Count.ShouldBe(10);
        ten.Failed.ShouldBeEmpty();

        await Engine.SendMessageBatchAsync(Scope, queue, [.. Enumerable.Range(0, 11).Select(i => Entry($"m{i}"))])
            .ShouldFailWithAsync("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11.");
        Counts(queue).Visible.ShouldBe(10);
    }

    [Fact]
    public async Task rejects_a_batch_with_duplicate_entry_ids()
    {
        var queue = await CreateAsync("orders");

        await Engine.SendMessageBatchAsync(Scope, queue, [Entry("a"), Entry("b"), Entry("a")])
            .ShouldFailWithAsync("BatchEntryIdsNotDistinct", "Id a repeated.");
        Counts(queue).Visible.ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("message:1")]
    [InlineData("with space")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task rejects_a_batch_with_an_invalid_entry_id(string id)
    {
        var queue = await CreateAsync("orders");

        await Engine.SendMessageBatchAsync(Scope, queue, [Entry("ok"), Entry(id)])
            .ShouldFailWithAsync("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
        Counts(queue).Visible.ShouldBe(0);
    }

    [Fact]
    public async Task accepts_an_entry_id_of_80_characters()
    {
        var queue = await CreateAsync("orders");
        var id = new string('a', 40) + new string('-', 20) + new string('_', 20);

        var result = await Engine.SendMessageBatchAsync(Scope, queue, [Entry(id)]);

        result.Successful.Single().Id.ShouldBe(id);
    }

    [Fact]
    public async Task an_invalid_entry_fails_alone_and_the_others_are_sent()
    {
        var queue = await CreateAsync("orders");

        var result = await Engine.SendMessageBatchAsync(Scope, queue, [Entry("first", "one"), Entry("empty", ""), Entry("bell", "\u0007"), Entry("last", "two")]);

        result.Successful.Select(s => s.Id).ShouldBe(["first", "last"]);
        result.Successful.Select(s => s.MessageId).Distinct().Count().ShouldBe(2);
        result.Failed.Count.ShouldBe(2);
        result.Failed[0].ShouldBe(new BatchResultErrorEntry("empty", "MissingParameter", "The request must contain the parameter MessageBody.", SenderFault: true));
        result.Failed[1].Id.ShouldBe("bell");
        result.Failed[1].Code.ShouldBe("InvalidMessageContents");
        result.Failed[1].SenderFault.ShouldBeTrue();
        (await ReceiveAsync(queue)).Select(m => m.Body).Order(StringComparer.Ordinal).ShouldBe(["one", "two"]);
    }

    [Fact]
    public async Task an_entry_over_the_queue_maximum_size_fails_alone()
    {
        var queue = await CreateAsync("orders", ("MaximumMessageSize", "1024"));

        var result = await Engine.SendMessageBatchAsync(Scope, queue, [Entry("big", new string('a', 1025)), Entry("small", "ok")]);

        result.Successful.Single().Id.ShouldBe("small");
        result.Failed.Single().Id.ShouldBe("big");
        result.Failed.Single().Message.ShouldContain("Message must be shorter than 1024 bytes.");
    }

    [Fact]
    public async Task the_batch_size_limit_is_the_service_limit_not_the_queue_maximum()
    {
        var queue = await CreateAsync("orders", ("MaximumMessageSize", "1024"));

        var result = await Engine.SendMessageBatchAsync(Scope, queue, [.. Enumerable.Range(0, 5).Select(i => Entry($"m{i}", new string('a', 1000)))]);

        result.Successful.Count.ShouldBe(5);
        result.Failed.ShouldBeEmpty();
    }

    [Fact]
    public async Task rejects_a_batch_longer_than_262144_bytes_and_sends_nothing()
    {
        var queue = await CreateAsync("orders");

        await Engine.SendMessageBatchAsync(Scope, queue, [Entry("a", new string('a', 131_072)), Entry("b", new string('b', 131_073))])
            .ShouldFailWithAsync("BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes. You have sent 262145 bytes.");
        Counts(queue).Visible.ShouldBe(0);

        var result = await Engine.SendMessageBatchAsync(Scope, queue, [Entry("a", new string('a', 131_072)), Entry("b", new string('b', 131_072))]);
        result.Successful.Count.ShouldBe(2);
    }

    [Fact]
    public async Task batch_entries_keep_their_own_delays()
    {
        var queue = await CreateAsync("orders");

        await Engine.SendMessageBatchAsync(Scope, queue, [new SendMessageEntry("now", "now"), new SendMessageEntry("later", "later", DelaySeconds: 5)]);

        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["now"]);
        Advance(5);
        (await ReceiveAsync(queue)).Select(m => m.Body).ShouldBe(["later"]);
    }
}
