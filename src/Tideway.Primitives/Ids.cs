using System.Security.Cryptography;

namespace Tideway.Primitives;

/// <summary>
/// Random (version 4) identifiers for message ids, event ids and request ids. <see cref="Guid.NewGuid"/>
/// makes a system call for each one on Linux (a read of the kernel's random source); on the hot paths,
/// where a request needs up to eleven of them, that was a measurable share of the server's CPU. Here each
/// thread draws from its own buffer of cryptographically strong bytes, refilled 256 identifiers at a time.
/// </summary>
public static class Ids
{
    private const int PoolBytes = 4096;

    [ThreadStatic]
    private static byte[]? _pool;

    [ThreadStatic]
    private static int _next;

    /// <summary>A new random version 4 <see cref="Guid"/> (RFC 9562 variant).</summary>
    public static Guid NewGuid()
    {
        var pool = _pool;
        if (pool is null || _next == PoolBytes)
        {
            pool = _pool ??= new byte[PoolBytes];
            RandomNumberGenerator.Fill(pool);
            _next = 0;
        }
        var bytes = pool.AsSpan(_next, 16);
        _next += 16;
        // In Guid's byte order the version is the high nibble of byte 7 and the variant the top bits of byte 8.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    /// <summary><see cref="NewGuid"/> in its usual text form (lower-case hex with hyphens).</summary>
    public static string NewId() => NewGuid().ToString();
}
