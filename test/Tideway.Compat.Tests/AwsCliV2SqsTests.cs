using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>SQS through the AWS CLI v2 (Debian's 2.9.19, which speaks the query/XML protocol).</summary>
public sealed class AwsCliV2SqsTests(ServerFixture server)
{
    private async Task<JsonElement> Aws(params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(0, run.ToString());
        return run.Stdout.Trim().Length == 0 ? default : JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    private async Task<ClientRun> AwsFails(params string[] arguments)
    {
        var run = await ExternalClient.AwsAsync(server.Endpoint, arguments);
        run.ExitCode.ShouldBe(254, run.ToString());
        return run;
    }

    [Fact]
    public async Task queue_lifecycle_attributes_tags_and_listing()
    {
        var name = ServerFixture.Unique("cli");
        var url = (await Aws("sqs", "create-queue", "--queue-name", name, "--attributes", "DelaySeconds=2,VisibilityTimeout=40", "--tags", "team=a")).GetProperty("QueueUrl").GetString()!;
        url.ShouldBe($"{server.Endpoint}/000000000000/{name}");
        (await Aws("sqs", "get-queue-url", "--queue-name", name)).GetProperty("QueueUrl").GetString().ShouldBe(url);
        (await Aws("sqs", "list-queues", "--queue-name-prefix", name)).GetProperty("QueueUrls").EnumerateArray().Select(u => u.GetString()).ShouldBe([url]);
        var attributes = (await Aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")).GetProperty("Attributes");
        attributes.GetProperty("DelaySeconds").GetString().ShouldBe("2");
        attributes.GetProperty("VisibilityTimeout").GetString().ShouldBe("40");
        attributes.GetProperty("QueueArn").GetString().ShouldBe($"arn:aws:sqs:us-east-1:000000000000:{name}");
        await Aws("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", "DelaySeconds=0");
        (await Aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "DelaySeconds")).GetProperty("Attributes").GetProperty("DelaySeconds").GetString().ShouldBe("0");
        await Aws("sqs", "tag-queue", "--queue-url", url, "--tags", "env=test");
        var tags = (await Aws("sqs", "list-queue-tags", "--queue-url", url)).GetProperty("Tags");
        tags.GetProperty("team").GetString().ShouldBe("a");
        tags.GetProperty("env").GetString().ShouldBe("test");
        await Aws("sqs", "untag-queue", "--queue-url", url, "--tag-keys", "team");
        (await Aws("sqs", "list-queue-tags", "--queue-url", url)).GetProperty("Tags").TryGetProperty("team", out _).ShouldBeFalse();
        await Aws("sqs", "purge-queue", "--queue-url", url);
        await Aws("sqs", "delete-queue", "--queue-url", url);
        (await AwsFails("sqs", "get-queue-url", "--queue-name", name)).Stderr.ShouldContain("AWS.SimpleQueueService.NonExistentQueue");
    }

    [Fact]
    public async Task messages_are_sent_received_changed_and_deleted_singly_and_in_batches()
    {
        var name = ServerFixture.Unique("cli-msg");
        var url = (await Aws("sqs", "create-queue", "--queue-name", name)).GetProperty("QueueUrl").GetString()!;
        var dlq = (await Aws("sqs", "create-queue", "--queue-name", name + "-dlq")).GetProperty("QueueUrl").GetString()!;
        var dlqArn = (await Aws("sqs", "get-queue-attributes", "--queue-url", dlq, "--attribute-names", "QueueArn")).GetProperty("Attributes").GetProperty("QueueArn").GetString()!;
        await Aws("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", JsonSerializer.Serialize(new Dictionary<string, string> { ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{dlqArn}\",\"maxReceiveCount\":\"5\"}}" }));
        (await Aws("sqs", "list-dead-letter-source-queues", "--queue-url", dlq)).GetProperty("queueUrls").EnumerateArray().Select(u => u.GetString()).ShouldBe([url]);

        var sent = await Aws("sqs", "send-message", "--queue-url", url, "--message-body", "hello <xml> & \"quotes\"",
            "--message-attributes", "{\"kind\":{\"DataType\":\"String\",\"StringValue\":\"order\"}}");
        sent.GetProperty("MD5OfMessageBody").GetString().ShouldBe(Tideway.Wire.Sqs.SqsMd5.OfBody("hello <xml> & \"quotes\""));
        var batch = await Aws("sqs", "send-message-batch", "--queue-url", url, "--entries", "[{\"Id\":\"a\",\"MessageBody\":\"one\"},{\"Id\":\"b\",\"MessageBody\":\"two\"}]");
        batch.GetProperty("Successful").GetArrayLength().ShouldBe(2);

        var received = (await Aws("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10", "--attribute-names", "All", "--message-attribute-names", "All", "--visibility-timeout", "60")).GetProperty("Messages");
        received.GetArrayLength().ShouldBe(3);
        var first = received.EnumerateArray().Single(m => m.GetProperty("MessageId").GetString() == sent.GetProperty("MessageId").GetString());
        first.GetProperty("Body").GetString().ShouldBe("hello <xml> & \"quotes\"");
        first.GetProperty("MessageAttributes").GetProperty("kind").GetProperty("StringValue").GetString().ShouldBe("order");
        first.GetProperty("Attributes").GetProperty("ApproximateReceiveCount").GetString().ShouldBe("1");
        var handles = received.EnumerateArray().Select(m => m.GetProperty("ReceiptHandle").GetString()!).ToArray();

        await Aws("sqs", "change-message-visibility", "--queue-url", url, "--receipt-handle", handles[0], "--visibility-timeout", "0");
        var changed = await Aws("sqs", "change-message-visibility-batch", "--queue-url", url, "--entries", $"[{{\"Id\":\"x\",\"ReceiptHandle\":\"{handles[1]}\",\"VisibilityTimeout\":0}}]");
        changed.GetProperty("Successful").GetArrayLength().ShouldBe(1);
        var again = (await Aws("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10")).GetProperty("Messages");
        again.GetArrayLength().ShouldBe(2);
        foreach (var message in again.EnumerateArray())
        {
            await Aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", message.GetProperty("ReceiptHandle").GetString()!);
        }
        var deleted = await Aws("sqs", "delete-message-batch", "--queue-url", url, "--entries", $"[{{\"Id\":\"z\",\"ReceiptHandle\":\"{handles[2]}\"}},{{\"Id\":\"bad\",\"ReceiptHandle\":\"nope\"}}]");
        deleted.GetProperty("Successful").GetArrayLength().ShouldBe(1);
        deleted.GetProperty("Failed")[0].GetProperty("Code").GetString().ShouldBe("ReceiptHandleIsInvalid");
        var counts = (await Aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).GetProperty("Attributes");
        counts.GetProperty("ApproximateNumberOfMessages").GetString().ShouldBe("0");
        counts.GetProperty("ApproximateNumberOfMessagesNotVisible").GetString().ShouldBe("0");
    }

    [Fact]
    public async Task bad_input_gets_the_sqs_error_codes()
    {
        var url = (await Aws("sqs", "create-queue", "--queue-name", ServerFixture.Unique("cli-bad"))).GetProperty("QueueUrl").GetString()!;
        var large = Path.Combine(Path.GetTempPath(), ServerFixture.Unique("large") + ".txt");
        await File.WriteAllTextAsync(large, new string('x', 262_145), TestContext.Current.CancellationToken);
        try
        {
            (await AwsFails("sqs", "send-message", "--queue-url", url, "--message-body", "file://" + large)).Stderr.ShouldContain("InvalidParameterValue");
        }
        finally
        {
            File.Delete(large);
        }
        (await AwsFails("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "11")).Stderr.ShouldContain("InvalidParameterValue");
        (await AwsFails("sqs", "delete-message", "--queue-url", url, "--receipt-handle", "garbage")).Stderr.ShouldContain("ReceiptHandleIsInvalid");
        (await AwsFails("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "Nope")).Stderr.ShouldContain("InvalidAttributeName");
        (await AwsFails("sqs", "send-message", "--queue-url", url + "-missing", "--message-body", "x")).Stderr.ShouldContain("AWS.SimpleQueueService.NonExistentQueue");
        (await AwsFails("sqs", "create-queue", "--queue-name", "has space")).Stderr.ShouldContain("InvalidParameterValue");
    }
}
