using System.IO.Compression;
using System.Text.Json;

namespace Tideway.Cli.Bench;

/// <summary>One category of the CL2 benchmark: five patterns and the match count event-ruler gave for each.</summary>
internal sealed record Cl2Category(string Name, IReadOnlyList<string> Patterns, IReadOnlyList<int> ReferenceMatches);

/// <summary>
/// The CL2 benchmark of aws/event-ruler on the synthetic citylots2 corpus of ../shared/bench-data:
/// 213,068 one-line events held in one buffer, and the rule sets of cl2-rules.json.
/// </summary>
internal sealed class Cl2Corpus
{
    private Cl2Corpus(byte[] buffer, int[] starts, int[] lengths, IReadOnlyList<Cl2Category> categories, IReadOnlyDictionary<string, string[]> combos)
    {
        Buffer = buffer;
        Starts = starts;
        Lengths = lengths;
        Categories = categories;
        Combos = combos;
    }

    public byte[] Buffer { get; }

    public int[] Starts { get; }

    public int[] Lengths { get; }

    public int Count => Starts.Length;

    public long TotalBytes => Buffer.LongLength;

    public IReadOnlyList<Cl2Category> Categories { get; }

    /// <summary>Combo name → the categories it loads together.</summary>
    public IReadOnlyDictionary<string, string[]> Combos { get; }

    public ReadOnlySpan<byte> Event(int index) => Buffer.AsSpan(Starts[index], Lengths[index]);

    public static string DefaultDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Tideway.slnx")))
        {
            directory = directory.Parent;
        }

        var root = directory?.FullName ?? Directory.GetCurrentDirectory();
        return Path.GetFullPath(Path.Combine(root, "..", "shared", "bench-data"));
    }

    public static Cl2Corpus Load(string directory)
    {
        byte[] all;
        using (var file = File.OpenRead(Path.Combine(directory, "citylots2-synth.json.gz")))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var memory = new MemoryStream())
        {
            gzip.CopyTo(memory);
            all = memory.ToArray();
        }

        var starts = new List<int>();
        var lengths = new List<int>();
        var position = 0;
        while (position < all.Length)
        {
            var end = Array.IndexOf(all, (byte)'\n', position);
            if (end < 0)
            {
                end = all.Length;
            }

            if (end > position)
            {
                starts.Add(position);
                lengths.Add(end - position);
            }

            position = end + 1;
        }

        using var rules = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "cl2-rules.json")));
        var categories = new List<Cl2Category>();
        foreach (var category in rules.RootElement.GetProperty("categories").EnumerateArray())
        {
            var patterns = category.GetProperty("patterns").EnumerateArray().Select(p => p.GetRawText()).ToArray();
            var reference = category.GetProperty("reference_matches").EnumerateArray().Select(n => n.GetInt32()).ToArray();
            categories.Add(new Cl2Category(category.GetProperty("category").GetString()!, patterns, reference));
        }

        var combos = new Dictionary<string, string[]>();
        foreach (var combo in rules.RootElement.GetProperty("combos").EnumerateObject())
        {
            combos[combo.Name] = combo.Value.EnumerateArray().Select(c => c.GetString()!).ToArray();
        }

        return new Cl2Corpus(all, [.. starts], [.. lengths], categories, combos);
    }
}
