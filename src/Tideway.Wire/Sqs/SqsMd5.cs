using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Tideway.Wire.Internal;

namespace Tideway.Wire.Sqs;

/// <summary>
/// The MD5 digests SQS returns and SDKs check (the AWS SDK for JavaScript v3 rejects a wrong
/// <c>MD5OfMessageBody</c> with InvalidChecksumError; the Java and .NET SDKs check attributes too):
/// <c>MD5OfMessageBody</c>/<c>MD5OfBody</c>, <c>MD5OfMessageAttributes</c> and
/// <c>MD5OfMessageSystemAttributes</c>, as lowercase hex.
/// </summary>
/// <remarks>
/// Attributes digest: the attributes sorted by name in UTF-8 byte order; for each, a 4-byte
/// big-endian length and the UTF-8 bytes of the name, the same for the data type, one transport
/// byte (1 for a string value, 2 for a binary one), and the length and bytes of the value; MD5
/// over the concatenation. MD5 is SQS's checksum here, not a security measure.
/// </remarks>
public static class SqsMd5
{
    /// <summary>The length of a digest in bytes.</summary>
    public const int HashSizeInBytes = 16;

    /// <summary>MD5 of a message body (its UTF-8 bytes), lowercase hex.</summary>
    public static string OfBody(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var max = Encoding.UTF8.GetMaxByteCount(body.Length);
        var builder = new ByteBuilder(stackalloc byte[512]);
        try
        {
            var span = builder.AppendSpan(max);
            var written = Encoding.UTF8.GetBytes(body, span);
            return OfBody(span[..written]);
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>MD5 of a message body given as UTF-8, lowercase hex.</summary>
    public static string OfBody(ReadOnlySpan<byte> utf8Body)
    {
        Span<byte> hash = stackalloc byte[HashSizeInBytes];
        Md5(utf8Body, hash);
        return Hex.ToLowerString(hash);
    }

    /// <summary>MD5 of a message body given as UTF-8, into <paramref name="destination"/> (16 bytes).</summary>
    public static void OfBody(ReadOnlySpan<byte> utf8Body, Span<byte> destination) => Md5(utf8Body, destination);

    /// <summary><c>MD5OfMessageAttributes</c>: lowercase hex, or null when there are no attributes (SQS then omits the field).</summary>
    public static string? OfMessageAttributes(ReadOnlySpan<SqsMessageAttribute> attributes)
    {
        Span<byte> hash = stackalloc byte[HashSizeInBytes];
        return TryHashAttributes(attributes, hash) ? Hex.ToLowerString(hash) : null;
    }

    /// <summary><c>MD5OfMessageAttributes</c> of a list (see <see cref="OfMessageAttributes(ReadOnlySpan{SqsMessageAttribute})"/>).</summary>
    public static string? OfMessageAttributes(IReadOnlyList<SqsMessageAttribute> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return attributes switch
        {
            SqsMessageAttribute[] array => OfMessageAttributes(array.AsSpan()),
            List<SqsMessageAttribute> list => OfMessageAttributes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list)),
            _ => OfMessageAttributes([.. attributes]),
        };
    }

    /// <summary>
    /// <c>MD5OfMessageSystemAttributes</c> (e.g. <c>AWSTraceHeader</c>): the same algorithm over the
    /// message system attributes; null when there are none.
    /// </summary>
    public static string? OfMessageSystemAttributes(ReadOnlySpan<SqsMessageAttribute> attributes) => OfMessageAttributes(attributes);

    /// <summary>
    /// The attributes digest into <paramref name="destination"/> (16 bytes); false, writing nothing,
    /// when <paramref name="attributes"/> is empty.
    /// </summary>
    public static bool TryHashAttributes(ReadOnlySpan<SqsMessageAttribute> attributes, Span<byte> destination)
    {
        if (attributes.IsEmpty)
        {
            return false;
        }

        int[]? rentedOrder = null;
        var order = attributes.Length <= 32 ? stackalloc int[attributes.Length] : (rentedOrder = new int[attributes.Length]);
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Insertion sort: SQS allows 10 attributes per message.
        for (var i = 1; i < order.Length; i++)
        {
            var current = order[i];
            var j = i - 1;
            while (j >= 0 && CompareUtf8(attributes[order[j]].Name, attributes[current].Name) > 0)
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = current;
        }

        var builder = new ByteBuilder(stackalloc byte[1024]);
        try
        {
            foreach (var index in order)
            {
                var attribute = attributes[index];
                AppendLengthPrefixed(ref builder, attribute.Name);
                AppendLengthPrefixed(ref builder, attribute.DataType);
                if (attribute.IsBinary)
                {
                    builder.Append(2);
                    BinaryPrimitives.WriteInt32BigEndian(builder.AppendSpan(4), attribute.BinaryValue!.Length);
                    builder.Append(attribute.BinaryValue);
                }
                else
                {
                    builder.Append(1);
                    AppendLengthPrefixed(ref builder, attribute.StringValue ?? string.Empty);
                }
            }

            Md5(builder.Written, destination);
            return true;
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>Compares two strings in the order of their UTF-8 bytes (code point order).</summary>
    internal static int CompareUtf8(string left, string right)
    {
        var a = left.AsSpan();
        var b = right.AsSpan();
        while (!a.IsEmpty && !b.IsEmpty)
        {
            _ = Rune.DecodeFromUtf16(a, out var x, out var usedA);
            _ = Rune.DecodeFromUtf16(b, out var y, out var usedB);
            if (x != y)
            {
                return x.Value.CompareTo(y.Value);
            }

            a = a[usedA..];
            b = b[usedB..];
        }

        return a.IsEmpty ? (b.IsEmpty ? 0 : -1) : 1;
    }

    private static void AppendLengthPrefixed(ref ByteBuilder builder, string value)
    {
        BinaryPrimitives.WriteInt32BigEndian(builder.AppendSpan(4), Encoding.UTF8.GetByteCount(value));
        builder.AppendUtf8(value);
    }

#pragma warning disable CA5351 // MD5 is the checksum SQS's wire format specifies, not a security control.
    private static void Md5(ReadOnlySpan<byte> data, Span<byte> destination) => MD5.HashData(data, destination);
#pragma warning restore CA5351
}
