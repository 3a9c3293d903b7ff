using Tideway.Queues;
using Tideway.Wire.Sqs;

namespace Tideway.Server.Sqs;

/// <summary>The MD5 digests SQS returns and the JS and .NET SDKs verify (computed by <see cref="SqsMd5"/>).</summary>
internal static class SqsDigests
{
    public static string OfBody(string body) => SqsMd5.OfBody(body);

    public static string OfAttributes(IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        var converted = new SqsMessageAttribute[attributes.Count];
        for (var i = 0; i < converted.Length; i++)
        {
            var (name, value) = attributes[i];
            converted[i] = value.IsBinary
                ? SqsMessageAttribute.FromBinary(name, value.DataType, value.BinaryValue ?? [])
                : SqsMessageAttribute.FromString(name, value.DataType, value.StringValue ?? string.Empty);
        }
        return SqsMd5.OfMessageAttributes(converted) ?? string.Empty;
    }
}
