using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tideway.Functions;

/// <summary>What a GET of a code link answers: the zip, or an S3-style error.</summary>
/// <param name="StatusCode">200, 403 or 404.</param>
/// <param name="Zip">The package on 200.</param>
/// <param name="ErrorCode">The S3 error code otherwise (<c>AccessDenied</c>, <c>NoSuchKey</c>).</param>
/// <param name="Message">The S3 error message otherwise.</param>
public sealed record CodeDownload(int StatusCode, byte[]? Zip, string? ErrorCode, string? Message);

public sealed partial class FunctionsEngine
{
    /// <summary>The path under which GetFunction's <c>Code.Location</c> links serve packages.</summary>
    public const string CodePath = "/_tideway/code";

    /// <summary>How long a <c>Code.Location</c> link works (AWS's presigned URL: 10 minutes).</summary>
    public static readonly TimeSpan CodeLinkLifetime = TimeSpan.FromMinutes(10);

    // Links are signed with a key of this process: they stop working when the server restarts (they expire anyway).
    private readonly byte[] _codeLinkKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// A link to a package, as S3's presigned URLs work: the package's SHA-256 (hex) names it, <c>Expires</c> is
    /// in Unix seconds, and <c>Signature</c> is an HMAC of both, so that a link cannot be made for other code or
    /// made to last longer. The link needs no SigV4 (curl can fetch it).
    /// </summary>
    private string CodeLink(string endpoint, string codeSha256Base64)
    {
        var hex = HexOf(codeSha256Base64);
        var expires = _time.GetUtcNow().Add(CodeLinkLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{endpoint}{CodePath}/{hex}.zip?Expires={expires}&Signature={CodeSignature(hex, expires)}";
    }

    private string CodeSignature(string hex, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_codeLinkKey, Encoding.UTF8.GetBytes(hex + "\n" + expires)));

    /// <summary>Answers a GET of a code link: <paramref name="file"/> is the last segment of the path under <see cref="CodePath"/>.</summary>
    public CodeDownload DownloadCode(string file, string? expires, string? signature)
    {
        if (string.IsNullOrEmpty(expires) || string.IsNullOrEmpty(signature))
        {
            return new CodeDownload(403, null, "AccessDenied", "Query-string authentication requires the Signature and Expires parameters");
        }
        var hex = file.EndsWith(".zip", StringComparison.Ordinal) ? file[..^4] : file;
        var expected = Encoding.ASCII.GetBytes(CodeSignature(hex, expires));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)))
        {
            return new CodeDownload(403, null, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
        }
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var until) || _time.GetUtcNow().ToUnixTimeSeconds() > until)
        {
            return new CodeDownload(403, null, "AccessDenied", "Request has expired");
        }
        var zip = hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower) ? _store.ReadCode(hex) : null;
        return zip is null
            ? new CodeDownload(404, null, "NoSuchKey", "The specified key does not exist.")
            : new CodeDownload(200, zip, null, null);
    }
}
