using System.Buffers;
using System.Text;
using Tideway.Wire.Internal;

namespace Tideway.Wire.SigV4;

/// <summary>
/// Builds the SigV4 canonical request from a request as received, the way botocore and the other
/// AWS SDKs build it from the request they send:
/// <list type="bullet">
/// <item>URI: the raw (still percent-encoded) path with <c>.</c>, <c>..</c> and empty segments removed,
/// then percent-encoded again (so <c>my%20fn</c> signs as <c>my%2520fn</c>). S3 alone signs the raw path as is.</item>
/// <item>Query: each name and value decoded (<c>+</c> is a space, as botocore sends spaces) and
/// re-encoded per RFC 3986, sorted by name then value, byte order; a presigned URL's <c>X-Amz-Signature</c> left out.</item>
/// <item>Headers: the signed names in the order signed, values trimmed and inner whitespace runs collapsed to one space.</item>
/// </list>
/// </summary>
internal static class SigV4Canonical
{
    // Python's str.split() whitespace (botocore collapses with ' '.join(value.split())).
    private static readonly SearchValues<char> Whitespace = SearchValues.Create(
        " \t\n\v\f\r\u001c\u001d\u001e\u001f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000");

    public static void AppendCanonicalRequest<THeaders>(
        ref ByteBuilder builder,
        string method,
        string rawPath,
        string? rawQuery,
        THeaders headers,
        SigV4Authorization authorization,
        scoped ReadOnlySpan<char> payloadHash)
        where THeaders : ISigV4Headers
    {
        foreach (var c in method)
        {
            builder.Append((byte)char.ToUpperInvariant(c));
        }

        builder.Append((byte)'\n');
        AppendCanonicalUri(ref builder, rawPath, authorization.Service == "s3");
        builder.Append((byte)'\n');
        AppendCanonicalQuery(ref builder, rawQuery, authorization.IsPresigned);
        builder.Append((byte)'\n');
        foreach (var name in authorization.SignedHeaderArray)
        {
            builder.AppendUtf8(name);
            builder.Append((byte)':');
            AppendHeaderValue(ref builder, headers.GetHeader(name));
            builder.Append((byte)'\n');
        }

        builder.Append((byte)'\n');
        builder.AppendUtf8(authorization.SignedHeaders);
        builder.Append((byte)'\n');
        builder.AppendUtf8(payloadHash);
    }

    /// <summary>The canonical request as text (tests and diagnostics).</summary>
    public static string Build<THeaders>(string method, string rawPath, string? rawQuery, THeaders headers, SigV4Authorization authorization, string payloadHash)
        where THeaders : ISigV4Headers
    {
        var builder = new ByteBuilder(stackalloc byte[1024]);
        try
        {
            AppendCanonicalRequest(ref builder, method, rawPath, rawQuery, headers, authorization, payloadHash);
            return Encoding.UTF8.GetString(builder.Written);
        }
        finally
        {
            builder.Dispose();
        }
    }

    public static void AppendCanonicalUri(ref ByteBuilder builder, ReadOnlySpan<char> rawPath, bool s3)
    {
        var question = rawPath.IndexOf('?');
        if (question >= 0)
        {
            rawPath = rawPath[..question];
        }

        if (rawPath.IsEmpty)
        {
            builder.Append((byte)'/');
            return;
        }

        if (s3)
        {
            builder.AppendUtf8(rawPath);
            return;
        }

        // RFC 3986 5.2.4 dot-segment removal, plus dropping empty segments (botocore's remove_dot_segments).
        var max = rawPath.Count('/') + 1;
        Range[]? rented = null;
        Span<Range> segments = max <= 64 ? stackalloc Range[64] : (rented = ArrayPool<Range>.Shared.Rent(max));
        var count = 0;
        foreach (var range in rawPath.Split('/'))
        {
            var segment = rawPath[range];
            if (segment.IsEmpty || segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                if (count > 0)
                {
                    count--;
                }

                continue;
            }

            segments[count++] = range;
        }

        if (rawPath[0] == '/')
        {
            builder.Append((byte)'/');
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append((byte)'/');
            }

            UriEncoding.AppendEncoded(ref builder, rawPath[segments[i]]);
        }

        if (count > 0 && rawPath[^1] == '/')
        {
            builder.Append((byte)'/');
        }

        if (rented is not null)
        {
            ArrayPool<Range>.Shared.Return(rented);
        }
    }

    public static void AppendCanonicalQuery(ref ByteBuilder builder, ReadOnlySpan<char> rawQuery, bool presigned)
    {
        if (rawQuery.StartsWith('?'))
        {
            rawQuery = rawQuery[1..];
        }

        if (rawQuery.IsEmpty)
        {
            return;
        }

        var raw = new ByteBuilder(stackalloc byte[512]);
        var entries = ArrayPool<QueryEntry>.Shared.Rent(rawQuery.Count('&') + 1);
        byte[]? encoded = null;
        try
        {
            raw.AppendUtf8(rawQuery);
            var bytes = raw.Written;
            encoded = ArrayPool<byte>.Shared.Rent(bytes.Length * 3);
            var output = new ByteBuilder(encoded);
            var count = 0;
            foreach (var range in bytes.Split((byte)'&'))
            {
                var pair = bytes[range];
                if (pair.IsEmpty)
                {
                    continue;
                }

                var eq = pair.IndexOf((byte)'=');
                var key = eq < 0 ? pair : pair[..eq];
                if (presigned && key.SequenceEqual("X-Amz-Signature"u8))
                {
                    continue;
                }

                var keyStart = output.Length;
                UriEncoding.AppendCanonicalComponent(ref output, key);
                var valueStart = output.Length;
                if (eq >= 0)
                {
                    UriEncoding.AppendCanonicalComponent(ref output, pair[(eq + 1)..]);
                }

                entries[count++] = new QueryEntry(keyStart, valueStart - keyStart, valueStart, output.Length - valueStart);
            }

            var sorted = entries.AsSpan(0, count);
            Sort(sorted, encoded);
            for (var i = 0; i < sorted.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append((byte)'&');
                }

                builder.Append(encoded.AsSpan(sorted[i].KeyStart, sorted[i].KeyLength));
                builder.Append((byte)'=');
                builder.Append(encoded.AsSpan(sorted[i].ValueStart, sorted[i].ValueLength));
            }
        }
        finally
        {
            raw.Dispose();
            ArrayPool<QueryEntry>.Shared.Return(entries);
            if (encoded is not null)
            {
                ArrayPool<byte>.Shared.Return(encoded);
            }
        }
    }

    /// <summary>Appends a header value trimmed, with each inner run of whitespace collapsed to one space.</summary>
    public static void AppendHeaderValue(ref ByteBuilder builder, ReadOnlySpan<char> value)
    {
        var first = true;
        while (true)
        {
            var start = value.IndexOfAnyExcept(Whitespace);
            if (start < 0)
            {
                return;
            }

            value = value[start..];
            var end = value.IndexOfAny(Whitespace);
            if (!first)
            {
                builder.Append((byte)' ');
            }

            first = false;
            if (end < 0)
            {
                builder.AppendUtf8(value);
                return;
            }

            builder.AppendUtf8(value[..end]);
            value = value[end..];
        }
    }

    /// <summary>Sorts by encoded name, then encoded value, in byte order.</summary>
    private static void Sort(Span<QueryEntry> entries, byte[] buffer)
    {
        if (entries.Length > 16)
        {
            HeapSort(entries, buffer);
            return;
        }

        for (var i = 1; i < entries.Length; i++)
        {
            var current = entries[i];
            var j = i - 1;
            while (j >= 0 && Compare(buffer, entries[j], current) > 0)
            {
                entries[j + 1] = entries[j];
                j--;
            }

            entries[j + 1] = current;
        }
    }

    /// <summary>In place, O(n log n), no allocation (Span.Sort would wrap a comparer in a delegate).</summary>
    private static void HeapSort(Span<QueryEntry> entries, byte[] buffer)
    {
        for (var start = (entries.Length / 2) - 1; start >= 0; start--)
        {
            SiftDown(entries, start, entries.Length, buffer);
        }

        for (var end = entries.Length - 1; end > 0; end--)
        {
            (entries[0], entries[end]) = (entries[end], entries[0]);
            SiftDown(entries, 0, end, buffer);
        }
    }

    private static void SiftDown(Span<QueryEntry> heap, int root, int count, byte[] buffer)
    {
        while (true)
        {
            var child = (2 * root) + 1;
            if (child >= count)
            {
                return;
            }

            if (child + 1 < count && Compare(buffer, heap[child], heap[child + 1]) < 0)
            {
                child++;
            }

            if (Compare(buffer, heap[root], heap[child]) >= 0)
            {
                return;
            }

            (heap[root], heap[child]) = (heap[child], heap[root]);
            root = child;
        }
    }

    private static int Compare(byte[] buffer, QueryEntry x, QueryEntry y)
    {
        var byKey = buffer.AsSpan(x.KeyStart, x.KeyLength).SequenceCompareTo(buffer.AsSpan(y.KeyStart, y.KeyLength));
        return byKey != 0 ? byKey : buffer.AsSpan(x.ValueStart, x.ValueLength).SequenceCompareTo(buffer.AsSpan(y.ValueStart, y.ValueLength));
    }

    internal readonly record struct QueryEntry(int KeyStart, int KeyLength, int ValueStart, int ValueLength);
}
