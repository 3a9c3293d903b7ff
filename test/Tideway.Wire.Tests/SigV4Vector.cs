using System.Globalization;
using System.Text.Json;
using Tideway.Wire.SigV4;

namespace Tideway.Wire.Tests;

/// <summary>A signed request from SigV4Vectors/*.json (botocore-generated, or the AWS test suite).</summary>
public sealed record SigV4Vector(
    string Name,
    string Method,
    string Path,
    string Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[] Body,
    string AccessKey,
    string Secret,
    DateTimeOffset Now,
    string? CanonicalRequest)
{
    private static readonly Lazy<IReadOnlyList<SigV4Vector>> Loaded = new(Load);

    public static IReadOnlyList<SigV4Vector> All => Loaded.Value;

    public static TheoryData<string> Names => NamesOf(All);

    /// <summary>The botocore vectors, which carry botocore's canonical request.</summary>
    public static TheoryData<string> BotocoreNames => NamesOf(All.Where(v => v.CanonicalRequest is not null));

    private static TheoryData<string> NamesOf(IEnumerable<SigV4Vector> vectors)
    {
        var data = new TheoryData<string>();
        foreach (var vector in vectors)
        {
            data.Add(vector.Name);
        }

        return data;
    }

    public static SigV4Vector Named(string name) => All.Single(v => v.Name == name);

    /// <summary>The headers as a server sees them: names case-insensitive, a repeated header's values joined by ','.</summary>
    public DelegateSigV4Headers HeaderSource => Source(Headers);

    public string? Header(string name) => Source(Headers).GetHeader(name);

    public SigV4Vector WithHeader(string name, string value)
    {
        var headers = Headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
        headers.Add(new KeyValuePair<string, string>(name, value));
        return this with { Headers = headers };
    }

    public SigV4Vector WithoutHeader(string name) =>
        this with { Headers = [.. Headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase))] };

    public SigV4Result Verify(SigV4Verifier verifier, DateTimeOffset? now = null, string? secret = null) =>
        verifier.Verify(Method, Path, Query, HeaderSource, Body, key => key == AccessKey ? secret ?? Secret : null, now ?? Now, out _);

    public static DelegateSigV4Headers Source(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            // Kestrel trims a field value's surrounding whitespace; repeated fields join with ','.
            var trimmed = value.Trim(' ', '\t');
            map[name] = map.TryGetValue(name, out var existing) ? existing + "," + trimmed : trimmed;
        }

        return new DelegateSigV4Headers(name => map.TryGetValue(name, out var v) ? v : null);
    }

    private static List<SigV4Vector> Load()
    {
        var vectors = new List<SigV4Vector>();
        foreach (var file in Directory.GetFiles(SharedData.FixturePath("SigV4Vectors"), "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            if (document.RootElement.ValueKind == JsonValueKind.Array)
            {
                vectors.AddRange(document.RootElement.EnumerateArray().Select(Parse));
            }
            else
            {
                vectors.Add(Parse(document.RootElement));
            }
        }

        return vectors;
    }

    private static SigV4Vector Parse(JsonElement e) => new(
        e.GetProperty("name").GetString()!,
        e.GetProperty("method").GetString()!,
        e.GetProperty("path").GetString()!,
        e.GetProperty("query").GetString()!,
        [.. e.GetProperty("headers").EnumerateArray().Select(h => new KeyValuePair<string, string>(h[0].GetString()!, h[1].GetString()!))],
        Convert.FromBase64String(e.GetProperty("body_base64").GetString()!),
        e.GetProperty("access_key").GetString()!,
        e.GetProperty("secret").GetString()!,
        DateTimeOffset.Parse(e.GetProperty("now").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        e.GetProperty("canonical_request").GetString());

    public override string ToString() => Name;
}
