using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tideway.Transform.Tests;

/// <summary>Builds event envelopes the way EventBridge delivers them, and the values the tests use for them.</summary>
internal static class TestEvents
{
    public const string Account = "111111111111";
    public const string Region = "us-east-1";
    public const string Time = "2024-06-11T08:33:10Z";
    public const string EventId = "0b4b5a2e-7f3c-4d1e-9a6b-2c8d0e1f3a5b";
    public const string BusName = "test-bus-5f1e2d3c";
    public const string RuleName = "test-rule-9a8b7c6d";
    public const string RuleArn = "arn:aws:events:" + Region + ":" + Account + ":rule/" + BusName + "/" + RuleName;

    public static TransformContext Context { get; } = new(RuleArn, RuleName, Time);

    /// <summary>
    /// The envelope of a PutEvents entry with no Time and no Resources, keys in EventBridge's order:
    /// version, id, detail-type, source, account, time, region, resources, detail.
    /// </summary>
    public static byte[] Envelope(string source, string detailType, JsonElement detail) =>
        Envelope(source, detailType, writer => detail.WriteTo(writer), resources: []);

    /// <summary>The envelope of an event whose detail is given as JSON text (compacted).</summary>
    public static byte[] Envelope(string detailJson, string source = "my.source", string detailType = "my.type")
    {
        using var document = JsonDocument.Parse(detailJson);
        return Envelope(source, detailType, document.RootElement);
    }

    /// <summary>The event of a scheduled rule (source aws.events, the rule's ARN as the one resource, empty detail).</summary>
    public static byte[] ScheduledEnvelope() =>
        Envelope("aws.events", "Scheduled Event", writer =>
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }, resources: [RuleArn]);

    public static string Text(byte[] utf8) => Encoding.UTF8.GetString(utf8);

    private static byte[] Envelope(string source, string detailType, Action<Utf8JsonWriter> writeDetail, string[] resources)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("version", "0");
            writer.WriteString("id", EventId);
            writer.WriteString("detail-type", detailType);
            writer.WriteString("source", source);
            writer.WriteString("account", Account);
            writer.WriteString("time", Time);
            writer.WriteString("region", Region);
            writer.WriteStartArray("resources");
            foreach (var resource in resources)
            {
                writer.WriteStringValue(resource);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("detail");
            writeDetail(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
