using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Tideway.Storage;

namespace Tideway.Logs;

/// <summary>
/// Paging tokens and ids. A position in a group's event order is (timestamp, sequence); it is written as 40
/// digits that sort like the position (each number offset by 2^63 and zero-padded to 20 digits).
/// </summary>
internal static class LogTokens
{
    /// <summary>The position before every event.</summary>
    public const long Min = long.MinValue;

    private const ulong SignBit = 0x8000_0000_0000_0000UL;
    private const int PositionLength = 40;

    public static string Position(long timestamp, long sequence) => Digits(timestamp) + Digits(sequence);

    /// <summary>GetLogEvents forward token: events after the position.</summary>
    public static string Forward(long timestamp, long sequence) => "f/" + Position(timestamp, sequence);

    /// <summary>GetLogEvents backward token: events before the position.</summary>
    public static string Backward(long timestamp, long sequence) => "b/" + Position(timestamp, sequence);

    /// <summary>FilterLogEvents token: the search goes on after the position.</summary>
    public static string FilterNext(long timestamp, long sequence) => "n/" + Position(timestamp, sequence);

    /// <summary>The FilteredLogEvent id: the event's position, so the same event always has the same id.</summary>
    public static string EventId(LogEventRecord e) => Position(e.Timestamp, e.Sequence);

    /// <summary>Parses <c>f/...</c> or <c>b/...</c>.</summary>
    public static bool TryParseGetLogEvents(string token, out bool forward, out long timestamp, out long sequence)
    {
        forward = token.StartsWith("f/", StringComparison.Ordinal);
        if (!forward && !token.StartsWith("b/", StringComparison.Ordinal))
        {
            timestamp = sequence = 0;
            return false;
        }
        return TryParsePosition(token.AsSpan(2), out timestamp, out sequence);
    }

    public static bool TryParseFilterNext(string token, out long timestamp, out long sequence)
    {
        if (!token.StartsWith("n/", StringComparison.Ordinal))
        {
            timestamp = sequence = 0;
            return false;
        }
        return TryParsePosition(token.AsSpan(2), out timestamp, out sequence);
    }

    /// <summary>DescribeLogGroups token: the groups after this name.</summary>
    public static string Groups(string lastName) => "g/" + EncodeText(lastName);

    public static bool TryParseGroups(string token, out string lastName)
    {
        lastName = string.Empty;
        return token.StartsWith("g/", StringComparison.Ordinal) && TryDecodeBase64Url(token[2..], out lastName);
    }

    /// <summary>DescribeLogStreams token: the streams after this (order key, name).</summary>
    public static string Streams(long key, string lastName) =>
        "s/" + EncodeText(key.ToString(CultureInfo.InvariantCulture) + ":" + lastName);

    public static bool TryParseStreams(string token, out long key, out string lastName)
    {
        key = 0;
        lastName = string.Empty;
        if (!token.StartsWith("s/", StringComparison.Ordinal) || !TryDecodeBase64Url(token[2..], out var text))
        {
            return false;
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out key))
        {
            return false;
        }
        lastName = text[(colon + 1)..];
        return lastName.Length > 0;
    }

    /// <summary>The deprecated sequence token of a stream: digits derived from its last upload, or null before the first.</summary>
    public static string? SequenceToken(LogStreamRecord stream) =>
        stream.LastIngestionTime is { } last ? "4963" + Digits(last) + stream.StoredBytes.ToString("D20", CultureInfo.InvariantCulture) : null;

    private static string Digits(long value) => ((ulong)value ^ SignBit).ToString("D20", CultureInfo.InvariantCulture);

    private static bool TryParsePosition(ReadOnlySpan<char> text, out long timestamp, out long sequence)
    {
        timestamp = sequence = 0;
        if (text.Length != PositionLength
            || !ulong.TryParse(text[..20], NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            || !ulong.TryParse(text[20..], NumberStyles.None, CultureInfo.InvariantCulture, out var s))
        {
            return false;
        }
        timestamp = (long)(t ^ SignBit);
        sequence = (long)(s ^ SignBit);
        return true;
    }

    private static string EncodeText(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static bool TryDecodeBase64Url(string text, out string decoded)
    {
        decoded = string.Empty;
        if (text.Length == 0 || !Base64Url.IsValid(text))
        {
            return false;
        }
        decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        return true;
    }
}

/// <summary>CloudWatch Logs ARNs.</summary>
public static class LogsArns
{
    /// <summary>The partition of a region: <c>aws-cn</c>, <c>aws-us-gov</c> or <c>aws</c>.</summary>
    public static string Partition(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        return region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
            : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
            : "aws";
    }

    /// <summary><c>arn:aws:logs:REGION:ACCOUNT:log-group:NAME</c> (the <c>logGroupArn</c> form, without <c>:*</c>).</summary>
    public static string LogGroup(string account, string region, string name) =>
        $"arn:{Partition(region)}:logs:{region}:{account}:log-group:{name}";

    /// <summary><c>arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM</c>.</summary>
    public static string LogStream(string account, string region, string group, string stream) =>
        LogGroup(account, region, group) + ":log-stream:" + stream;

    /// <summary>Parses a log group ARN, with or without the trailing <c>:*</c>.</summary>
    public static bool TryParseLogGroup(string arn, out string account, out string region, out string name)
    {
        ArgumentNullException.ThrowIfNull(arn);
        account = region = name = string.Empty;
        var parts = arn.Split(':');
        if (parts.Length is not (7 or 8) || parts[0] != "arn" || parts[2] != "logs" || parts[5] != "log-group"
            || parts[6].Length == 0 || (parts.Length == 8 && parts[7] != "*"))
        {
            return false;
        }
        region = parts[3];
        account = parts[4];
        name = parts[6];
        return true;
    }
}
