using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tideway.Wire.Json;

/// <summary>
/// Error bodies of the JSON protocols: awsJson's <c>{"__type":"…","message":"…"}</c> and restJson's
/// <c>{"Type":"User","message":"…"}</c> (with the type in the <c>X-Amzn-ErrorType</c> header).
/// </summary>
/// <remarks>
/// The <c>__type</c> prefix is per service: SQS sends <c>com.amazonaws.sqs#QueueDoesNotExist</c>
/// (<see cref="SqsTypePrefix"/>) plus the <c>x-amzn-query-error</c> header
/// (<see cref="AwsError.QueryErrorHeaderValue"/>) that awsQuery-compatible clients read; CloudWatch
/// Logs and EventBridge send the bare shape name (<c>ResourceNotFoundException</c>).
/// </remarks>
public static class AwsJsonError
{
    /// <summary>The <c>__type</c> prefix of SQS's JSON errors.</summary>
    public const string SqsTypePrefix = "com.amazonaws.sqs#";

    /// <summary>The header through which an awsQuery-compatible JSON service (SQS) sends the query code and fault.</summary>
    public const string QueryErrorHeaderName = "x-amzn-query-error";

    /// <summary>The header through which a restJson service (Lambda) sends the error type.</summary>
    public const string ErrorTypeHeaderName = "X-Amzn-ErrorType";

    /// <summary>Content type of awsJson 1.0 (SQS).</summary>
    public const string AwsJson10ContentType = "application/x-amz-json-1.0";

    /// <summary>Content type of awsJson 1.1 (Logs, EventBridge).</summary>
    public const string AwsJson11ContentType = "application/x-amz-json-1.1";

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Writes <c>{"__type":"{typePrefix}{Code}","message":"{Message}"}</c>.</summary>
    public static void Write(IBufferWriter<byte> output, AwsError error, string? typePrefix = null)
    {
        using var writer = new Utf8JsonWriter(output, Options);
        Write(writer, error, typePrefix);
    }

    /// <summary>Writes the awsJson error object with <paramref name="writer"/> (and flushes it).</summary>
    public static void Write(Utf8JsonWriter writer, AwsError error, string? typePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        writer.WritePropertyName("__type"u8);
        if (string.IsNullOrEmpty(typePrefix))
        {
            writer.WriteStringValue(error.Code);
        }
        else
        {
            writer.WriteStringValue(string.Concat(typePrefix, error.Code));
        }

        writer.WriteString("message"u8, error.Message);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>
    /// Writes restJson's <c>{"Type":"User","message":"…"}</c> (<c>Service</c> for a receiver fault), as
    /// Lambda sends it; send <see cref="AwsError.Code"/> in <see cref="ErrorTypeHeaderName"/>.
    /// </summary>
    public static void WriteRestJson(IBufferWriter<byte> output, AwsError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var writer = new Utf8JsonWriter(output, Options);
        writer.WriteStartObject();
        writer.WriteString("Type"u8, error.Fault == AwsFault.Sender ? "User" : "Service");
        writer.WriteString("message"u8, error.Message);
        writer.WriteEndObject();
        writer.Flush();
    }
}
