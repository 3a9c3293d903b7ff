using System.Diagnostics.CodeAnalysis;

namespace Tideway.Wire.Sqs;

/// <summary>
/// One SQS message attribute (or message system attribute such as <c>AWSTraceHeader</c>): a name, a
/// data type (<c>String</c>, <c>Number</c>, <c>Binary</c>, optionally with a custom suffix such as
/// <c>Number.float</c>) and either a string or a binary value.
/// </summary>
/// <param name="Name">The attribute name.</param>
/// <param name="DataType">The data type as sent.</param>
/// <param name="StringValue">The value of a String or Number attribute, else null.</param>
/// <param name="BinaryValue">The (base64-decoded) value of a Binary attribute, else null.</param>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "AWS's noun: a message attribute.")]
public readonly record struct SqsMessageAttribute(string Name, string DataType, string? StringValue, byte[]? BinaryValue)
{
    /// <summary>A String or Number attribute.</summary>
    public static SqsMessageAttribute FromString(string name, string dataType, string value) => new(name, dataType, value, null);

    /// <summary>A Binary attribute.</summary>
    public static SqsMessageAttribute FromBinary(string name, string dataType, byte[] value) => new(name, dataType, null, value);

    /// <summary>True when the value is binary (transport type 2 in the MD5 digest).</summary>
    public bool IsBinary => StringValue is null && BinaryValue is not null;
}
