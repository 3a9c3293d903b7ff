using System.Text.Json;
using System.Text.Unicode;

namespace Tideway.Primitives;

/// <summary>
/// Checks JSON text's strings before it is served or stored. <see cref="JsonDocument"/> accepts bytes that are not UTF-8
/// inside strings, and escapes of unpaired surrogates (<c>"\ud800"</c>), and fails only when the string is read (an
/// <see cref="InvalidOperationException"/>): every reader of a request body, or of a document kept for later, would
/// otherwise have to handle that failure.
/// </summary>
public static class JsonStrings
{
    /// <summary>
    /// Null when every string and member name of <paramref name="json"/> (already parsed as JSON) is Unicode text, else why
    /// not. The common body (valid UTF-8, no <c>\u</c> escape) costs two vectorized scans.
    /// </summary>
    public static string? InvalidText(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return "it is not valid UTF-8.";
        }
        if (json.IndexOf("\\u"u8) < 0)
        {
            return null;
        }
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            return $"the string at offset {reader.TokenStartIndex} has an escaped surrogate with no pair.";
        }
        catch (JsonException)
        {
            // Not JSON at all: the parser that follows says where.
            return null;
        }
        return null;
    }
}
