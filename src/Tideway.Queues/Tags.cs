using Tideway.Primitives;

namespace Tideway.Queues;

/// <summary>SQS tag limits: at most 50 tags, keys 1–128 characters, values up to 256, keys not starting with <c>aws:</c>.</summary>
internal static class Tags
{
    public static void Validate(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > 50)
        {
            throw new ServiceException("InvalidParameterValue", "Too many tags added for queue. The maximum number of tags is 50.");
        }
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new ServiceException("InvalidParameterValue", $"Tag key '{key}' is invalid: keys must be 1 to 128 characters and must not start with 'aws:'.");
            }
            if (value.Length > 256)
            {
                throw new ServiceException("InvalidParameterValue", $"Tag value for key '{key}' is invalid: values can be at most 256 characters.");
            }
        }
    }
}
