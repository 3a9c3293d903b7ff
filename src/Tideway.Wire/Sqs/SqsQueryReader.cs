using System.Diagnostics.CodeAnalysis;
using Tideway.Wire.AwsQuery;

namespace Tideway.Wire.Sqs;

/// <summary>
/// Reads the SQS-specific structures of an awsQuery form: message attributes
/// (<c>MessageAttribute.N.Name</c>, <c>MessageAttribute.N.Value.DataType</c>,
/// <c>.Value.StringValue</c>, <c>.Value.BinaryValue</c> in base64) and message system attributes
/// (<c>MessageSystemAttribute.N.*</c>, same members). Lists, maps and batch entries are read with
/// <see cref="AwsQueryForm.GetList"/>, <see cref="AwsQueryForm.TryGetMap"/> and <see cref="AwsQueryForm.GetEntries"/>:
/// <list type="bullet">
/// <item><c>AttributeName.N</c>, <c>MessageAttributeName.N</c>, <c>MessageSystemAttributeName.N</c>: <c>GetList</c>.</item>
/// <item><c>Attribute.N.Name</c>/<c>.Value</c>: <c>TryGetMap("Attribute", "Name", "Value")</c>; <c>Tag.N.Key</c>/<c>.Value</c>: <c>TryGetMap("Tag", "Key", "Value")</c>.</item>
/// <item><c>SendMessageBatchRequestEntry.N.*</c> (and the other batch entries): <c>GetEntries</c>, then this reader on each entry's members.</item>
/// </list>
/// </summary>
public static class SqsQueryReader
{
    /// <summary>The prefix of message attributes.</summary>
    public const string MessageAttributePrefix = "MessageAttribute";

    /// <summary>The prefix of message system attributes.</summary>
    public const string MessageSystemAttributePrefix = "MessageSystemAttribute";

    /// <summary>
    /// Reads the attributes under <paramref name="prefix"/>, ordered by index. Structural checks only
    /// (a name, a data type, base64 that decodes); limits and value rules are the queue engine's.
    /// </summary>
    public static bool TryReadMessageAttributes(AwsQueryForm form, string prefix, out List<SqsMessageAttribute> attributes, [NotNullWhen(false)] out AwsError? error)
    {
        ArgumentNullException.ThrowIfNull(form);
        var entries = form.GetEntries(prefix);
        attributes = new List<SqsMessageAttribute>(entries.Count);
        foreach (var entry in entries)
        {
            var members = entry.Members;
            var name = members["Name"];
            if (string.IsNullOrEmpty(name))
            {
                error = CommonErrors.MissingParameter.WithMessage($"The request must contain the parameter {prefix}.{entry.Index}.Name.");
                return false;
            }

            var dataType = members["Value.DataType"];
            if (string.IsNullOrEmpty(dataType))
            {
                error = CommonErrors.InvalidParameterValue.WithMessage($"The message attribute '{name}' must contain non-empty message attribute type.");
                return false;
            }

            var stringValue = members["Value.StringValue"];
            var base64 = members["Value.BinaryValue"];
            byte[]? binaryValue = null;
            if (base64 is not null)
            {
                var buffer = new byte[(base64.Length / 4 * 3) + 3];
                if (!Convert.TryFromBase64String(base64, buffer, out var written))
                {
                    error = CommonErrors.InvalidParameterValue.WithMessage($"The message attribute '{name}' has an invalid binary value: it is not base64.");
                    return false;
                }

                Array.Resize(ref buffer, written);
                binaryValue = buffer;
            }

            attributes.Add(new SqsMessageAttribute(name, dataType, stringValue, binaryValue));
        }

        error = null;
        return true;
    }
}
