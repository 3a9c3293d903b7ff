using System.Globalization;

namespace Tideway.Wire.SigV4;

/// <summary>The two date formats a SigV4 request may carry its signing time in.</summary>
internal static class SigV4Time
{
    /// <summary>ISO 8601 basic format, as in <c>X-Amz-Date: 20261123T193646Z</c>.</summary>
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    private const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    public static bool TryParseAmzDate(ReadOnlySpan<char> value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, AmzDateFormat, CultureInfo.InvariantCulture, Utc, out time);

    /// <summary>
    /// Parses a <c>Date</c> header: RFC 1123 (<c>Mon, 23 Nov 2026 19:36:46 GMT</c>) or RFC 2822 with a
    /// numeric zone (<c>Mon, 23 Nov 2026 19:36:46 -0000</c>, what Python's <c>formatdate</c> writes).
    /// </summary>
    public static bool TryParseHttpDate(ReadOnlySpan<char> value, out DateTimeOffset time)
    {
        value = value.Trim();
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, Utc, out time))
        {
            return true;
        }

        var space = value.LastIndexOf(' ');
        if (space < 0)
        {
            return false;
        }

        var zone = value[(space + 1)..];
        TimeSpan offset;
        if (zone is "GMT" or "UTC" or "UT" or "Z")
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 5 && (zone[0] == '+' || zone[0] == '-') && !zone[1..].ContainsAnyExceptInRange('0', '9'))
        {
            var minutes = (((zone[1] - '0') * 10) + (zone[2] - '0')) * 60 + ((zone[3] - '0') * 10) + (zone[4] - '0');
            offset = TimeSpan.FromMinutes(zone[0] == '-' ? -minutes : minutes);
        }
        else
        {
            return false;
        }

        if (!DateTime.TryParseExact(value[..space], "ddd, d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }

        time = new DateTimeOffset(local.Ticks, TimeSpan.Zero) - offset;
        return true;
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
}
