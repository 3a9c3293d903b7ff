using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Tideway.Wire.AwsQuery;

/// <summary>
/// Writes awsQuery XML responses straight to UTF-8 bytes: no DOM, no declaration on success
/// documents (as SQS sends them), text escaped so that it parses back to the same string.
/// </summary>
/// <remarks>
/// A success document: <see cref="WriteStartResponse"/>, elements, <see cref="WriteEndResponse"/>:
/// <c>&lt;SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"&gt;&lt;SendMessageResult&gt;…&lt;/SendMessageResult&gt;&lt;ResponseMetadata&gt;&lt;RequestId&gt;…&lt;/RequestId&gt;&lt;/ResponseMetadata&gt;&lt;/SendMessageResponse&gt;</c>.
/// Element names are written as given (they are AWS's constant names). Text escaping: <c>&amp;</c>,
/// <c>&lt;</c>, <c>&gt;</c> as entities and <c>\r</c> as <c>&amp;#xD;</c> (an XML parser turns a
/// literal CR or CRLF into LF); characters XML 1.0 forbids are not checked here (SQS rejects
/// them in message bodies and attributes before they are stored).
/// </remarks>
/// <param name="output">Where the bytes go.</param>
public readonly struct AwsQueryXmlWriter(IBufferWriter<byte> output)
{
    /// <summary>The XML namespace of SQS's 2012-11-05 API.</summary>
    public const string SqsNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");
    private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<>\r\"\n\t");

    private readonly IBufferWriter<byte> _output = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>Writes <c>&lt;{action}Response xmlns="…"&gt;&lt;{action}Result&gt;</c>.</summary>
    public void WriteStartResponse(string action, string xmlNamespace = SqsNamespace)
    {
        WriteStartResponseElement(action, xmlNamespace);
        WriteRaw("<"u8);
        WriteName(action);
        WriteRaw("Result>"u8);
    }

    /// <summary>Writes <c>&lt;/{action}Result&gt;&lt;ResponseMetadata&gt;&lt;RequestId&gt;…&lt;/RequestId&gt;&lt;/ResponseMetadata&gt;&lt;/{action}Response&gt;</c>.</summary>
    public void WriteEndResponse(string action, string requestId)
    {
        WriteRaw("</"u8);
        WriteName(action);
        WriteRaw("Result>"u8);
        WriteResponseMetadataAndEnd(action, requestId);
    }

    /// <summary>
    /// Writes a whole response that has no result element, as SQS answers DeleteMessage, DeleteQueue,
    /// PurgeQueue, SetQueueAttributes, ChangeMessageVisibility, TagQueue…:
    /// <c>&lt;{action}Response xmlns="…"&gt;&lt;ResponseMetadata&gt;…&lt;/ResponseMetadata&gt;&lt;/{action}Response&gt;</c>.
    /// </summary>
    public void WriteEmptyResponse(string action, string requestId, string xmlNamespace = SqsNamespace)
    {
        WriteStartResponseElement(action, xmlNamespace);
        WriteResponseMetadataAndEnd(action, requestId);
    }

    /// <summary>Writes <c>&lt;{name}&gt;</c>.</summary>
    public void WriteStartElement(string name)
    {
        WriteRaw("<"u8);
        WriteName(name);
        WriteRaw(">"u8);
    }

    /// <summary>Writes <c>&lt;/{name}&gt;</c>.</summary>
    public void WriteEndElement(string name)
    {
        WriteRaw("</"u8);
        WriteName(name);
        WriteRaw(">"u8);
    }

    /// <summary>Writes <c>&lt;{name}&gt;escaped value&lt;/{name}&gt;</c>; nothing at all when <paramref name="value"/> is null.</summary>
    public void WriteElement(string name, string? value)
    {
        if (value is not null)
        {
            WriteElement(name, value.AsSpan());
        }
    }

    /// <summary>Writes <c>&lt;{name}&gt;escaped value&lt;/{name}&gt;</c>.</summary>
    public void WriteElement(string name, ReadOnlySpan<char> value)
    {
        WriteStartElement(name);
        WriteText(value);
        WriteEndElement(name);
    }

    /// <summary>Writes <c>&lt;{name}&gt;123&lt;/{name}&gt;</c>.</summary>
    public void WriteElement(string name, long value)
    {
        WriteStartElement(name);
        var span = _output.GetSpan(20);
        _ = Utf8Formatter.TryFormat(value, span, out var written);
        _output.Advance(written);
        WriteEndElement(name);
    }

    /// <summary>Writes <c>&lt;{name}&gt;true&lt;/{name}&gt;</c> or <c>false</c>.</summary>
    public void WriteElement(string name, bool value)
    {
        WriteStartElement(name);
        WriteRaw(value ? "true"u8 : "false"u8);
        WriteEndElement(name);
    }

    /// <summary>Writes text content, escaped.</summary>
    public void WriteText(ReadOnlySpan<char> text) => WriteEscaped(text, TextSpecials);

    /// <summary>
    /// Writes the awsQuery error document, byte for byte as SQS sends it:
    /// <c>&lt;?xml version="1.0"?&gt;&lt;ErrorResponse xmlns="…"&gt;&lt;Error&gt;&lt;Type&gt;Sender&lt;/Type&gt;&lt;Code&gt;…&lt;/Code&gt;&lt;Message&gt;…&lt;/Message&gt;&lt;Detail/&gt;&lt;/Error&gt;&lt;RequestId&gt;…&lt;/RequestId&gt;&lt;/ErrorResponse&gt;</c>,
    /// with <see cref="AwsError.QueryCode"/> as the code.
    /// </summary>
    public void WriteErrorResponse(AwsError error, string requestId, string xmlNamespace = SqsNamespace)
    {
        ArgumentNullException.ThrowIfNull(error);
        WriteErrorResponse(error.FaultName, error.QueryCode, error.Message, requestId, xmlNamespace);
    }

    /// <summary>Writes the awsQuery error document from its parts (see <see cref="WriteErrorResponse(AwsError, string, string)"/>).</summary>
    public void WriteErrorResponse(string type, string code, string message, string requestId, string xmlNamespace = SqsNamespace)
    {
        WriteRaw("<?xml version=\"1.0\"?><ErrorResponse xmlns=\""u8);
        WriteEscaped(xmlNamespace, AttributeSpecials);
        WriteRaw("\"><Error>"u8);
        WriteElement("Type", type);
        WriteElement("Code", code);
        WriteElement("Message", message);
        WriteRaw("<Detail/></Error>"u8);
        WriteElement("RequestId", requestId);
        WriteRaw("</ErrorResponse>"u8);
    }

    private void WriteStartResponseElement(string action, string xmlNamespace)
    {
        WriteRaw("<"u8);
        WriteName(action);
        WriteRaw("Response xmlns=\""u8);
        WriteEscaped(xmlNamespace, AttributeSpecials);
        WriteRaw("\">"u8);
    }

    private void WriteResponseMetadataAndEnd(string action, string requestId)
    {
        WriteRaw("<ResponseMetadata>"u8);
        WriteElement("RequestId", requestId);
        WriteRaw("</ResponseMetadata></"u8);
        WriteName(action);
        WriteRaw("Response>"u8);
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    private void WriteName(string name) => WriteUtf8(name);

    private void WriteEscaped(ReadOnlySpan<char> text, SearchValues<char> specials)
    {
        while (!text.IsEmpty)
        {
            var special = text.IndexOfAny(specials);
            if (special < 0)
            {
                WriteUtf8(text);
                return;
            }

            WriteUtf8(text[..special]);
            WriteRaw(text[special] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '\r' => "&#xD;"u8,
                '\n' => "&#xA;"u8,
                '\t' => "&#x9;"u8,
                _ => "&quot;"u8,
            });
            text = text[(special + 1)..];
        }
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        // Chunked so that a large message body never asks the writer for one huge span.
        while (!text.IsEmpty)
        {
            var chunk = text.Length > 4096 ? text[..4096] : text;
            if (char.IsHighSurrogate(chunk[^1]) && chunk.Length < text.Length)
            {
                chunk = chunk[..^1];
            }

            var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            var written = Encoding.UTF8.GetBytes(chunk, span);
            _output.Advance(written);
            text = text[chunk.Length..];
        }
    }
}
