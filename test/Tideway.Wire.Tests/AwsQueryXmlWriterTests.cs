using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Shouldly;
using Tideway.Wire.AwsQuery;
using Tideway.Wire.Sqs;

namespace Tideway.Wire.Tests;

/// <summary>awsQuery XML responses, byte for byte as the captured SQS responses real clients accepted.</summary>
public sealed class AwsQueryXmlWriterTests
{
    private const string RequestId = "e2548ff4-b9b8-4754-8714-1da7448236af";

    [Fact]
    public void writes_the_error_document_sqs_sends()
    {
        var output = new ArrayBufferWriter<byte>();

        new AwsQueryXmlWriter(output).WriteErrorResponse(SqsErrors.QueueDoesNotExist.WithMessage("The specified queue does not exist for this wsdl version."), RequestId);

        Text(output).ShouldBe(Captured("sqs-GetQueueUrl-error.json"));
    }

    [Fact]
    public void writes_a_get_queue_url_result()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new AwsQueryXmlWriter(output);

        writer.WriteStartResponse("GetQueueUrl");
        writer.WriteElement("QueueUrl", "http://127.0.0.1:47011/000000000000/q1");
        writer.WriteEndResponse("GetQueueUrl", RequestId);

        Text(output).ShouldBe(Captured("sqs-GetQueueUrl-ok.json"));
    }

    [Fact]
    public void writes_a_receive_message_result_with_attributes()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new AwsQueryXmlWriter(output);

        writer.WriteStartResponse("ReceiveMessage");
        writer.WriteStartElement("Message");
        writer.WriteElement("MessageId", "5fea7756-0ea4-451a-a703-a558b933e274");
        writer.WriteElement("ReceiptHandle", "rh-1");
        writer.WriteElement("MD5OfBody", SqsMd5.OfBody("hello"));
        writer.WriteElement("Body", "hello");
        foreach (var (name, value) in new[] { ("SenderId", "000000000000"), ("ApproximateReceiveCount", "1"), ("SentTimestamp", "1795435200000") })
        {
            writer.WriteStartElement("Attribute");
            writer.WriteElement("Name", name);
            writer.WriteElement("Value", value);
            writer.WriteEndElement("Attribute");
        }

        writer.WriteElement("MD5OfMessageAttributes", "6ed5f1d3b6a8a5c9b2c4e0d6f0f2b1a1");
        writer.WriteStartElement("MessageAttribute");
        writer.WriteElement("Name", "attr1");
        writer.WriteStartElement("Value");
        writer.WriteElement("StringValue", "v1");
        writer.WriteElement("DataType", "String");
        writer.WriteEndElement("Value");
        writer.WriteEndElement("MessageAttribute");
        writer.WriteStartElement("MessageAttribute");
        writer.WriteElement("Name", "bin");
        writer.WriteStartElement("Value");
        writer.WriteElement("BinaryValue", Convert.ToBase64String([0, 1, 2]));
        writer.WriteElement("DataType", "Binary");
        writer.WriteEndElement("Value");
        writer.WriteEndElement("MessageAttribute");
        writer.WriteEndElement("Message");
        writer.WriteEndResponse("ReceiveMessage", RequestId);

        Text(output).ShouldBe(Captured("sqs-ReceiveMessage-msgattrs.json"));
    }

    [Fact]
    public void writes_a_response_without_a_result()
    {
        var output = new ArrayBufferWriter<byte>();

        new AwsQueryXmlWriter(output).WriteEmptyResponse("DeleteMessage", RequestId);

        Text(output).ShouldBe($"<DeleteMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><ResponseMetadata><RequestId>{RequestId}</RequestId></ResponseMetadata></DeleteMessageResponse>");
    }

    [Theory]
    [InlineData("a & b < c > d")]
    [InlineData("line1\r\nline2\rline3\nend")]
    [InlineData("  leading and trailing spaces, \ttabs\t  ")]
    [InlineData("quotes \" and ' and ]]> and &amp; already escaped")]
    [InlineData("unicode é € 😀 \uFFFD")]
    public void escapes_text_so_that_it_parses_back_unchanged(string body)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new AwsQueryXmlWriter(output);

        writer.WriteStartResponse("ReceiveMessage");
        writer.WriteElement("Body", body);
        writer.WriteEndResponse("ReceiveMessage", RequestId);

        var document = XDocument.Parse(Text(output), LoadOptions.PreserveWhitespace);
        XNamespace ns = AwsQueryXmlWriter.SqsNamespace;
        document.Root!.Element(ns + "ReceiveMessageResult")!.Element(ns + "Body")!.Value.ShouldBe(body);
    }

    [Fact]
    public void writes_cr_as_a_character_reference()
    {
        var output = new ArrayBufferWriter<byte>();

        new AwsQueryXmlWriter(output).WriteElement("Body", "a\r\nb");

        Text(output).ShouldBe("<Body>a&#xD;\nb</Body>");
    }

    [Fact]
    public void writes_large_bodies_across_chunks()
    {
        var body = string.Concat(Enumerable.Repeat("ab&😀", 5000));
        var output = new ArrayBufferWriter<byte>();

        new AwsQueryXmlWriter(output).WriteElement("Body", body);

        Text(output).ShouldBe("<Body>" + body.Replace("&", "&amp;", StringComparison.Ordinal) + "</Body>");
    }

    [Fact]
    public void writes_numbers_and_booleans()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new AwsQueryXmlWriter(output);

        writer.WriteElement("SentTimestamp", 1795435200000L);
        writer.WriteElement("Negative", -5L);
        writer.WriteElement("Flag", true);
        writer.WriteElement("Skipped", (string?)null);

        Text(output).ShouldBe("<SentTimestamp>1795435200000</SentTimestamp><Negative>-5</Negative><Flag>true</Flag>");
    }

    private static string Text(ArrayBufferWriter<byte> output) => Encoding.UTF8.GetString(output.WrittenSpan);

    private static string Captured(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("wire", "responses", file)));
        return document.RootElement.GetProperty("server_response_rules")[0].GetProperty("body").GetString()!.Replace("{{RID}}", RequestId, StringComparison.Ordinal);
    }
}
