using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>AWSSDK.SQS for .NET (awsJson1_0), which verifies body and attribute MD5 digests itself.</summary>
public sealed class DotnetSqsTests(ServerFixture server)
{
    private AmazonSQSClient Client() => new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
    {
        ServiceURL = server.Endpoint,
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
    });

    [Fact]
    public async Task the_dotnet_sdk_round_trips_messages_and_accepts_our_digests()
    {
        using var sqs = Client();
        var url = (await sqs.CreateQueueAsync(ServerFixture.Unique("dotnet"), TestContext.Current.CancellationToken)).QueueUrl;
        var sent = await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "héllo ✓",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["kind"] = new() { DataType = "String", StringValue = "order" },
                ["amount"] = new() { DataType = "Number.euros", StringValue = "12.50" },
                ["blob"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([9, 8, 7]) },
            },
        }, TestContext.Current.CancellationToken);
        sent.MessageId.ShouldNotBeNullOrEmpty();
        var batch = await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"body {i}"))], TestContext.Current.CancellationToken);
        batch.Successful.Count.ShouldBe(10);

        var messages = new List<Message>();
        while (messages.Count < 11)
        {
            var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = url,
                MaxNumberOfMessages = 10,
                MessageAttributeNames = ["All"],
                MessageSystemAttributeNames = ["All"],
                VisibilityTimeout = 60,
            }, TestContext.Current.CancellationToken);
            response.Messages.ShouldNotBeEmpty();
            messages.AddRange(response.Messages);
        }
        var first = messages.Single(m => m.MessageId == sent.MessageId);
        first.Body.ShouldBe("héllo ✓");
        first.MessageAttributes["amount"].StringValue.ShouldBe("12.50");
        first.MessageAttributes["blob"].BinaryValue.ToArray().ShouldBe(new byte[] { 9, 8, 7 });
        first.Attributes["ApproximateReceiveCount"].ShouldBe("1");

        var deleted = await sqs.DeleteMessageBatchAsync(url, [.. messages.Take(10).Select((m, i) => new DeleteMessageBatchRequestEntry($"d{i}", m.ReceiptHandle))], TestContext.Current.CancellationToken);
        deleted.Successful.Count.ShouldBe(10);
        var empty = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url }, TestContext.Current.CancellationToken);
        (empty.Messages ?? []).ShouldBeEmpty();
    }

    [Fact]
    public async Task the_dotnet_sdk_maps_our_errors_to_its_exception_types()
    {
        using var sqs = Client();
        await Should.ThrowAsync<QueueDoesNotExistException>(() => sqs.GetQueueUrlAsync(ServerFixture.Unique("missing"), TestContext.Current.CancellationToken));
        var url = (await sqs.CreateQueueAsync(ServerFixture.Unique("dotnet-err"), TestContext.Current.CancellationToken)).QueueUrl;
        await Should.ThrowAsync<ReceiptHandleIsInvalidException>(() => sqs.DeleteMessageAsync(url, "not-a-handle", TestContext.Current.CancellationToken));
        await Should.ThrowAsync<TooManyEntriesInBatchRequestException>(() => sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 11).Select(i => new SendMessageBatchRequestEntry($"e{i}", "x"))], TestContext.Current.CancellationToken));
        var invalid = await Should.ThrowAsync<AmazonSQSException>(() => sqs.SendMessageAsync(url, new string('x', 262_145), TestContext.Current.CancellationToken));
        invalid.ErrorCode.ShouldBe("InvalidParameterValue");
        invalid.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
    }
}
