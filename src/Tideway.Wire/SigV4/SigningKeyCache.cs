using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Tideway.Wire.SigV4;

/// <summary>
/// The derived signing keys (<c>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")</c>),
/// which change once a day per secret, region and service. Bounded: cleared when it outgrows
/// <see cref="MaxEntries"/> (a day change or a scan of regions), then refilled on demand.
/// </summary>
internal sealed class SigningKeyCache
{
    public const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<Key, byte[]> _keys = new();

    public int Count => _keys.Count;

    public byte[] Get(string secret, string date, string region, string service)
    {
        var key = new Key(secret, date, region, service);
        if (_keys.TryGetValue(key, out var signingKey))
        {
            return signingKey;
        }

        if (_keys.Count >= MaxEntries)
        {
            _keys.Clear();
        }

        return _keys.GetOrAdd(key, static k => Derive(k.Secret, k.Date, k.Region, k.Service));
    }

    /// <summary>Derives the signing key from scratch.</summary>
    public static byte[] Derive(string secret, string date, string region, string service)
    {
        var secretBytes = Encoding.UTF8.GetBytes("AWS4" + secret);
        Span<byte> a = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> b = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secretBytes, Encoding.UTF8.GetBytes(date), a);
        HMACSHA256.HashData(a, Encoding.UTF8.GetBytes(region), b);
        HMACSHA256.HashData(b, Encoding.UTF8.GetBytes(service), a);
        var signingKey = HMACSHA256.HashData(a, "aws4_request"u8.ToArray());
        CryptographicOperations.ZeroMemory(secretBytes);
        CryptographicOperations.ZeroMemory(a);
        CryptographicOperations.ZeroMemory(b);
        return signingKey;
    }

    private readonly record struct Key(string Secret, string Date, string Region, string Service);
}
