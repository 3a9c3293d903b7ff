using System.Buffers.Binary;
using System.Text;
using Tideway.Storage.Memory;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// The messages of one send into a standard queue, kept as one row of <c>message_batches</c> instead of a row each: the
/// writer inserts one row per SendMessageBatch. The row's id is the sequence of its block (sequence /
/// <see cref="QueueIndex.SendBlock"/>); <c>live</c> has bit <c>sequence % SendBlock</c> set for each message still in the
/// row (and <see cref="LiveBase"/>). A message leaves the row when it is deleted, or when its state must be written (a journaled receive, a move): it
/// then gets a row of its own in <c>messages</c>. The row goes with its last message.
/// </summary>
/// <remarks>
/// <c>data</c> holds, per message: its position in the block (1 byte), sent and visible times (8 bytes each, little
/// endian), then the message id, the attributes and the body, each with its length as a 7-bit varint (the attributes'
/// length plus one, 0 for none). Only messages with neither group nor deduplication id are kept so; their receive state
/// is all zero.
/// </remarks>
internal static class MessageBatch
{
    public const int Shift = QueueIndex.SendBlockShift;

    /// <summary>
    /// Kept set in the <c>live</c> column beside the messages' bits, so the value always takes three bytes in the record: a
    /// delete then rewrites the row in place (SQLite overwrites a record of the same size page by page, and leaves the
    /// overflow pages of a large row untouched), rather than writing it anew.
    /// </summary>
    public const int LiveBase = 1 << 16;

    public static long Block(long sequence) => sequence >> Shift;

    public static int Position(long sequence) => (int)(sequence & (QueueIndex.SendBlock - 1));

    public static int Bit(long sequence) => 1 << Position(sequence);

    /// <summary>Whether the message can be kept in a batch row (the row has no columns for groups or deduplication).</summary>
    public static bool Fits(in InsertedMessage message) => message.GroupId is null && message.DeduplicationId is null;

    /// <summary>Writes the messages <paramref name="rows"/>[start..start+count) into <paramref name="buffer"/> (grown as needed); returns the length.</summary>
    public static int Encode(List<InsertedMessage> rows, int start, int count, ref byte[] buffer)
    {
        var length = 0;
        for (var i = start; i < start + count; i++)
        {
            var m = rows[i];
            var max = 1 + 16 + 3 * 5 + Encoding.UTF8.GetMaxByteCount(m.MessageId.Length) +
                (m.Attributes?.Length ?? 0) + Encoding.UTF8.GetMaxByteCount(m.Body.Length);
            if (buffer.Length - length < max)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + max));
            }
            var span = buffer.AsSpan(length);
            span[0] = (byte)Position(m.Sequence);
            BinaryPrimitives.WriteInt64LittleEndian(span[1..], m.SentAt);
            BinaryPrimitives.WriteInt64LittleEndian(span[9..], m.VisibleAt);
            var at = 17;
            at += Text(span[at..], m.MessageId);
            if (m.Attributes is null)
            {
                at += Varint(span[at..], 0);
            }
            else
            {
                at += Varint(span[at..], m.Attributes.Length + 1);
                m.Attributes.CopyTo(span[at..]);
                at += m.Attributes.Length;
            }
            at += Text(span[at..], m.Body);
            length += at;
        }
        return length;
    }

    // The text's UTF-8 after its length in bytes.
    private static int Text(Span<byte> span, string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        var head = Varint(span, bytes);
        return head + Encoding.UTF8.GetBytes(text, span[head..]);
    }

    private static int Varint(Span<byte> span, int value)
    {
        var at = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            span[at++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[at++] = (byte)v;
        return at;
    }

    private static int ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        var value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = span[at++];
            value |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    /// <summary>One message of a batch row, its parts still in the row's bytes.</summary>
    public readonly struct Entry
    {
        public int Position { get; init; }

        public long SentAt { get; init; }

        public long VisibleAt { get; init; }

        public ReadOnlyMemory<byte> MessageId { get; init; }

        public bool HasAttributes { get; init; }

        public ReadOnlyMemory<byte> Attributes { get; init; }

        public ReadOnlyMemory<byte> Body { get; init; }

        public long Sequence(long block) => (block << Shift) | (long)Position;
    }

    /// <summary>Reads the entry at <paramref name="at"/> and moves past it.</summary>
    public static Entry Next(byte[] data, ref int at)
    {
        var position = data[at];
        var sentAt = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(at + 1));
        var visibleAt = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(at + 9));
        at += 17;
        var idLength = ReadVarint(data, ref at);
        var id = data.AsMemory(at, idLength);
        at += idLength;
        var attributesLength = ReadVarint(data, ref at);
        var attributes = attributesLength == 0 ? default : data.AsMemory(at, attributesLength - 1);
        at += Math.Max(0, attributesLength - 1);
        var bodyLength = ReadVarint(data, ref at);
        var body = data.AsMemory(at, bodyLength);
        at += bodyLength;
        return new Entry
        {
            Position = position,
            SentAt = sentAt,
            VisibleAt = visibleAt,
            MessageId = id,
            HasAttributes = attributesLength != 0,
            Attributes = attributes,
            Body = body,
        };
    }

    /// <summary>The body of the message at <paramref name="position"/>, or null when the row has none there.</summary>
    public static string? Body(byte[] data, int position)
    {
        for (var at = 0; at < data.Length;)
        {
            var entry = Next(data, ref at);
            if (entry.Position == position)
            {
                return Encoding.UTF8.GetString(entry.Body.Span);
            }
        }
        return null;
    }

    /// <summary>The message of an entry as the index restores it (never received; its body left out when <paramref name="withBody"/> is false).</summary>
    public static StoredMessage Message(in Entry entry, long block, long queueId, long enqueuedAt, bool withBody) => new()
    {
        Sequence = entry.Sequence(block),
        QueueId = queueId,
        MessageId = Encoding.UTF8.GetString(entry.MessageId.Span),
        Body = withBody ? Encoding.UTF8.GetString(entry.Body.Span) : null!,
        Attributes = entry.HasAttributes ? entry.Attributes.ToArray() : null,
        SentAt = entry.SentAt,
        EnqueuedAt = enqueuedAt,
        VisibleAt = entry.VisibleAt,
    };
}
