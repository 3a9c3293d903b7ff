using System.Buffers;
using System.Security.Cryptography;
using Tideway.Wire.Internal;

namespace Tideway.Wire.SigV4;

/// <summary>
/// Verifies AWS Signature Version 4 (<c>AWS4-HMAC-SHA256</c>) on requests as received: header
/// signatures and presigned URLs. Thread-safe; keep one per server (it caches the derived
/// signing keys, which change once a day).
/// </summary>
/// <remarks>
/// Order of checks, each with AWS's wording: credentials present (<see cref="SigV4Status.MissingAuthentication"/>),
/// well formed (<see cref="SigV4Status.IncompleteSignature"/>), access key known
/// (<see cref="SigV4Status.InvalidClientTokenId"/>), signing time readable, scope date equal to the
/// signing time's date (<see cref="SigV4Status.SignatureDoesNotMatch"/>), signing time within
/// <see cref="MaxClockSkew"/> of now or presigned URL not expired (<see cref="SigV4Status.RequestExpired"/>),
/// <c>host</c> signed, signature equal (constant-time), and a hex <c>X-Amz-Content-SHA256</c> equal
/// to the body's SHA-256.
/// </remarks>
public sealed class SigV4Verifier
{
    /// <summary>AWS's limit between the signing time and the server's clock.</summary>
    public static readonly TimeSpan DefaultMaxClockSkew = TimeSpan.FromMinutes(15);

    private const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    private readonly SigningKeyCache _keys = new();

    /// <summary>A verifier with AWS's 15-minute clock skew.</summary>
    public SigV4Verifier()
        : this(DefaultMaxClockSkew)
    {
    }

    /// <summary>A verifier that accepts signing times within <paramref name="maxClockSkew"/> of now.</summary>
    public SigV4Verifier(TimeSpan maxClockSkew)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClockSkew, TimeSpan.Zero);
        MaxClockSkew = maxClockSkew;
    }

    /// <summary>How far the signing time may be from now, either way.</summary>
    public TimeSpan MaxClockSkew { get; }

    internal int CachedKeyCount => _keys.Count;

    /// <summary>
    /// Reads the credentials, looks up the secret of their access key with <paramref name="secretLookup"/>
    /// (null: unknown key) and verifies the signature.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="rawPath">The path exactly as on the request line, still percent-encoded: ASP.NET's <c>IHttpRequestFeature.RawTarget</c> (anything from <c>?</c> on is ignored), not <c>Request.Path</c>, which is decoded.</param>
    /// <param name="rawQuery">The raw query string, with or without the leading <c>?</c>; null or empty when none.</param>
    /// <param name="headers">The request headers.</param>
    /// <param name="body">The whole request body.</param>
    /// <param name="secretLookup">Returns the secret access key of an access key id, or null when unknown.</param>
    /// <param name="now">The server's current time.</param>
    /// <param name="authorization">The credentials read, when they could be read (also on a failed verification).</param>
    public SigV4Result Verify<THeaders>(string method, string rawPath, string? rawQuery, THeaders headers, ReadOnlySpan<byte> body, Func<string, string?> secretLookup, DateTimeOffset now, out SigV4Authorization? authorization)
        where THeaders : ISigV4Headers
    {
        ArgumentNullException.ThrowIfNull(secretLookup);
        if (!SigV4Authorization.TryRead(headers, rawQuery, out authorization, out var failure))
        {
            return failure;
        }

        var secret = secretLookup(authorization.AccessKeyId);
        if (secret is null)
        {
            return SigV4Result.Fail(SigV4Status.InvalidClientTokenId, CommonErrors.InvalidClientTokenId.Message);
        }

        return Verify(authorization, method, rawPath, rawQuery, headers, body, secret, now);
    }

    /// <summary>Verifies credentials already read with <see cref="SigV4Authorization.TryRead"/>, given the secret of their access key.</summary>
    public SigV4Result Verify<THeaders>(SigV4Authorization authorization, string method, string rawPath, string? rawQuery, THeaders headers, ReadOnlySpan<byte> body, string secretAccessKey, DateTimeOffset now)
        where THeaders : ISigV4Headers
    {
        ArgumentNullException.ThrowIfNull(authorization);
        var contentSha256 = headers.GetHeader("x-amz-content-sha256");
        Span<byte> bodyHash = stackalloc byte[SHA256.HashSizeInBytes];
        var hashed = NeedsBodyHash(contentSha256);
        if (hashed)
        {
            SHA256.HashData(body, bodyHash);
        }

        return VerifyCore(authorization, method, rawPath, rawQuery, headers, hashed ? bodyHash : default, contentSha256, secretAccessKey, now);
    }

    /// <summary>As <see cref="Verify{THeaders}(SigV4Authorization, string, string, string?, THeaders, ReadOnlySpan{byte}, string, DateTimeOffset)"/>, over a body in segments (a pipe's buffer).</summary>
    public SigV4Result Verify<THeaders>(SigV4Authorization authorization, string method, string rawPath, string? rawQuery, THeaders headers, in ReadOnlySequence<byte> body, string secretAccessKey, DateTimeOffset now)
        where THeaders : ISigV4Headers
    {
        if (body.IsSingleSegment)
        {
            return Verify(authorization, method, rawPath, rawQuery, headers, body.FirstSpan, secretAccessKey, now);
        }

        ArgumentNullException.ThrowIfNull(authorization);
        var contentSha256 = headers.GetHeader("x-amz-content-sha256");
        Span<byte> bodyHash = stackalloc byte[SHA256.HashSizeInBytes];
        var hashed = NeedsBodyHash(contentSha256);
        if (hashed)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var segment in body)
            {
                hash.AppendData(segment.Span);
            }

            hash.GetHashAndReset(bodyHash);
        }

        return VerifyCore(authorization, method, rawPath, rawQuery, headers, hashed ? bodyHash : default, contentSha256, secretAccessKey, now);
    }

    private static bool NeedsBodyHash(string? contentSha256) => contentSha256 is null || contentSha256.Length == 2 * SHA256.HashSizeInBytes;

    private SigV4Result VerifyCore<THeaders>(SigV4Authorization authorization, string method, string rawPath, string? rawQuery, THeaders headers, ReadOnlySpan<byte> bodyHash, string? contentSha256, string secret, DateTimeOffset now)
        where THeaders : ISigV4Headers
    {
        if (!TryReadSigningTime(authorization, headers, out var amzDate, out var signedAt, out var failure))
        {
            return failure;
        }

        if (contentSha256 is not null && contentSha256 != UnsignedPayload && contentSha256.Length != 2 * SHA256.HashSizeInBytes)
        {
            return SigV4Result.Fail(SigV4Status.IncompleteSignature, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.");
        }

        var scope = authorization.Scope;
        if (!amzDate.AsSpan(0, 8).SequenceEqual(scope.Date))
        {
            return SigV4Result.Fail(SigV4Status.SignatureDoesNotMatch, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope.Date}' != '{amzDate[..8]}', from '{amzDate}'.");
        }

        if (!IsCurrent(authorization, amzDate, signedAt, now, out failure))
        {
            return failure;
        }

        if (Array.FindIndex(authorization.SignedHeaderArray, static n => n.Equals("host", StringComparison.OrdinalIgnoreCase)) < 0)
        {
            return SigV4Result.Fail(SigV4Status.IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }

        Span<char> bodyHashHex = stackalloc char[2 * SHA256.HashSizeInBytes];
        scoped ReadOnlySpan<char> payloadHash;
        if (contentSha256 is not null)
        {
            payloadHash = contentSha256;
        }
        else
        {
            _ = Convert.TryToHexStringLower(bodyHash, bodyHashHex, out _);
            payloadHash = bodyHashHex;
        }

        Span<byte> computed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeSignature(authorization, method, rawPath, rawQuery, headers, payloadHash, amzDate, secret, computed);

        Span<byte> provided = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!Hex.TryDecode(authorization.Signature, provided) || !CryptographicOperations.FixedTimeEquals(computed, provided))
        {
            return SigV4Result.Fail(SigV4Status.SignatureDoesNotMatch, CommonErrors.SignatureDoesNotMatch.Message);
        }

        if (contentSha256 is not null && !bodyHash.IsEmpty)
        {
            Span<byte> claimed = stackalloc byte[SHA256.HashSizeInBytes];
            if (!Hex.TryDecode(contentSha256, claimed) || !claimed.SequenceEqual(bodyHash))
            {
                return SigV4Result.Fail(SigV4Status.SignatureDoesNotMatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            }
        }

        return SigV4Result.Ok;
    }

    private void ComputeSignature<THeaders>(SigV4Authorization authorization, string method, string rawPath, string? rawQuery, THeaders headers, ReadOnlySpan<char> payloadHash, string amzDate, string secret, Span<byte> signature)
        where THeaders : ISigV4Headers
    {
        Span<byte> canonicalHash = stackalloc byte[SHA256.HashSizeInBytes];
        var canonical = new ByteBuilder(stackalloc byte[1024]);
        try
        {
            SigV4Canonical.AppendCanonicalRequest(ref canonical, method, rawPath, rawQuery, headers, authorization, payloadHash);
            SHA256.HashData(canonical.Written, canonicalHash);
        }
        finally
        {
            canonical.Dispose();
        }

        var scope = authorization.Scope;
        var stringToSign = new ByteBuilder(stackalloc byte[256]);
        try
        {
            stringToSign.Append("AWS4-HMAC-SHA256\n"u8);
            stringToSign.AppendUtf8(amzDate);
            stringToSign.Append((byte)'\n');
            stringToSign.AppendUtf8(scope.Date);
            stringToSign.Append((byte)'/');
            stringToSign.AppendUtf8(scope.Region);
            stringToSign.Append((byte)'/');
            stringToSign.AppendUtf8(scope.Service);
            stringToSign.Append("/aws4_request\n"u8);
            Hex.EncodeLower(canonicalHash, stringToSign.AppendSpan(2 * SHA256.HashSizeInBytes));
            var key = _keys.Get(secret, scope.Date, scope.Region, scope.Service);
            HMACSHA256.HashData(key, stringToSign.Written, signature);
        }
        finally
        {
            stringToSign.Dispose();
        }
    }

    private static bool TryReadSigningTime<THeaders>(SigV4Authorization authorization, THeaders headers, out string amzDate, out DateTimeOffset signedAt, out SigV4Result failure)
        where THeaders : ISigV4Headers
    {
        signedAt = default;
        failure = SigV4Result.Ok;
        var value = authorization.IsPresigned ? authorization.AmzDate : headers.GetHeader("x-amz-date");
        if (value is not null)
        {
            amzDate = value;
            if (SigV4Time.TryParseAmzDate(value, out signedAt))
            {
                return true;
            }

            failure = SigV4Result.Fail(SigV4Status.IncompleteSignature, $"Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601");
            return false;
        }

        var date = headers.GetHeader("date");
        if (date is null)
        {
            amzDate = string.Empty;
            failure = SigV4Result.Fail(SigV4Status.IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
            return false;
        }

        if (!SigV4Time.TryParseHttpDate(date, out signedAt))
        {
            amzDate = string.Empty;
            failure = SigV4Result.Fail(SigV4Status.IncompleteSignature, $"Date header '{date}' is not an RFC 1123 date.");
            return false;
        }

        amzDate = SigV4Time.Format(signedAt);
        return true;
    }

    private bool IsCurrent(SigV4Authorization authorization, string amzDate, DateTimeOffset signedAt, DateTimeOffset now, out SigV4Result failure)
    {
        failure = SigV4Result.Ok;
        if (signedAt > now + MaxClockSkew)
        {
            failure = SigV4Result.Fail(SigV4Status.RequestExpired, $"Signature not yet current: {amzDate} is still later than {SigV4Time.Format(now + MaxClockSkew)} ({SigV4Time.Format(now)} + {SkewMinutes()} min.)");
            return false;
        }

        if (authorization.Expires is { } expires)
        {
            if (now > signedAt.AddSeconds(expires))
            {
                failure = SigV4Result.Fail(SigV4Status.RequestExpired, $"Request has expired: X-Amz-Date {amzDate} plus X-Amz-Expires {expires} s is earlier than {SigV4Time.Format(now)}.");
                return false;
            }

            return true;
        }

        if (signedAt < now - MaxClockSkew)
        {
            failure = SigV4Result.Fail(SigV4Status.RequestExpired, $"Signature expired: {amzDate} is now earlier than {SigV4Time.Format(now - MaxClockSkew)} ({SigV4Time.Format(now)} - {SkewMinutes()} min.)");
            return false;
        }

        return true;
    }

    private string SkewMinutes() => MaxClockSkew.TotalMinutes.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
