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
        var blob = new byte[SectionSize(attributes) + SectionSize(system)];
        var position = 0;
        WriteSection(blob, ref position, attributes);
        WriteSection(blob, ref position, system);
        return blob;
    }

    private static int SectionSize(IReadOnlyDictionary<string, MessageAttributeValue>? section)
    {
        var size = 4;
        if (section is null)
        {
            return size;
        }
        foreach (var (name, value) in section)
        {
            size += 4 + Encoding.UTF8.GetByteCount(name) + 4 + Encoding.UTF8.GetByteCount(value.DataType) + 1 + 4
                + (value.IsBinary ? value.BinaryValue?.Length ?? 0 : Encoding.UTF8.GetByteCount(value.StringValue ?? string.Empty));
        }
        return size;
    }

    private static void WriteSection(byte[] blob, ref int position, IReadOnlyDictionary<string, MessageAttributeValue>? section)
    {
        WriteInt(blob, ref position, section?.Count ?? 0);
        if (section is null)
        {
            return;
        }
        foreach (var (name, value) in section)
        {
            WriteString(blob, ref position, name);
            WriteString(blob, ref position, value.DataType);
            if (value.IsBinary)
            {
                blob[position++] = 2;
                var bytes = value.BinaryValue ?? [];
                WriteInt(blob, ref position, bytes.Length);
                bytes.CopyTo(blob.AsSpan(position));
                position += bytes.Length;
            }
            else
            {
                blob[position++] = 1;
                WriteString(blob, ref position, value.StringValue ?? string.Empty);
            }
        }
    }

    private static void WriteInt(byte[] blob, ref int position, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(position), value);
        position += 4;
    }

    private static void WriteString(byte[] blob, ref int position, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, blob.AsSpan(position + 4));
        WriteInt(blob, ref position, length);
        position += length;
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
