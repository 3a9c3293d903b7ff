using System.Text;
using Shouldly;
using Tideway.Wire.Sqs;

namespace Tideway.Wire.Tests;

/// <summary>
/// SQS's MD5 digests. The expected attribute digests were computed with moto 5.2.1's
/// <c>Message.attribute_md5</c> and, independently, a direct Python implementation of the algorithm.
/// </summary>
public sealed class SqsMd5Tests
{
    [Theory]
    [InlineData("hello", "5d41402abc4b2a76b9719d911017c592")]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("h\u00e9llo \r\n \U0001F600", "f29c3a0690da8611870bf86af759b95b")]
    public void hashes_the_body_as_utf8(string body, string md5)
    {
        SqsMd5.OfBody(body).ShouldBe(md5);
        SqsMd5.OfBody(Encoding.UTF8.GetBytes(body)).ShouldBe(md5);
    }

    [Fact]
    public void hashes_string_and_number_attributes()
    {
        SqsMessageAttribute[] attributes = [SqsMessageAttribute.FromString("num", "Number", "42"), SqsMessageAttribute.FromString("attr1", "String", "v1")];

        SqsMd5.OfMessageAttributes(attributes).ShouldBe("e519757b6bd33fb848a0716c9bae6030");
    }

    [Fact]
    public void hashes_binary_attributes_with_transport_type_2()
    {
        SqsMessageAttribute[] attributes = [SqsMessageAttribute.FromString("attr1", "String", "v1"), SqsMessageAttribute.FromBinary("bin", "Binary", [0, 1, 2])];

        SqsMd5.OfMessageAttributes(attributes).ShouldBe("8a571d1c4ce3c1b73fb70f737796d1c8");
    }

    [Fact]
    public void hashes_custom_data_types_and_sorts_names_by_byte_order()
    {
        List<SqsMessageAttribute> attributes =
        [
            SqsMessageAttribute.FromString("Zeta", "Number.float", "1.5"),
            SqsMessageAttribute.FromString("alpha", "String.custom", "a b"),
            SqsMessageAttribute.FromBinary("Beta_1", "Binary.png", [0xFF, 0x00]),
        ];

        SqsMd5.OfMessageAttributes(attributes).ShouldBe("97b520de48be052f2477c5aa46596016");
    }

    [Fact]
    public void sorts_names_in_utf8_order_not_utf16_order()
    {
        // U+FF21 sorts before U+1F600 in UTF-8 (EF… < F0…) but after it in UTF-16 (FF21 > D83D).
        SqsMessageAttribute[] attributes =
        [
            SqsMessageAttribute.FromString("\U0001F600", "String", "x"),
            SqsMessageAttribute.FromString("\uFF21", "String", "y"),
            SqsMessageAttribute.FromString("\u00E9t\u00E9", "String", "\u00E9\u20AC"),
        ];

        SqsMd5.OfMessageAttributes(attributes).ShouldBe("7ca1baee03fad433034481404e840b24");
    }

    [Fact]
    public void hashes_message_system_attributes_the_same_way()
    {
        SqsMessageAttribute[] trace = [SqsMessageAttribute.FromString("AWSTraceHeader", "String", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")];

        SqsMd5.OfMessageSystemAttributes(trace).ShouldBe("5ae4d5d7636402d80f4eb6d213245a88");
    }

    [Fact]
    public void has_no_digest_for_no_attributes()
    {
        SqsMd5.OfMessageAttributes([]).ShouldBeNull();
        SqsMd5.TryHashAttributes([], new byte[16]).ShouldBeFalse();
    }
}
