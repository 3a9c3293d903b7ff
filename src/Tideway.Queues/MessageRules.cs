using System.Globalization;
using System.Text;
using Tideway.Primitives;

namespace Tideway.Queues;

/// <summary>SQS's rules for message bodies, message attributes, batch entry ids and names.</summary>
public static class MessageRules
{
    /// <summary>The characters SQS allows in bodies and attribute values, as its error messages print them.</summary>
    public const string AllowedCharacters = "#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]";

    /// <summary>Returns the first character of <paramref name="text"/> SQS does not allow, or -1.</summary>
    public static int FirstInvalidCharacter(string text)
    {
        // Most characters are in #x20-#xD7FF: a vectorized scan skips to the next one outside it, which the rules
        // then decide on (a line break or an emoji does not end the fast scan for the rest of the body).
        var span = text.AsSpan();
        var i = 0;
        while (true)
        {
            var next = span[i..].IndexOfAnyExceptInRange((char)0x20, (char)0xD7FF);
            if (next < 0)
            {
                return -1;
            }
            i += next;
            var c = span[i];
            if (c is '\t' or '\n' or '\r' || (c >= 0xE000 && c <= 0xFFFD))
            {
                i++;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i += 2;
            }
            else
            {
                return c;
            }
        }
    }

    /// <summary>Validates a message body (not its size).</summary>
    public static void ValidateBody(string body)
    {
        if (body.Length == 0)
        {
            throw new ServiceException("MissingParameter", "The request must contain the parameter MessageBody.");
        }
        var invalid = FirstInvalidCharacter(body);
        if (invalid >= 0)
        {
            throw new ServiceException("InvalidMessageContents",
                $"Invalid binary character '#x{invalid:X}' was found in the message body, the set of allowed characters is {AllowedCharacters}.");
        }
    }

    /// <summary>Validates message attributes and returns their size as SQS counts it (name + type + value bytes).</summary>
    public static int ValidateAttributes(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, bool system)
    {
        if (attributes is null)
        {
            return 0;
        }
        if (!system && attributes.Count > 10)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Number of message attributes [{attributes.Count.ToString(CultureInfo.InvariantCulture)}] exceeds the allowed maximum [10].");
        }
        var size = 0;
        foreach (var (name, value) in attributes)
        {
            if (system)
            {
                if (name != "AWSTraceHeader")
                {
                    throw new ServiceException("InvalidParameterValue", $"Message system attribute name '{name}' is invalid.");
                }
                if (value.DataType != "String")
                {
                    throw new ServiceException("InvalidParameterValue", $"Message system attribute '{name}' has an invalid data type '{value.DataType}'.");
                }
            }
            else
            {
                ValidateAttributeName(name);
            }
            ValidateDataType(name, value.DataType);
            var kind = value.DataType.Split('.', 2)[0];
            if (kind == "Binary")
            {
                if (value.BinaryValue is null || value.BinaryValue.Length == 0)
                {
                    throw new ServiceException("InvalidParameterValue", $"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.");
                }
                size += value.BinaryValue.Length;
            }
            else
            {
                if (string.IsNullOrEmpty(value.StringValue))
                {
                    throw new ServiceException("InvalidParameterValue", $"Message (user) attribute '{name}' must contain a non-empty value of type '{kind}'.");
                }
                if (kind == "Number" && !IsValidNumber(value.StringValue))
                {
                    throw new ServiceException("InvalidParameterValue", $"Can't cast the value of message (user) attribute '{name}' to a number.");
                }
                var invalid = FirstInvalidCharacter(value.StringValue);
                if (invalid >= 0)
                {
                    throw new ServiceException("InvalidParameterValue",
                        $"Message (user) attribute '{name}' contains an invalid character '#x{invalid:X}'; the set of allowed characters is {AllowedCharacters}");
                }
                size += Encoding.UTF8.GetByteCount(value.StringValue);
            }
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value.DataType);
        }
        return size;
    }

    private static void ValidateAttributeName(string name)
    {
        var valid = name.Length is > 0 and <= 256 && name[0] != '.' && name[^1] != '.'
            && !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase)
            && !name.Contains("..", StringComparison.Ordinal);
        if (valid)
        {
            foreach (var c in name)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    valid = false;
                    break;
                }
            }
        }
        if (!valid)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Message (user) attribute name '{name}' is invalid. The attribute name can contain alphanumeric characters, hyphens (-), underscores (_), and periods (.); must be 1 to 256 characters long; can't start or end with a period, contain two periods in a row, or start with 'AWS.' or 'Amazon.'.");
        }
    }

    private static void ValidateDataType(string name, string dataType)
    {
        var kind = dataType.Split('.', 2)[0];
        if (dataType.Length > 256 || kind is not ("String" or "Number" or "Binary") || dataType.EndsWith('.'))
        {
            throw new ServiceException("InvalidParameterValue",
                $"The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
        }
    }

    private static bool IsValidNumber(string value) =>
        decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        || (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && Math.Abs(d) <= 1e126);

    /// <summary>True for a valid batch entry id: 1–80 characters of letters, digits, hyphens and underscores.</summary>
    public static bool IsValidBatchEntryId(string id)
    {
        if (id.Length is 0 or > 80)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True for a valid queue name: 1–80 letters, digits, hyphens, underscores; FIFO names end in <c>.fifo</c>.</summary>
    public static bool IsValidQueueName(string name)
    {
        var bare = name.EndsWith(".fifo", StringComparison.Ordinal) ? name[..^5] : name;
        if (name.Length is 0 or > 80 || bare.Length == 0)
        {
            return false;
        }
        foreach (var c in bare)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True for a valid FIFO message group or deduplication id: 1–128 characters of ASCII punctuation, letters and digits.</summary>
    public static bool IsValidFifoId(string value)
    {
        if (value.Length is 0 or > 128)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c < 0x21 || c > 0x7E)
            {
                return false;
            }
        }
        return true;
    }
}
