using System.Net;
using System.Text;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Malformed and hostile requests straight over HTTP: each gets the AWS error shape of its protocol
/// and a 4xx status, never a 500 or a hang.
/// </summary>
public sealed class WireErrorTests(ServerFixture server)
{
    private static readonly HttpClient Http = new();

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Post(string body, string contentType, string? target = null, string path = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint + path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }
        var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response);
    }

    private Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Json(string operation, string body) =>
        Post(body, "application/x-amz-json-1.0", "AmazonSQS." + operation);

    private Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Form(string body) =>
        Post(body, "application/x-www-form-urlencoded");

    [Fact]
    public async Task malformed_json_is_a_serialization_error()
    {
        var (status, body, _) = await Json("ListQueues", "{\"QueueNamePrefix\":");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("SerializationException");
    }

    [Fact]
    public async Task a_json_member_of_the_wrong_type_is_a_serialization_error()
    {
        var name = ServerFixture.Unique("wire-type");
        await Json("CreateQueue", $"{{\"QueueName\":\"{name}\"}}");
        var (status, body, _) = await Json("ReceiveMessage", $"{{\"QueueUrl\":\"{server.Endpoint}/000000000000/{name}\",\"MaxNumberOfMessages\":\"ten\"}}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("SerializationException");
    }

    [Fact]
    public async Task batch_entries_read_their_members_as_single_look_ups_would()
    {
        // Entries are read in one walk over their members: a repeated member counts as its last, null as absent, and
        // of two members of the wrong type the one SQS reads first (MessageBody before DelaySeconds) is reported.
        var name = ServerFixture.Unique("wire-entry");
        await Json("CreateQueue", $"{{\"QueueName\":\"{name}\"}}");
        var url = $"{server.Endpoint}/000000000000/{name}";
        var (status, body, _) = await Json("SendMessageBatch",
            $"{{\"QueueUrl\":\"{url}\",\"Entries\":[{{\"Id\":\"a\",\"MessageBody\":\"first\",\"MessageBody\":\"last\",\"MessageGroupId\":null,\"Unknown\":1}}]}}");
        status.ShouldBe(HttpStatusCode.OK);
        body.ShouldContain("\"Id\":\"a\"");
        var (_, received, _) = await Json("ReceiveMessage", $"{{\"QueueUrl\":\"{url}\"}}");
        received.ShouldContain("\"Body\":\"last\"");

        // A null after a value is the member absent, as a look-up by name reads it: the entry has no body.
        (status, body, _) = await Json("SendMessageBatch",
            $"{{\"QueueUrl\":\"{url}\",\"Entries\":[{{\"Id\":\"n\",\"MessageBody\":\"x\",\"MessageBody\":null}}]}}");
        status.ShouldBe(HttpStatusCode.OK);
        body.ShouldContain("\"Successful\":[]");
        body.ShouldContain("\"Code\":\"MissingParameter\"");

        // SendMessage reads its members the same way.
        (status, _, _) = await Json("SendMessage", $"{{\"QueueUrl\":\"{url}\",\"MessageBody\":\"one\",\"MessageBody\":\"single\"}}");
        status.ShouldBe(HttpStatusCode.OK);
        (_, received, _) = await Json("ReceiveMessage", $"{{\"QueueUrl\":\"{url}\"}}");
        received.ShouldContain("\"Body\":\"single\"");

        (status, body, _) = await Json("SendMessageBatch",
            $"{{\"QueueUrl\":\"{url}\",\"Entries\":[{{\"DelaySeconds\":\"soon\",\"MessageBody\":5,\"Id\":\"b\"}}]}}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("SerializationException");
        body.ShouldContain("MessageBody");
        body.ShouldNotContain("DelaySeconds");
    }

    [Fact]
    public async Task an_unknown_json_operation_is_rejected()
    {
        var (status, body, response) = await Json("Frobnicate", "{}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("The action Frobnicate is not valid");
        response.Headers.GetValues("x-amzn-query-error").Single().ShouldBe("InvalidAction;Sender");
    }

    [Fact]
    public async Task a_missing_queue_url_is_a_missing_parameter()
    {
        var (status, body, response) = await Json("SendMessage", "{\"MessageBody\":\"x\"}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("com.amazonaws.sqs#MissingRequiredParameterException");
        response.Headers.GetValues("x-amzn-query-error").Single().ShouldBe("MissingParameter;Sender");
    }

    [Fact]
    public async Task an_unknown_queue_has_the_json_and_query_error_shapes()
    {
        var (status, body, response) = await Json("GetQueueUrl", "{\"QueueName\":\"no-such-queue-anywhere\"}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldBe("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue does not exist.\"}");
        response.Headers.GetValues("x-amzn-query-error").Single().ShouldBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
        var (queryStatus, xml, _) = await Form("Action=GetQueueUrl&Version=2012-11-05&QueueName=no-such-queue-anywhere");
        queryStatus.ShouldBe(HttpStatusCode.BadRequest);
        xml.ShouldStartWith("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message><Detail/></Error><RequestId>");
    }

    [Fact]
    public async Task a_malformed_form_body_is_rejected_as_such()
    {
        var (status, body, _) = await Form("Action=ListQueues&Bad=%zz");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("<Code>MalformedQueryString</Code>");
    }

    [Fact]
    public async Task an_unknown_query_action_is_invalid_action()
    {
        var (status, body, _) = await Form("Action=Frobnicate&Version=2012-11-05");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("<Code>InvalidAction</Code>");
    }

    [Fact]
    public async Task a_form_without_action_is_missing_action()
    {
        var (status, body, _) = await Form("Version=2012-11-05");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("<Code>MissingAction</Code>");
    }

    [Fact]
    public async Task a_request_naming_no_protocol_is_rejected()
    {
        var (status, body, _) = await Post("{}", "application/json");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("UnknownOperationException");
    }

    [Fact]
    public async Task bad_message_contents_and_attribute_names_get_their_codes()
    {
        var name = ServerFixture.Unique("wire");
        var (_, created, _) = await Form($"Action=CreateQueue&QueueName={name}");
        created.ShouldContain("<QueueUrl>");
        var url = Uri.EscapeDataString($"{server.Endpoint}/000000000000/{name}");
        var (status, body, _) = await Form($"Action=SendMessage&QueueUrl={url}&MessageBody=%01");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("<Code>InvalidMessageContents</Code>");
        (status, body, _) = await Form($"Action=SendMessage&QueueUrl={url}&MessageBody=x&MessageAttribute.1.Name=bad..name&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("<Code>InvalidParameterValue</Code>");
        (status, body, _) = await Form($"Action=SetQueueAttributes&QueueUrl={url}&Attribute.1.Name=Color&Attribute.1.Value=blue");
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.ShouldContain("<Code>InvalidAttributeName</Code>");
        (status, body, _) = await Form($"Action=DeleteMessage&QueueUrl={url}&ReceiptHandle=AAAA");
        status.ShouldBe(HttpStatusCode.NotFound);
        body.ShouldContain("<Code>ReceiptHandleIsInvalid</Code>");
    }

    [Fact]
    public async Task a_query_request_posted_to_the_queue_url_finds_its_queue()
    {
        var name = ServerFixture.Unique("wire-path");
        await Form($"Action=CreateQueue&QueueName={name}");
        var (status, body, _) = await Post("Action=SendMessage&MessageBody=hi", "application/x-www-form-urlencoded", path: $"/000000000000/{name}");
        status.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain("<MD5OfMessageBody>49f68a5c8493ec2c0bf489821c21fc3b</MD5OfMessageBody>");
    }

    [Fact]
    public async Task health_and_metrics_answer()
    {
        var health = await Http.GetAsync(server.Endpoint + "/health", TestContext.Current.CancellationToken);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Json("ListQueues", "{}");
        var metrics = await Http.GetStringAsync(server.Endpoint + "/metrics", TestContext.Current.CancellationToken);
        metrics.ShouldContain("tideway_requests_total{service=\"sqs\",operation=\"ListQueues\",status=\"200\"}");
        metrics.ShouldContain("tideway_request_duration_seconds_bucket{service=\"sqs\",operation=\"ListQueues\",le=\"+Inf\"}");
        metrics.ShouldContain("tideway_storage_commits_total");
        metrics.ShouldContain("# TYPE tideway_sqs_messages gauge");
    }

    [Theory]
    [InlineData("{\"Entries\":{}}")]
    [InlineData("{\"Entries\":[{\"Source\":5,\"DetailType\":\"t\",\"Detail\":\"{}\"}]}")]
    [InlineData("{\"Entries\":[{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":{}}]}")]
    [InlineData("{\"Entries\":[{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"{}\",\"Resources\":\"arn\"}]}")]
    [InlineData("{\"Entries\":[{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"{}\",\"Time\":true}]}")]
    [InlineData("{\"Entries\":[{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"{}\"]}")]
    public async Task a_put_events_entry_of_the_wrong_shape_is_a_serialization_error(string request)
    {
        var (status, body, _) = await Post(request, "application/x-amz-json-1.1", "AWSEvents.PutEvents");
        status.ShouldBe(HttpStatusCode.BadRequest, body);
        body.ShouldContain("SerializationException");
    }

    [Fact]
    public async Task put_events_skips_unknown_members_and_reads_escaped_details()
    {
        var request = "{\"Entries\":[{\"Unknown\":{\"a\":[1]},\"Source\":\"wire.test\",\"DetailType\":\"t\",\"Time\":1764000000,\"Resources\":[\"arn:x\"],"
            + "\"Detail\":\"{\\\"caf\\u00e9\\\":\\\"\\\\\\\"q\\\\\\\"\\\"}\"},"
            + "{\"Source\":\"wire.test\",\"DetailType\":\"t\",\"Detail\":\"{\\\"a\\\":\\\"\\\\ud800\\\"}\"},"
            + "{\"Source\":\"wire.test\",\"DetailType\":\"t\",\"Detail\":null}]}";
        var (status, body, _) = await Post(request, "application/x-amz-json-1.1", "AWSEvents.PutEvents");
        status.ShouldBe(HttpStatusCode.OK, body);
        using var response = System.Text.Json.JsonDocument.Parse(body);
        var entries = response.RootElement.GetProperty("Entries");
        entries[0].GetProperty("EventId").GetString().ShouldNotBeNullOrEmpty(body);
        entries[1].GetProperty("ErrorCode").GetString().ShouldBe("MalformedDetail");
        entries[2].GetProperty("ErrorCode").GetString().ShouldBe("InvalidArgument");
        response.RootElement.GetProperty("FailedEntryCount").GetInt32().ShouldBe(2);
    }

    private async Task<(HttpStatusCode Status, string Body)> JsonBytes(string operation, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS." + operation);
        var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("CreateQueue", "{\"QueueName\":\"\\ud800\"}")]
    [InlineData("CreateQueue", "{\"QueueName\":\"q\",\"Attributes\":{\"\\udc00\\ud800\":\"1\"}}")]
    [InlineData("ListQueues", "{\"\\ud800\":1}")]
    [InlineData("SendMessageBatch", "{\"QueueUrl\":\"http://127.0.0.1/000000000000/q\",\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"x\\udc00\"}]}")]
    [InlineData("ListQueues", "{\"QueueNamePrefix\":\"\\xff\"}")]
    [InlineData("GetQueueUrl", "{\"QueueName\":\"\\xed\\xa0\\x80\"}")]
    [InlineData("ListQueues", "{\"\\xc0\\x80\":1}")]
    public async Task a_json_string_that_is_not_unicode_text_is_a_serialization_error(string operation, string request)
    {
        // Escaped surrogates with no pair, and bytes that are not UTF-8 (written here as \xNN), in values and member names:
        // the parser accepts them, reading them failed, and every SQS operation answered 500 (a fuzzing finding).
        var bytes = new List<byte>();
        for (var i = 0; i < request.Length; i++)
        {
            if (request[i] == '\\' && i + 3 < request.Length && request[i + 1] == 'x')
            {
                bytes.Add(Convert.ToByte(request.Substring(i + 2, 2), 16));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(request[i].ToString()));
            }
        }
        var (status, body) = await JsonBytes(operation, [.. bytes]);
        status.ShouldBe(HttpStatusCode.BadRequest, body);
        body.ShouldContain("SerializationException");
        body.ShouldContain("not valid JSON text");
    }

    [Fact]
    public async Task escaped_surrogate_pairs_and_escaped_backslashes_are_still_read()
    {
        var name = ServerFixture.Unique("wire-pair");
        var (status, body) = await JsonBytes("CreateQueue", Encoding.UTF8.GetBytes($"{{\"QueueName\":\"{name}\"}}"));
        status.ShouldBe(HttpStatusCode.OK, body);
        var url = $"{server.Endpoint}/000000000000/{name}";
        (status, body) = await JsonBytes("SendMessage", Encoding.UTF8.GetBytes($"{{\"QueueUrl\":\"{url}\",\"MessageBody\":\"\\ud83d\\ude00 \\\\ud800\"}}"));
        status.ShouldBe(HttpStatusCode.OK, body);
        (status, body) = await JsonBytes("ReceiveMessage", Encoding.UTF8.GetBytes($"{{\"QueueUrl\":\"{url}\"}}"));
        status.ShouldBe(HttpStatusCode.OK, body);
        using var received = System.Text.Json.JsonDocument.Parse(body);
        received.RootElement.GetProperty("Messages")[0].GetProperty("Body").GetString().ShouldBe("\U0001F600 \\ud800");
    }

    [Fact]
    public async Task a_redrive_policy_whose_json_holds_an_unpaired_surrogate_is_an_invalid_parameter_in_both_protocols()
    {
        var name = ServerFixture.Unique("wire-redrive");
        var (status, body) = await JsonBytes("CreateQueue", Encoding.UTF8.GetBytes(
            $"{{\"QueueName\":\"{name}\",\"Attributes\":{{\"RedrivePolicy\":\"{{\\\"deadLetterTargetArn\\\":\\\"\\\\ud800\\\",\\\"maxReceiveCount\\\":5}}\"}}}}"));
        status.ShouldBe(HttpStatusCode.BadRequest, body);
        body.ShouldContain("InvalidParameterValue");
        await Form($"Action=CreateQueue&QueueName={name}");
        var url = Uri.EscapeDataString($"{server.Endpoint}/000000000000/{name}");
        var (formStatus, formBody, _) = await Form($"Action=SetQueueAttributes&QueueUrl={url}&Attribute.1.Name=RedrivePolicy&Attribute.1.Value="
            + Uri.EscapeDataString("{\"deadLetterTargetArn\":\"\\ud800\",\"maxReceiveCount\":5}"));
        formStatus.ShouldBe(HttpStatusCode.BadRequest, formBody);
        formBody.ShouldContain("<Code>InvalidParameterValue</Code>");
    }
}
