using System.Diagnostics.CodeAnalysis;

namespace Tideway.Wire.SigV4;

/// <summary>The credential scope of a signature: who signed, for which day, region and service.</summary>
/// <param name="AccessKeyId">The access key id, e.g. <c>AKIDEXAMPLE</c>.</param>
/// <param name="Date">The scope date, <c>yyyyMMdd</c>.</param>
/// <param name="Region">The region, e.g. <c>us-east-1</c>.</param>
/// <param name="Service">The signing name of the service, e.g. <c>sqs</c>, <c>logs</c>, <c>lambda</c>.</param>
public readonly record struct SigV4Scope(string AccessKeyId, string Date, string Region, string Service);

/// <summary>
/// The parsed SigV4 credentials of a request, from the <c>Authorization</c> header
/// (<c>AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=…</c>)
/// or from a presigned URL's <c>X-Amz-*</c> query parameters. Parsing never throws: the
/// <c>TryParse…</c>/<c>TryRead</c> methods return false and a <see cref="SigV4Result"/> that says why.
/// </summary>
public sealed class SigV4Authorization
{
    /// <summary>The only algorithm AWS SigV4 (not SigV4a) uses.</summary>
    public const string Algorithm = "AWS4-HMAC-SHA256";

    private const string Terminator = "aws4_request";

    private SigV4Authorization(SigV4Scope scope, string signedHeaders, string[] signedHeaderNames, string signature, bool isPresigned, string? amzDate, int? expires)
    {
        Scope = scope;
        SignedHeaders = signedHeaders;
        SignedHeaderArray = signedHeaderNames;
        Signature = signature;
        IsPresigned = isPresigned;
        AmzDate = amzDate;
        Expires = expires;
    }

    /// <summary>Access key id, scope date, region and service.</summary>
    public SigV4Scope Scope { get; }

    /// <summary>The access key id.</summary>
    public string AccessKeyId => Scope.AccessKeyId;

    /// <summary>The region of the scope (what a server without credentials namespaces resources by).</summary>
    public string Region => Scope.Region;

    /// <summary>The service of the scope.</summary>
    public string Service => Scope.Service;

    /// <summary>The signed header names as sent, <c>;</c>-separated (<c>content-type;host;x-amz-date</c>).</summary>
    public string SignedHeaders { get; }

    /// <summary>The signed header names, split.</summary>
    public IReadOnlyList<string> SignedHeaderNames => SignedHeaderArray;

    /// <summary>The signature as sent (64 lowercase hex digits when well formed).</summary>
    public string Signature { get; }

    /// <summary>True when the credentials came from the query string (a presigned URL).</summary>
    public bool IsPresigned { get; }

    /// <summary>The <c>X-Amz-Date</c> query parameter of a presigned URL (header auth: null).</summary>
    public string? AmzDate { get; }

    /// <summary>The <c>X-Amz-Expires</c> query parameter of a presigned URL, in seconds, when present.</summary>
    public int? Expires { get; }

    internal string[] SignedHeaderArray { get; }

    /// <summary>
    /// Reads the credentials of a request: the <c>Authorization</c> header when present, otherwise the
    /// presigned-URL query parameters. False with <see cref="SigV4Status.MissingAuthentication"/> when
    /// there are neither, with <see cref="SigV4Status.IncompleteSignature"/> when they are malformed.
    /// </summary>
    public static bool TryRead<THeaders>(THeaders headers, string? rawQuery, [NotNullWhen(true)] out SigV4Authorization? authorization, out SigV4Result failure)
        where THeaders : ISigV4Headers
    {
        var header = headers.GetHeader("authorization");
        if (header is not null)
        {
            return TryParseHeader(header, out authorization, out failure);
        }

        return TryParseQuery(rawQuery, out authorization, out failure);
    }

    /// <summary>
    /// Reads only the credential scope, without checking anything else: what a server that has no
    /// credentials configured uses to learn the caller's region. Lenient: an <c>Authorization</c>
    /// header needs only a well-formed <c>Credential=</c>.
    /// </summary>
    public static bool TryReadScope<THeaders>(THeaders headers, string? rawQuery, out SigV4Scope scope)
        where THeaders : ISigV4Headers
    {
        var header = headers.GetHeader("authorization");
        if (header is not null)
        {
            return TryReadHeaderScope(header, out scope);
        }

        if (TryParseQuery(rawQuery, out var authorization, out _))
        {
            scope = authorization.Scope;
            return true;
        }

        scope = default;
        return false;
    }

    /// <summary>Reads the scope from an <c>Authorization</c> header value (see <see cref="TryReadScope{THeaders}"/>).</summary>
    public static bool TryReadHeaderScope(string authorization, out SigV4Scope scope)
    {
        scope = default;
        var span = authorization.AsSpan();
        var at = span.IndexOf("Credential=", StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        var value = span[(at + "Credential=".Length)..];
        var end = value.IndexOfAny(',', ' ');
        if (end >= 0)
        {
            value = value[..end];
        }

        return TryParseCredential(value, out scope, out _);
    }

    /// <summary>Parses an <c>Authorization</c> header value.</summary>
    public static bool TryParseHeader(string authorization, [NotNullWhen(true)] out SigV4Authorization? result, out SigV4Result failure)
    {
        result = null;
        var span = authorization.AsSpan().Trim();
        var space = span.IndexOfAny(' ', '\t');
        var algorithm = space < 0 ? span : span[..space];
        if (!algorithm.SequenceEqual(Algorithm))
        {
            failure = algorithm.StartsWith("AWS4-", StringComparison.Ordinal)
                ? Incomplete($"Unsupported AWS 'algorithm': '{algorithm}'.")
                : Incomplete("Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=" + authorization);
            return false;
        }

        ReadOnlySpan<char> credential = default, signedHeaders = default, signature = default;
        bool hasCredential = false, hasSignedHeaders = false, hasSignature = false;
        var rest = space < 0 ? [] : span[space..];
        foreach (var range in rest.Split(','))
        {
            var part = rest[range].Trim();
            if (part.IsEmpty)
            {
                continue;
            }

            var eq = part.IndexOf('=');
            if (eq < 0)
            {
                failure = Incomplete($"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'.");
                return false;
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key.SequenceEqual("Credential"))
            {
                credential = value;
                hasCredential = true;
            }
            else if (key.SequenceEqual("SignedHeaders"))
            {
                signedHeaders = value;
                hasSignedHeaders = true;
            }
            else if (key.SequenceEqual("Signature"))
            {
                signature = value;
                hasSignature = true;
            }
        }

        if (!hasCredential || !hasSignedHeaders || !hasSignature)
        {
            failure = Incomplete(
                (hasCredential ? string.Empty : "Authorization header requires 'Credential' parameter. ") +
                (hasSignature ? string.Empty : "Authorization header requires 'Signature' parameter. ") +
                (hasSignedHeaders ? string.Empty : "Authorization header requires 'SignedHeaders' parameter. ") +
                "Authorization=" + authorization);
            return false;
        }

        if (!TryParseCredential(credential, out var scope, out failure) || !TryParseSignedHeaders(signedHeaders, out var names, out failure))
        {
            return false;
        }

        result = new SigV4Authorization(scope, signedHeaders.ToString(), names, signature.ToString(), isPresigned: false, amzDate: null, expires: null);
        failure = SigV4Result.Ok;
        return true;
    }

    /// <summary>
    /// Parses the <c>X-Amz-Algorithm</c>, <c>X-Amz-Credential</c>, <c>X-Amz-Date</c>,
    /// <c>X-Amz-SignedHeaders</c>, <c>X-Amz-Signature</c> and <c>X-Amz-Expires</c> parameters of a
    /// presigned URL's raw (percent-encoded) query string, with or without the leading <c>?</c>.
    /// </summary>
    public static bool TryParseQuery(string? rawQuery, [NotNullWhen(true)] out SigV4Authorization? result, out SigV4Result failure)
    {
        result = null;
        string? algorithm = null, credential = null, date = null, signedHeaders = null, signature = null, expires = null;
        var query = rawQuery.AsSpan();
        if (query.StartsWith('?'))
        {
            query = query[1..];
        }

        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            if (!key.StartsWith("X-Amz-", StringComparison.Ordinal))
            {
                continue;
            }

            var value = eq < 0 ? string.Empty : PercentDecodeLenient(pair[(eq + 1)..]);
            switch (key)
            {
                case "X-Amz-Algorithm": algorithm = value; break;
                case "X-Amz-Credential": credential = value; break;
                case "X-Amz-Date": date = value; break;
                case "X-Amz-SignedHeaders": signedHeaders = value; break;
                case "X-Amz-Signature": signature = value; break;
                case "X-Amz-Expires": expires = value; break;
                default: break;
            }
        }

        if (algorithm is null && credential is null && signature is null)
        {
            failure = SigV4Result.Fail(SigV4Status.MissingAuthentication, "Request is missing Authentication Token");
            return false;
        }

        if (algorithm is null || credential is null || signature is null || date is null || signedHeaders is null)
        {
            failure = Incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
            return false;
        }

        if (algorithm != Algorithm)
        {
            failure = Incomplete($"X-Amz-Algorithm only supports \"{Algorithm}\", not \"{algorithm}\".");
            return false;
        }

        int? expiresSeconds = null;
        if (expires is not null)
        {
            if (!int.TryParse(expires, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
            {
                failure = Incomplete("X-Amz-Expires should be a number of seconds greater than 0.");
                return false;
            }

            if (seconds > 604800)
            {
                failure = Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800.");
                return false;
            }

            expiresSeconds = seconds;
        }

        if (!TryParseCredential(credential, out var scope, out failure) || !TryParseSignedHeaders(signedHeaders, out var names, out failure))
        {
            return false;
        }

        result = new SigV4Authorization(scope, signedHeaders, names, signature, isPresigned: true, date, expiresSeconds);
        return true;
    }

    private static bool TryParseCredential(ReadOnlySpan<char> credential, out SigV4Scope scope, out SigV4Result failure)
    {
        scope = default;
        Span<Range> parts = stackalloc Range[6];
        var count = credential.Split(parts, '/');
        if (count != 5)
        {
            failure = Incomplete($"Credential '{credential}' is mal-formed; expecting \"<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request\".");
            return false;
        }

        var accessKey = credential[parts[0]];
        var date = credential[parts[1]];
        var region = credential[parts[2]];
        var service = credential[parts[3]];
        var terminator = credential[parts[4]];
        if (accessKey.IsEmpty)
        {
            failure = Incomplete($"Credential '{credential}' has no access key id.");
            return false;
        }

        if (date.Length != 8 || date.ContainsAnyExceptInRange('0', '9'))
        {
            failure = Incomplete($"Invalid credential date \"{date}\". This date is not the same as X-Amz-Date: it must be YYYYMMDD.");
            return false;
        }

        if (region.IsEmpty)
        {
            failure = Incomplete("Credential should be scoped to a valid region, not ''.");
            return false;
        }

        if (service.IsEmpty)
        {
            failure = Incomplete("Credential should be scoped to correct service: ''.");
            return false;
        }

        if (!terminator.SequenceEqual(Terminator))
        {
            failure = Incomplete($"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'.");
            return false;
        }

        scope = new SigV4Scope(accessKey.ToString(), date.ToString(), region.ToString(), service.ToString());
        failure = SigV4Result.Ok;
        return true;
    }

    private static bool TryParseSignedHeaders(ReadOnlySpan<char> signedHeaders, out string[] names, out SigV4Result failure)
    {
        names = [];
        if (signedHeaders.IsEmpty)
        {
            failure = Incomplete("SignedHeaders must name at least the 'host' header.");
            return false;
        }

        var count = signedHeaders.Count(';') + 1;
        names = new string[count];
        var i = 0;
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            if (name.IsEmpty)
            {
                failure = Incomplete($"SignedHeaders '{signedHeaders}' has an empty header name.");
                return false;
            }

            names[i++] = name.ToString();
        }

        failure = SigV4Result.Ok;
        return true;
    }

    private static SigV4Result Incomplete(string message) => SigV4Result.Fail(SigV4Status.IncompleteSignature, message);

    private static string PercentDecodeLenient(ReadOnlySpan<char> value)
    {
        // Only the short X-Amz-* values go through here; '+' is a space in a query string as
        // botocore writes it, and an invalid escape stays as it is.
        var text = value.ToString();
        return text.AsSpan().ContainsAny('%', '+') ? Uri.UnescapeDataString(text.Replace('+', ' ')) : text;
    }
}
