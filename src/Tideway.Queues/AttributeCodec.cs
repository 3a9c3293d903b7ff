using System.Buffers.Binary;
using System.Text;

namespace Tideway.Queues;

/// <summary>
/// Packs a message's attributes into the opaque blob the store keeps: two sections (message attributes,
/// then system attributes), each a count followed by (name, data type, value) with length prefixes.
/// </summary>
internal static class AttributeCodec
{
    public static byte[]? Encode(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, IReadOnlyDictionary<string, MessageAttributeValue>? system)
    {
        if ((attributes is null || attributes.Count == 0) && (system is null || system.Count == 0))
        {
            return null;
        }
        var buffer = new List<byte>(256);
        WriteSection(buffer, attributes);
        WriteSection(buffer, system);
        return [.. buffer];
    }

    private static void WriteSection(List<byte> buffer, IReadOnlyDictionary<string, MessageAttributeValue>? section)
    {
        WriteInt(buffer, section?.Count ?? 0);
        if (section is null)
        {
            return;
        }
        foreach (var (name, value) in section)
        {
            WriteBytes(buffer, Encoding.UTF8.GetBytes(name));
            WriteBytes(buffer, Encoding.UTF8.GetBytes(value.DataType));
            if (value.IsBinary)
            {
                buffer.Add(2);
                WriteBytes(buffer, value.BinaryValue ?? []);
            }
            else
            {
                buffer.Add(1);
                WriteBytes(buffer, Encoding.UTF8.GetBytes(value.StringValue ?? string.Empty));
            }
        }
    }

    private static void WriteInt(List<byte> buffer, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        foreach (var b in bytes)
        {
            buffer.Add(b);
        }
    }

    private static void WriteBytes(List<byte> buffer, byte[] value)
    {
        WriteInt(buffer, value.Length);
        buffer.AddRange(value);
    }

    public static (List<KeyValuePair<string, MessageAttributeValue>> Attributes, List<KeyValuePair<string, MessageAttributeValue>> System) Decode(byte[]? blob)
    {
        var attributes = new List<KeyValuePair<string, MessageAttributeValue>>();
        var system = new List<KeyValuePair<string, MessageAttributeValue>>();
        if (blob is null)
        {
            return (attributes, system);
        }
        var position = 0;
        ReadSection(blob, ref position, attributes);
        ReadSection(blob, ref position, system);
        return (attributes, system);
    }

    private static void ReadSection(byte[] blob, ref int position, List<KeyValuePair<string, MessageAttributeValue>> into)
    {
        var count = ReadInt(blob, ref position);
        for (var i = 0; i < count; i++)
        {
            var name = Encoding.UTF8.GetString(ReadBytes(blob, ref position));
            var type = Encoding.UTF8.GetString(ReadBytes(blob, ref position));
            var kind = blob[position++];
            var value = ReadBytes(blob, ref position);
            into.Add(new(name, kind == 2
                ? new MessageAttributeValue(type, null, value.ToArray())
                : new MessageAttributeValue(type, Encoding.UTF8.GetString(value), null)));
        }
    }

    private static int ReadInt(byte[] blob, ref int position)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(position, 4));
        position += 4;
        return value;
    }

    private static ReadOnlySpan<byte> ReadBytes(byte[] blob, ref int position)
    {
        var length = ReadInt(blob, ref position);
        var span = blob.AsSpan(position, length);
        position += length;
        return span;
    }
}
