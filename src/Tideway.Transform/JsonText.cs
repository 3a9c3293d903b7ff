using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tideway.Transform;

/// <summary>Writes JSON text into a buffer: compact copies, copies without string quotes, escaped strings.</summary>
internal static class JsonText
{
    public static void Write(IBufferWriter<byte> destination, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        bytes.CopyTo(destination.GetSpan(bytes.Length));
        destination.Advance(bytes.Length);
    }

    public static void Write(IBufferWriter<byte> destination, byte value)
    {
        destination.GetSpan(1)[0] = value;
        destination.Advance(1);
    }

    /// <summary>
    /// Copies valid JSON without the whitespace between tokens. With <paramref name="dropQuotes"/>,
    /// the double quotes that open and close strings are left out too (escapes inside strings are
    /// kept), which is how EventBridge writes an object or array into a string template:
    /// <c>{"a":"b"}</c> becomes <c>{a:b}</c>.
    /// </summary>
    public static void CopyCompact(IBufferWriter<byte> destination, ReadOnlySpan<byte> json, bool dropQuotes)
    {
        var output = destination.GetSpan(json.Length);
        var written = 0;
        var inString = false;
        var escaped = false;
        foreach (var b in json)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                    if (dropQuotes)
                    {
                        continue;
                    }
                }

                output[written++] = b;
                continue;
            }

            switch (b)
            {
                case (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r':
                    continue;
                case (byte)'"':
                    inString = true;
                    if (dropQuotes)
                    {
                        continue;
                    }

                    break;
            }

            output[written++] = b;
        }

        destination.Advance(written);
    }

    /// <summary>Writes text as the content of a JSON string, escaped, with or without the quotes around it.</summary>
    public static void WriteString(IBufferWriter<byte> destination, string value, bool withQuotes)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> utf8 = maxBytes <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(value, utf8);
            WriteEscaped(destination, utf8[..length], withQuotes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes UTF-8 text as the content of a JSON string: quote, backslash and control characters escaped.</summary>
    public static void WriteEscaped(IBufferWriter<byte> destination, ReadOnlySpan<byte> utf8, bool withQuotes)
    {
        // Six bytes is the longest escape (\u001f); a control character is rare, so size for the common case first.
        var output = destination.GetSpan((utf8.Length * 6) + 2);
        var written = 0;
        if (withQuotes)
        {
            output[written++] = (byte)'"';
        }

        foreach (var b in utf8)
        {
            if (b >= 0x20 && b != (byte)'"' && b != (byte)'\\')
            {
                output[written++] = b;
                continue;
            }

            output[written++] = (byte)'\\';
            switch (b)
            {
                case (byte)'"' or (byte)'\\':
                    output[written++] = b;
                    break;
                case (byte)'\n':
                    output[written++] = (byte)'n';
                    break;
                case (byte)'\r':
                    output[written++] = (byte)'r';
                    break;
                case (byte)'\t':
                    output[written++] = (byte)'t';
                    break;
                case (byte)'\b':
                    output[written++] = (byte)'b';
                    break;
                case (byte)'\f':
                    output[written++] = (byte)'f';
                    break;
                default:
                    output[written++] = (byte)'u';
                    output[written++] = (byte)'0';
                    output[written++] = (byte)'0';
                    output[written++] = HexDigit(b >> 4);
                    output[written++] = HexDigit(b & 0xF);
                    break;
            }
        }

        if (withQuotes)
        {
            output[written++] = (byte)'"';
        }

        destination.Advance(written);
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'a' + value - 10);

    /// <summary>Whether UTF-8 text is exactly one JSON value (whitespace around it allowed).</summary>
    public static bool IsOneJsonValue(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 1024 });
            var any = false;
            while (reader.Read())
            {
                any = true;
            }

            return any;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
