using System.Text;
using Shouldly;
using Tideway.Wire.AwsQuery;
using Tideway.Wire.Sqs;

namespace Tideway.Wire.Tests;

/// <summary>Message attributes and message system attributes of SQS query requests.</summary>
public sealed class SqsQueryReaderTests
{
    [Fact]
    public void reads_the_captured_send_message_attributes()
    {
        var form = Parse("Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A47011%2F000000000000%2Fq1&MessageBody=hello&DelaySeconds=0&MessageAttribute.1.Name=attr1&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v1&MessageAttribute.2.Name=num&MessageAttribute.2.Value.DataType=Number&MessageAttribute.2.Value.StringValue=42");

        SqsQueryReader.TryReadMessageAttributes(form, SqsQueryReader.MessageAttributePrefix, out var attributes, out _).ShouldBeTrue();

        attributes.ShouldBe([SqsMessageAttribute.FromString("attr1", "String", "v1"), SqsMessageAttribute.FromString("num", "Number", "42")]);
        SqsMd5.OfMessageAttributes(attributes).ShouldBe("e519757b6bd33fb848a0716c9bae6030");
    }

    [Fact]
    public void decodes_binary_values_from_base64()
    {
        var form = Parse("MessageAttribute.1.Name=bin&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AAEC");

        SqsQueryReader.TryReadMessageAttributes(form, SqsQueryReader.MessageAttributePrefix, out var attributes, out _).ShouldBeTrue();

        attributes.Single().BinaryValue.ShouldBe(new byte[] { 0, 1, 2 });
        attributes.Single().IsBinary.ShouldBeTrue();
    }

    [Fact]
    public void reads_message_system_attributes()
    {
        var form = Parse("MessageSystemAttribute.1.Name=AWSTraceHeader&MessageSystemAttribute.1.Value.DataType=String&MessageSystemAttribute.1.Value.StringValue=Root%3D1-5759e988-bd862e3fe1be46a994272793%3BParent%3D53995c3f42cd8ad8%3BSampled%3D1");

        SqsQueryReader.TryReadMessageAttributes(form, SqsQueryReader.MessageSystemAttributePrefix, out var attributes, out _).ShouldBeTrue();

        SqsMd5.OfMessageSystemAttributes([.. attributes]).ShouldBe("5ae4d5d7636402d80f4eb6d213245a88");
    }

    [Theory]
    [InlineData("MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v", "MissingParameter", "MessageAttribute.1.Name")]
    [InlineData("MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=v", "InvalidParameterValue", "must contain non-empty message attribute type")]
    [InlineData("MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=%21%21", "InvalidParameterValue", "not base64")]
    public void reports_structurally_broken_attributes(string body, string code, string message)
    {
        SqsQueryReader.TryReadMessageAttributes(Parse(body), SqsQueryReader.MessageAttributePrefix, out _, out var error).ShouldBeFalse();

        error.QueryCode.ShouldBe(code);
        error.Message.ShouldContain(message);
    }

    private static AwsQueryForm Parse(string body)
    {
        AwsQueryForm.TryParse(Encoding.UTF8.GetBytes(body), out var form, out _).ShouldBeTrue();
        return form;
    }
}
