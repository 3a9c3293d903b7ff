using System.Buffers;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Tideway.Wire.Internal;

namespace Tideway.Wire.AwsQuery;

/// <summary>Why a form body could not be parsed.</summary>
/// <param name="Offset">The byte offset of the problem in the body.</param>
/// <param name="Message">What is wrong, for the <c>MalformedQueryString</c> error message.</param>
public readonly record struct AwsQueryFormError(int Offset, string Message);

/// <summary>One index of a flattened list (<c>Prefix.N.*</c>), with its members' keys relative to <c>Prefix.N.</c>.</summary>
/// <param name="Index">The 1-based index <c>N</c>.</param>
/// <param name="Members">The members: <c>Prefix.N.Name</c> is <c>Name</c> here; <c>Prefix.N</c> itself is the empty key.</param>
public readonly record struct AwsQueryEntry(int Index, AwsQueryForm Members)
{
    /// <summary>The value of the entry itself (<c>Prefix.N=value</c>), or null.</summary>
    public string? Value => Members[string.Empty];
}

/// <summary>
/// An awsQuery request body (<c>application/x-www-form-urlencoded</c>, UTF-8): the (key, value) pairs
/// in the order sent, keys case-sensitive, with the readers for the flattened lists and maps the
/// query protocol encodes (<c>AttributeName.1</c>, <c>Attribute.1.Name</c>/<c>Attribute.1.Value</c>,
/// <c>MessageAttribute.1.Value.StringValue</c>, <c>SendMessageBatchRequestEntry.1.Id</c>, <c>Tag.1.Key</c>…).
/// </summary>
public sealed class AwsQueryForm : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly KeyValuePair<string, string>[] _pairs;
    private Dictionary<string, string>? _index;

    private AwsQueryForm(KeyValuePair<string, string>[] pairs) => _pairs = pairs;

    /// <summary>A form with no pairs.</summary>
    public static AwsQueryForm Empty { get; } = new([]);

    /// <summary>The number of pairs.</summary>
    public int Count => _pairs.Length;

    /// <summary>The pair at <paramref name="index"/>, in the order sent.</summary>
    public KeyValuePair<string, string> this[int index] => _pairs[index];

    /// <summary>The value of the first pair named <paramref name="key"/>, or null.</summary>
    public string? this[string key] => TryGetValue(key, out var value) ? value : null;

    /// <summary>The <c>Action</c> parameter, or null.</summary>
    public string? Action => this["Action"];

    /// <summary>The <c>Version</c> parameter, or null.</summary>
    public string? Version => this["Version"];

    /// <summary>Builds a form from pairs (tests, and the sub-views of <see cref="GetEntries"/>).</summary>
    public static AwsQueryForm FromPairs(IEnumerable<KeyValuePair<string, string>> pairs) => new([.. pairs]);

    /// <summary>
    /// Parses a form body: pairs separated by <c>&amp;</c>, key and value by the first <c>=</c> (a pair
    /// without one has an empty value), <c>+</c> a space, <c>%XX</c> a byte, the bytes UTF-8. Empty
    /// pairs (<c>a=1&amp;&amp;b=2</c>, a trailing <c>&amp;</c>) are skipped. Never throws: false with
    /// the offset of an invalid escape or of invalid UTF-8.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, [NotNullWhen(true)] out AwsQueryForm? form, out AwsQueryFormError error)
    {
        form = null;
        error = default;
        if (body.IsEmpty)
        {
            form = Empty;
            return true;
        }

        var pairs = new List<KeyValuePair<string, string>>(Math.Min(body.Count((byte)'&') + 1, 1024));
        byte[]? rented = null;
        var scratch = body.Length <= 1024 ? stackalloc byte[body.Length] : (rented = ArrayPool<byte>.Shared.Rent(body.Length));
        try
        {
            foreach (var range in body.Split((byte)'&'))
            {
                var pair = body[range];
                var start = range.Start.GetOffset(body.Length);
                if (pair.IsEmpty)
                {
                    continue;
                }

                var eq = pair.IndexOf((byte)'=');
                var rawKey = eq < 0 ? pair : pair[..eq];
                if (!TryDecode(rawKey, scratch, start, out var key, out error))
                {
                    return false;
                }

                var value = string.Empty;
                if (eq >= 0 && !TryDecode(pair[(eq + 1)..], scratch, start + eq + 1, out value, out error))
                {
                    return false;
                }

                pairs.Add(new KeyValuePair<string, string>(key, value));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        form = new AwsQueryForm([.. pairs]);
        return true;
    }

    /// <summary>The value of the first pair named <paramref name="key"/> (case-sensitive).</summary>
    public bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
    {
        if (_pairs.Length <= 8)
        {
            foreach (var pair in _pairs)
            {
                if (pair.Key == key)
                {
                    value = pair.Value;
                    return true;
                }
            }

            value = null;
            return false;
        }

        return Index().TryGetValue(key, out value);
    }

    /// <summary>True when a pair is named <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <summary>
    /// The entries of the flattened list <paramref name="prefix"/> (<c>Prefix.1.*</c>, <c>Prefix.2.*</c>…),
    /// ordered by index, each with its members' keys relative to <c>Prefix.N.</c>. Keys whose index
    /// is not a positive decimal integer without leading zeros are ignored; for a repeated key the
    /// first value wins. Nested lists read the same way from an entry's <see cref="AwsQueryEntry.Members"/>.
    /// </summary>
    public IReadOnlyList<AwsQueryEntry> GetEntries(string prefix)
    {
        List<(int Index, int Position, KeyValuePair<string, string> Member)>? ordered = null;
        for (var position = 0; position < _pairs.Length; position++)
        {
            var pair = _pairs[position];
            if (TrySplitIndexed(pair.Key, prefix, out var index, out var member))
            {
                (ordered ??= []).Add((index, position, new KeyValuePair<string, string>(member, pair.Value)));
            }
        }

        if (ordered is null)
        {
            return [];
        }

        // By index, and within an index in the order sent.
        ordered.Sort(static (x, y) => x.Index != y.Index ? x.Index.CompareTo(y.Index) : x.Position.CompareTo(y.Position));
        var entries = new List<AwsQueryEntry>();
        var i = 0;
        while (i < ordered.Count)
        {
            var index = ordered[i].Index;
            var members = new List<KeyValuePair<string, string>>();
            for (; i < ordered.Count && ordered[i].Index == index; i++)
            {
                members.Add(ordered[i].Member);
            }

            entries.Add(new AwsQueryEntry(index, new AwsQueryForm([.. members])));
        }

        return entries;
    }

    /// <summary>
    /// The values of the flattened list of strings <paramref name="prefix"/> (<c>AttributeName.1</c>,
    /// <c>AttributeName.2</c>…, <c>MessageAttributeName.N</c>, <c>MessageSystemAttributeName.N</c>), ordered by index.
    /// </summary>
    public IReadOnlyList<string> GetList(string prefix)
    {
        var entries = GetEntries(prefix);
        var values = new List<string>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.Value is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>
    /// The flattened map <paramref name="prefix"/> as (key, value) pairs ordered by index:
    /// <c>Attribute.N.Name</c>/<c>Attribute.N.Value</c> with <paramref name="keyMember"/> <c>Name</c> and
    /// <paramref name="valueMember"/> <c>Value</c>; <c>Tag.N.Key</c>/<c>Tag.N.Value</c> with <c>Key</c>/<c>Value</c>.
    /// False, with the full name of the missing member in <paramref name="missing"/>, when an entry
    /// has no key or no value.
    /// </summary>
    public bool TryGetMap(string prefix, string keyMember, string valueMember, out IReadOnlyList<KeyValuePair<string, string>> map, [NotNullWhen(false)] out string? missing)
    {
        var entries = GetEntries(prefix);
        var result = new List<KeyValuePair<string, string>>(entries.Count);
        map = result;
        foreach (var entry in entries)
        {
            var key = entry.Members[keyMember];
            if (key is null)
            {
                missing = $"{prefix}.{entry.Index}.{keyMember}";
                return false;
            }

            var value = entry.Members[valueMember];
            if (value is null)
            {
                missing = $"{prefix}.{entry.Index}.{valueMember}";
                return false;
            }

            result.Add(new KeyValuePair<string, string>(key, value));
        }

        missing = null;
        return true;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_pairs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Splits <c>Prefix.N</c> / <c>Prefix.N.Rest</c> into N and <c>Rest</c> (empty for <c>Prefix.N</c>).
    /// </summary>
    internal static bool TrySplitIndexed(string key, string prefix, out int index, out string member)
    {
        index = 0;
        member = string.Empty;
        if (key.Length < prefix.Length + 2 || !key.StartsWith(prefix, StringComparison.Ordinal) || key[prefix.Length] != '.')
        {
            return false;
        }

        var rest = key.AsSpan(prefix.Length + 1);
        var dot = rest.IndexOf('.');
        var digits = dot < 0 ? rest : rest[..dot];
        if (digits.IsEmpty || digits.Length > 9 || digits[0] == '0' || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        foreach (var d in digits)
        {
            index = (index * 10) + (d - '0');
        }

        if (dot >= 0)
        {
            member = key[(prefix.Length + 1 + dot + 1)..];
        }

        return true;
    }

    private static bool TryDecode(ReadOnlySpan<byte> raw, Span<byte> scratch, int offset, out string text, out AwsQueryFormError error)
    {
        text = string.Empty;
        error = default;
        if (!UriEncoding.TryDecodeForm(raw, scratch, out var written, out var bad))
        {
            error = new AwsQueryFormError(offset + bad, $"Invalid percent-encoding at offset {offset + bad}: '%' must be followed by two hexadecimal digits.");
            return false;
        }

        var bytes = scratch[..written];
        if (!Utf8.IsValid(bytes))
        {
            error = new AwsQueryFormError(offset, $"The parameter at offset {offset} is not valid UTF-8.");
            return false;
        }

        text = Encoding.UTF8.GetString(bytes);
        return true;
    }

    private Dictionary<string, string> Index()
    {
        if (_index is { } index)
        {
            return index;
        }

        index = new Dictionary<string, string>(_pairs.Length, StringComparer.Ordinal);
        foreach (var pair in _pairs)
        {
            _ = index.TryAdd(pair.Key, pair.Value);
        }

        return _index = index;
    }
}
