using System.Text;
using System.Text.Json;
using Shouldly;
using Tideway.Wire.AwsQuery;

namespace Tideway.Wire.Tests;

/// <summary>awsQuery form bodies: the pairs, and the flattened lists and maps of SQS's query protocol.</summary>
public sealed class AwsQueryFormTests
{
    public static TheoryData<string> CapturedSqsRequests
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in Directory.GetFiles(SharedData.PathOf("wire"), "sqs-*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(file));
                if (document.RootElement.TryGetProperty("body_form", out _))
                {
                    data.Add(Path.GetRelativePath(SharedData.PathOf("wire"), file));
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CapturedSqsRequests))]
    public void parses_captured_client_bodies_into_the_pairs_they_sent(string capture)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("wire", capture)));
        var body = Encoding.UTF8.GetBytes(document.RootElement.GetProperty("body").GetString()!);
        var expected = document.RootElement.GetProperty("body_form").EnumerateArray()
            .Select(p => new KeyValuePair<string, string>(p[0].GetString()!, p[1].GetString()!)).ToList();

        AwsQueryForm.TryParse(body, out var form, out _).ShouldBeTrue();

        form.ToList().ShouldBe(expected);
        form.Action.ShouldNotBeNull();
    }

    [Fact]
    public void decodes_plus_percent_escapes_and_utf8()
    {
        var form = Parse("MessageBody=hello+world%21+%C3%A9%F0%9F%98%80%0D%0A&Empty=&NoValue&a%2Bb=1%2B1");

        form["MessageBody"].ShouldBe("hello world! é😀\r\n");
        form["Empty"].ShouldBe(string.Empty);
        form["NoValue"].ShouldBe(string.Empty);
        form["a+b"].ShouldBe("1+1");
    }

    [Fact]
    public void keeps_keys_case_sensitive_and_in_order()
    {
        var form = Parse("b=1&a=2&A=3&a=4");

        form.Select(p => p.Key).ShouldBe(["b", "a", "A", "a"]);
        form["a"].ShouldBe("2");
        form["A"].ShouldBe("3");
        form["B"].ShouldBeNull();
    }

    [Fact]
    public void finds_keys_in_large_forms()
    {
        var body = string.Join('&', Enumerable.Range(1, 200).Select(i => $"Key{i}=v{i}"));

        var form = Parse(body);

        form["Key137"].ShouldBe("v137");
        form.ContainsKey("Key201").ShouldBeFalse();
    }

    [Fact]
    public void skips_empty_pairs()
    {
        Parse("&a=1&&b=2&").Count.ShouldBe(2);
        Parse(string.Empty).Count.ShouldBe(0);
    }

    [Theory]
    [InlineData("a=%", 2)]
    [InlineData("a=%4", 2)]
    [InlineData("a=%zz", 2)]
    [InlineData("ok=1&b%G1=2", 6)]
    public void rejects_an_invalid_percent_escape_with_its_offset(string body, int offset)
    {
        AwsQueryForm.TryParse(Encoding.UTF8.GetBytes(body), out var form, out var error).ShouldBeFalse();

        form.ShouldBeNull();
        error.Offset.ShouldBe(offset);
        error.Message.ShouldContain("percent-encoding");
    }

    [Fact]
    public void rejects_invalid_utf8()
    {
        AwsQueryForm.TryParse("a=%C3%28"u8, out _, out var error).ShouldBeFalse();

        error.Message.ShouldContain("UTF-8");
    }

    [Fact]
    public void reads_a_flattened_list_ordered_by_index()
    {
        var form = Parse("AttributeName.2=VisibilityTimeout&AttributeName.1=All&AttributeName.10=Policy&AttributeNames.1=no&AttributeName=no&AttributeName.x=no&AttributeName.01=no&AttributeName.0=no");

        form.GetList("AttributeName").ShouldBe(["All", "VisibilityTimeout", "Policy"]);
        form.GetList("MessageAttributeName").ShouldBeEmpty();
    }

    [Fact]
    public void reads_the_captured_receive_message_lists()
    {
        var form = Parse("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A47011%2F000000000000%2Fq1&MaxNumberOfMessages=10&WaitTimeSeconds=1&VisibilityTimeout=30&AttributeName.1=All&MessageAttributeName.1=All&MessageSystemAttributeName.1=AWSTraceHeader");

        form.GetList("AttributeName").ShouldBe(["All"]);
        form.GetList("MessageAttributeName").ShouldBe(["All"]);
        form.GetList("MessageSystemAttributeName").ShouldBe(["AWSTraceHeader"]);
    }

    [Fact]
    public void reads_attribute_and_tag_maps()
    {
        var form = Parse("Action=CreateQueue&QueueName=q1&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=30&Attribute.2.Name=RedrivePolicy&Attribute.2.Value=%7B%22maxReceiveCount%22%3A%223%22%7D&Tag.1.Key=team&Tag.1.Value=a&Tag.2.Value=b&Tag.2.Key=env");

        form.TryGetMap("Attribute", "Name", "Value", out var attributes, out _).ShouldBeTrue();
        form.TryGetMap("Tag", "Key", "Value", out var tags, out _).ShouldBeTrue();

        attributes.ShouldBe([new("VisibilityTimeout", "30"), new("RedrivePolicy", "{\"maxReceiveCount\":\"3\"}")]);
        tags.ShouldBe([new("team", "a"), new("env", "b")]);
    }

    [Fact]
    public void names_the_missing_member_of_a_map_entry()
    {
        var form = Parse("Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=30&Attribute.2.Name=DelaySeconds");

        form.TryGetMap("Attribute", "Name", "Value", out _, out var missing).ShouldBeFalse();

        missing.ShouldBe("Attribute.2.Value");
    }

    [Fact]
    public void groups_batch_entries_by_index_with_relative_keys()
    {
        var form = Parse(
            "Action=SendMessageBatch&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two" +
            "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one&SendMessageBatchRequestEntry.1.DelaySeconds=5" +
            "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String" +
            "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v");

        var entries = form.GetEntries("SendMessageBatchRequestEntry");

        entries.Select(e => e.Index).ShouldBe([1, 2]);
        entries[0].Members["Id"].ShouldBe("a");
        entries[0].Members["DelaySeconds"].ShouldBe("5");
        entries[0].Members["MessageAttribute.1.Value.StringValue"].ShouldBe("v");
        entries[0].Members.GetEntries("MessageAttribute").Single().Members["Value.DataType"].ShouldBe("String");
        entries[1].Members.Select(p => p.Key).ShouldBe(["Id", "MessageBody"]);
        entries[1].Value.ShouldBeNull();
    }

    [Fact]
    public void does_not_mistake_a_longer_prefix_for_the_list()
    {
        var form = Parse("MessageAttributeName.1=All&MessageAttribute.1.Name=x");

        form.GetEntries("MessageAttribute").Single().Members["Name"].ShouldBe("x");
        form.GetList("MessageAttribute").ShouldBeEmpty();
    }

    private static AwsQueryForm Parse(string body)
    {
        AwsQueryForm.TryParse(Encoding.UTF8.GetBytes(body), out var form, out var error).ShouldBeTrue(error.Message);
        return form;
    }
}
