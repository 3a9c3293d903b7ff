using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Tideway.Queues;

namespace Tideway.Server.Sqs;

/// <summary>
/// Writes one SQS response in either protocol from the same calls: JSON members and maps for
/// awsJson1_0, flattened elements (<c>&lt;Attribute&gt;&lt;Name/&gt;&lt;Value/&gt;&lt;/Attribute&gt;</c>) for awsQuery.
/// </summary>
internal abstract class SqsOutput
{
    public abstract string ContentType { get; }

    public abstract void Scalar(string name, string? value);

    public abstract void Scalar(string name, long value);

    public abstract void Scalar(string name, bool value);

    public abstract void StringList(string jsonName, string xmlName, IEnumerable<string> values);

    public abstract void StringMap(string jsonName, string xmlName, string keyName, string valueName, IEnumerable<KeyValuePair<string, string>> values);

    public abstract void MessageAttributes(string jsonName, string xmlName, IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> values);

    /// <summary>Starts a list of structures (JSON array <paramref name="jsonName"/>; XML: nothing, items are flattened).</summary>
    public abstract void BeginItems(string jsonName);

    public abstract void EndItems();

    /// <summary>Starts one structure (JSON object; XML element <paramref name="xmlName"/>).</summary>
    public abstract void BeginItem(string xmlName);

    public abstract void EndItem();

    /// <summary>The finished response body.</summary>
    public abstract ReadOnlyMemory<byte> Finish();
}

/// <summary>
/// The awsJson response of one request. Instances are pooled (<see cref="Rent"/>, then Dispose once the response is
/// written): the writer asks its buffer for 4 KB at its first write, so a fresh buffer per response was about a fifth
/// of the bytes a SendMessageBatch allocated.
/// </summary>
internal sealed class JsonSqsOutput : SqsOutput, IDisposable
{
    private const int MaxPooled = 64;
    private const int MaxPooledBytes = 64 * 1024;
    private static readonly ConcurrentQueue<JsonSqsOutput> Pool = new();
    private static int _pooled;

    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly Utf8JsonWriter _writer;

    private JsonSqsOutput()
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    /// <summary>An output with its object opened; its <see cref="Finish"/> memory stays valid until Dispose.</summary>
    public static JsonSqsOutput Rent()
    {
        if (Pool.TryDequeue(out var output))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            output = new JsonSqsOutput();
        }
        output._writer.WriteStartObject();
        return output;
    }

    public override string ContentType => "application/x-amz-json-1.0";

    public override void Scalar(string name, string? value)
    {
        if (value is not null)
        {
            _writer.WriteString(name, value);
        }
    }

    public override void Scalar(string name, long value) => _writer.WriteNumber(name, value);

    public override void Scalar(string name, bool value) => _writer.WriteBoolean(name, value);

    public override void StringList(string jsonName, string xmlName, IEnumerable<string> values)
    {
        _writer.WriteStartArray(jsonName);
        foreach (var value in values)
        {
            _writer.WriteStringValue(value);
        }
        _writer.WriteEndArray();
    }

    public override void StringMap(string jsonName, string xmlName, string keyName, string valueName, IEnumerable<KeyValuePair<string, string>> values)
    {
        _writer.WriteStartObject(jsonName);
        foreach (var (key, value) in values)
        {
            _writer.WriteString(key, value);
        }
        _writer.WriteEndObject();
    }

    public override void MessageAttributes(string jsonName, string xmlName, IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> values)
    {
        _writer.WriteStartObject(jsonName);
        foreach (var (name, value) in values)
        {
            _writer.WriteStartObject(name);
            if (value.IsBinary)
            {
                _writer.WriteBase64String("BinaryValue", value.BinaryValue);
            }
            else
            {
                _writer.WriteString("StringValue", value.StringValue);
            }
            _writer.WriteString("DataType", value.DataType);
            _writer.WriteEndObject();
        }
        _writer.WriteEndObject();
    }

    public override void BeginItems(string jsonName) => _writer.WriteStartArray(jsonName);

    public override void EndItems() => _writer.WriteEndArray();

    public override void BeginItem(string xmlName) => _writer.WriteStartObject();

    public override void EndItem() => _writer.WriteEndObject();

    public override ReadOnlyMemory<byte> Finish()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    public void Dispose()
    {
        _writer.Reset();
        _buffer.ResetWrittenCount();
        // Large responses (a ReceiveMessage of big messages) are not kept.
        if (_buffer.Capacity <= MaxPooledBytes && Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Enqueue(this);
            return;
        }
        if (_buffer.Capacity <= MaxPooledBytes)
        {
            Interlocked.Decrement(ref _pooled);
        }
        _writer.Dispose();
    }
}

internal sealed class XmlSqsOutput : SqsOutput
{
    private const string Namespace = "http://queue.amazonaws.com/doc/2012-11-05/";
    private readonly StringBuilder _text = new(512);
    private readonly string _operation;
    private readonly string _requestId;
    private readonly bool _hasResult;

    public XmlSqsOutput(string operation, string requestId, bool hasResult)
    {
        _operation = operation;
        _requestId = requestId;
        _hasResult = hasResult;
        _text.Append('<').Append(operation).Append("Response xmlns=\"").Append(Namespace).Append("\">");
        if (hasResult)
        {
            _text.Append('<').Append(operation).Append("Result>");
        }
    }

    public override string ContentType => "text/xml";

    private void Element(string name, string value)
    {
        _text.Append('<').Append(name).Append('>');
        XmlEscape(_text, value);
        _text.Append("</").Append(name).Append('>');
    }

    public override void Scalar(string name, string? value)
    {
        if (value is not null)
        {
            Element(name, value);
        }
    }

    public override void Scalar(string name, long value) => Element(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override void Scalar(string name, bool value) => Element(name, value ? "true" : "false");

    public override void StringList(string jsonName, string xmlName, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            Element(xmlName, value);
        }
    }

    public override void StringMap(string jsonName, string xmlName, string keyName, string valueName, IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var (key, value) in values)
        {
            _text.Append('<').Append(xmlName).Append('>');
            Element(keyName, key);
            Element(valueName, value);
            _text.Append("</").Append(xmlName).Append('>');
        }
    }

    public override void MessageAttributes(string jsonName, string xmlName, IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> values)
    {
        foreach (var (name, value) in values)
        {
            _text.Append('<').Append(xmlName).Append('>');
            Element("Name", name);
            _text.Append("<Value>");
            if (value.IsBinary)
            {
                Element("BinaryValue", Convert.ToBase64String(value.BinaryValue ?? []));
            }
            else
            {
                Element("StringValue", value.StringValue ?? string.Empty);
            }
            Element("DataType", value.DataType);
            _text.Append("</Value></").Append(xmlName).Append('>');
        }
    }

    public override void BeginItems(string jsonName) { }

    public override void EndItems() { }

    private readonly Stack<string> _open = new();

    public override void BeginItem(string xmlName)
    {
        _open.Push(xmlName);
        _text.Append('<').Append(xmlName).Append('>');
    }

    public override void EndItem() => _text.Append("</").Append(_open.Pop()).Append('>');

    public override ReadOnlyMemory<byte> Finish()
    {
        if (_hasResult)
        {
            _text.Append("</").Append(_operation).Append("Result>");
        }
        _text.Append("<ResponseMetadata><RequestId>").Append(_requestId).Append("</RequestId></ResponseMetadata></").Append(_operation).Append("Response>");
        return Encoding.UTF8.GetBytes(_text.ToString());
    }

    /// <summary>Escapes text for an XML element; carriage returns are written as a reference so they survive parsing.</summary>
    public static void XmlEscape(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '&': text.Append("&amp;"); break;
                case '<': text.Append("&lt;"); break;
                case '>': text.Append("&gt;"); break;
                case '"': text.Append("&quot;"); break;
                case '\r': text.Append("&#xD;"); break;
                default: text.Append(c); break;
            }
        }
    }
}
