using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Tideway.Patterns;

/// <summary>Byte-array keys looked up by spans, so the matcher never allocates a key.</summary>
internal sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode([DisallowNull] byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Hash(ReadOnlySpan<byte> data)
    {
        var h = 0x9E3779B97F4A7C15UL ^ (ulong)data.Length;
        while (data.Length >= 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data)) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
            data = data[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < data.Length; i++)
        {
            tail |= (ulong)data[i] << (8 * i);
        }

        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return (int)h ^ (int)(h >> 32);
    }
}

/// <summary>
/// A node of the trie of field paths that rules mention. The children and value index are changed
/// only under the writer's lock and read without locks: small child sets are copy-on-write arrays,
/// large ones concurrent dictionaries.
/// </summary>
internal sealed class PathNode(int id, byte[] key)
{
    private const int SmallLimit = 8;

    private volatile PathNode[] _small = [];
    private volatile ConcurrentDictionary<byte[], PathNode>? _large;
    private ConcurrentDictionary<byte[], PathNode>.AlternateLookup<ReadOnlySpan<byte>> _largeLookup;

    public int Id { get; } = id;

    public byte[] Key { get; } = key;

    /// <summary>The key's first eight bytes (zero-padded), so most comparisons need no call.</summary>
    private readonly ulong _head = HeadOf(key);

    private readonly int _keyLength = key.Length;

    /// <summary>Tests on the leaf values at this path, or null when no rule tests them.</summary>
    public volatile ValueIndex? Values;

    /// <summary>How many live conditions use this node or a node below it.</summary>
    public int UseCount;

    /// <summary>Writer only: the tests of this node's values that clauses share, by test key (see <c>Automaton.SharedGroups</c>).</summary>
    public Dictionary<string, SharedTest>? Shared;

    public bool HasChildren => _small.Length != 0 || _large is not null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PathNode? Find(ReadOnlySpan<byte> key)
    {
        var large = _large;
        if (large is not null)
        {
            return _largeLookup.TryGetValue(key, out var found) ? found : null;
        }

        var head = HeadOf(key);
        foreach (var child in _small)
        {
            if (child._head == head && child._keyLength == key.Length && (key.Length <= 8 || key.SequenceEqual(child.Key)))
            {
                return child;
            }
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HeadOf(ReadOnlySpan<byte> key)
    {
        if (key.Length >= 8)
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(key);
        }

        ulong head = 0;
        for (var i = 0; i < key.Length; i++)
        {
            head |= (ulong)key[i] << (8 * i);
        }

        return head;
    }

    /// <summary>Writer only: finds or adds the child for a key.</summary>
    public PathNode GetOrAdd(byte[] key, Func<byte[], PathNode> create)
    {
        var existing = Find(key);
        if (existing is not null)
        {
            return existing;
        }

        var child = create(key);
        if (_large is { } large)
        {
            large[key] = child;
            return child;
        }

        var small = _small;
        if (small.Length < SmallLimit)
        {
            _small = [.. small, child];
            return child;
        }

        var dictionary = new ConcurrentDictionary<byte[], PathNode>(ByteKeyComparer.Instance);
        foreach (var node in small)
        {
            dictionary[node.Key] = node;
        }

        dictionary[key] = child;
        _largeLookup = dictionary.GetAlternateLookup<ReadOnlySpan<byte>>();
        _large = dictionary;
        return child;
    }

    /// <summary>Writer only: removes a child that no condition uses any more.</summary>
    public void Remove(PathNode child)
    {
        if (_large is { } large)
        {
            large.TryRemove(child.Key, out _);
            return;
        }

        var small = _small;
        var index = Array.IndexOf(small, child);
        if (index >= 0)
        {
            var copy = new PathNode[small.Length - 1];
            small.AsSpan(0, index).CopyTo(copy);
            small.AsSpan(index + 1).CopyTo(copy.AsSpan(index));
            _small = copy;
        }
    }
}

/// <summary>
/// The conditions a test satisfies, appended in amortized constant time: a snapshot is an array and a
/// count; the writer fills spare capacity past the latest snapshot's count before publishing the next
/// snapshot, so readers of older snapshots never see a change. Removal copies.
/// </summary>
internal sealed class CondList
{
    public static readonly CondList Empty = new([], 0);

    private readonly int[] _items;

    private CondList(int[] items, int count)
    {
        _items = items;
        Count = count;
    }

    public int Count { get; }

    public ReadOnlySpan<int> Span => _items.AsSpan(0, Count);

    /// <summary>Writer only, on the latest snapshot.</summary>
    public CondList With(int condition)
    {
        if (Count < _items.Length)
        {
            _items[Count] = condition;
            return new CondList(_items, Count + 1);
        }

        var grown = new int[Math.Max(4, _items.Length * 2)];
        _items.AsSpan(0, Count).CopyTo(grown);
        grown[Count] = condition;
        return new CondList(grown, Count + 1);
    }

    /// <summary>Writer only.</summary>
    public CondList Without(int condition)
    {
        var span = Span;
        var index = span.IndexOf(condition);
        if (index < 0)
        {
            return this;
        }

        var copy = new int[Count - 1];
        span[..index].CopyTo(copy);
        span[(index + 1)..].CopyTo(copy.AsSpan(index));
        return new CondList(copy, copy.Length);
    }
}

/// <summary>A shared test at one path and the conditions it satisfies.</summary>
internal sealed class TestEntry(ValueTest test)
{
    public ValueTest Test { get; } = test;

    public volatile CondList Conditions = CondList.Empty;
}

/// <summary>
/// The tests of one path, indexed by kind: exact strings, numbers and case-folded strings by hash,
/// the literal values by list, and the remaining match expressions (prefix, suffix, wildcard,
/// numeric ranges, anything-but, cidr) as a list of shared entries.
/// </summary>
/// <summary>
/// An immutable set of prefix tests (copy-on-write: the writer publishes a new set): the distinct prefix
/// lengths, ascending, and the entries by prefix bytes.
/// </summary>
internal sealed class PrefixSet
{
    private readonly Dictionary<byte[], TestEntry> _entries;
    private readonly Dictionary<byte[], TestEntry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    private PrefixSet(Dictionary<byte[], TestEntry> entries)
    {
        _entries = entries;
        _lookup = entries.GetAlternateLookup<ReadOnlySpan<byte>>();
        var lengths = new SortedSet<int>();
        foreach (var key in entries.Keys)
        {
            lengths.Add(key.Length);
        }

        Lengths = [.. lengths];
    }

    /// <summary>The distinct prefix lengths in bytes, ascending.</summary>
    public int[] Lengths { get; }

    public TestEntry? Find(ReadOnlySpan<byte> prefix) => _lookup.TryGetValue(prefix, out var entry) ? entry : null;

    public static PrefixSet With(PrefixSet? set, TestEntry entry)
    {
        var entries = set is null ? new Dictionary<byte[], TestEntry>(ByteKeyComparer.Instance) : new Dictionary<byte[], TestEntry>(set._entries, ByteKeyComparer.Instance);
        entries[entry.Test.Text] = entry;
        return new PrefixSet(entries);
    }

    public static PrefixSet? Without(PrefixSet set, TestEntry entry)
    {
        var entries = new Dictionary<byte[], TestEntry>(set._entries, ByteKeyComparer.Instance);
        entries.Remove(entry.Test.Text);
        return entries.Count == 0 ? null : new PrefixSet(entries);
    }
}

/// <summary>
/// An immutable set of numeric range tests (copy-on-write), sorted by lower bound: only the ranges whose
/// lower bound is at most a value can contain it, so a value below most ranges tests few of them.
/// </summary>
internal sealed class NumericSet
{
    private readonly TestEntry[] _entries;
    private readonly double[] _lowers;

    private NumericSet(TestEntry[] entries)
    {
        Array.Sort(entries, static (a, b) => a.Test.Range.Lower.CompareTo(b.Test.Range.Lower));
        _entries = entries;
        _lowers = [.. entries.Select(e => e.Test.Range.Lower)];
    }

    public IReadOnlyList<TestEntry> Entries => _entries;

    /// <summary>The ranges that may contain <paramref name="value"/> (those whose lower bound is at most it).</summary>
    public ReadOnlySpan<TestEntry> Candidates(double value)
    {
        if (double.IsNaN(value))
        {
            return default;
        }

        // The first lower bound above the value ends the candidates.
        int low = 0, high = _lowers.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_lowers[middle] <= value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return _entries.AsSpan(0, low);
    }

    public TestEntry? Find(string key) => Array.Find(_entries, e => e.Test.Key == key);

    public static NumericSet With(NumericSet? set, TestEntry entry) => new([.. set?._entries ?? [], entry]);

    public static NumericSet? Without(NumericSet set, TestEntry entry)
    {
        TestEntry[] rest = [.. set._entries.Where(e => e != entry)];
        return rest.Length == 0 ? null : new NumericSet(rest);
    }
}

internal sealed class ValueIndex
{
    private readonly ConcurrentDictionary<byte[], CondList> _strings = new(ByteKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], CondList> _folded = new(ByteKeyComparer.Instance);
    private readonly ConcurrentDictionary<double, CondList> _numbers = new();
    private readonly ConcurrentDictionary<byte[], CondList>.AlternateLookup<ReadOnlySpan<byte>> _stringLookup;
    private readonly ConcurrentDictionary<byte[], CondList>.AlternateLookup<ReadOnlySpan<byte>> _foldedLookup;

    public ValueIndex()
    {
        _stringLookup = _strings.GetAlternateLookup<ReadOnlySpan<byte>>();
        _foldedLookup = _folded.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public volatile CondList True = CondList.Empty;
    public volatile CondList False = CondList.Empty;
    public volatile CondList Null = CondList.Empty;
    public volatile CondList Exists = CondList.Empty;
    public volatile TestEntry[] Others = [];

    /// <summary>The plain prefix tests, indexed by prefix (null when there are none): a value is looked up once per distinct prefix length instead of compared with every prefix.</summary>
    public volatile PrefixSet? Prefixes;

    /// <summary>The numeric range tests, by lower bound (null when there are none).</summary>
    public volatile NumericSet? Ranges;

    /// <summary>Whether any test reads the case-folded text of a string value.</summary>
    public volatile bool NeedsFolding;

    /// <summary>Whether any test reads the numeric value of a number.</summary>
    public volatile bool NeedsNumber;

    /// <summary>The finite bounds and values of the numeric tests in <see cref="Others"/>, sorted.</summary>
    public volatile double[] NumericBounds = [];

    // ConcurrentDictionary.IsEmpty takes every lock when the map is empty: the hot path reads these flags instead.
    private volatile bool _hasStrings;
    private volatile bool _hasFolded;
    private volatile bool _hasNumbers;

    public bool HasNumbers => _hasNumbers;

    /// <summary>Whether an approximate number is so close to a bound that only the exact value can decide.</summary>
    public bool IsNearBound(double approximation)
    {
        var bounds = NumericBounds;
        if (bounds.Length == 0)
        {
            return false;
        }

        var index = Array.BinarySearch(bounds, approximation);
        if (index >= 0)
        {
            return true;
        }

        index = ~index;
        return (index < bounds.Length && FastNumber.IsNear(approximation, bounds[index]))
            || (index > 0 && FastNumber.IsNear(approximation, bounds[index - 1]));
    }

    public bool HasStrings => _hasStrings;

    public bool HasFolded => _hasFolded;

    public bool IsEmpty => !_hasStrings && !_hasFolded && !_hasNumbers && True.Count == 0 && False.Count == 0
        && Null.Count == 0 && Exists.Count == 0 && Others.Length == 0 && Prefixes is null && Ranges is null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CondList? FindString(ReadOnlySpan<byte> text)
    {
        // With many exact values, a bit filter that fits in cache turns most misses away before the
        // dictionary's cold buckets are touched.
        var filter = _stringFilter;
        if (filter is not null)
        {
            var bit = (uint)ByteKeyComparer.Hash(text) & (uint)((filter.Length * 64) - 1);
            if ((filter[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return null;
            }
        }

        return _stringLookup.TryGetValue(text, out var conditions) ? conditions : null;
    }

    /// <summary>From this many exact strings on one path, <see cref="FindString"/> consults a bit filter first.</summary>
    private const int FilterThreshold = 1024;

    private volatile ulong[]? _stringFilter;
    private int _filterStale;
    private int _stringCount;

    /// <summary>Writer only: sets the filter bit of a new key, rebuilding the filter as the map grows or after many removals.</summary>
    private void UpdateFilter(byte[]? added)
    {
        var count = _stringCount;
        if (count < FilterThreshold)
        {
            _stringFilter = null;
            return;
        }

        var filter = _stringFilter;
        var wanted = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count * 16 / 64);
        if (filter is null || filter.Length < wanted / 2 || _filterStale > count / 2)
        {
            var rebuilt = new ulong[wanted * 2];
            foreach (var key in _strings.Keys)
            {
                SetBit(rebuilt, key);
            }

            _filterStale = 0;
            _stringFilter = rebuilt;
            return;
        }

        if (added is not null)
        {
            SetBit(filter, added);
        }
    }

    private static void SetBit(ulong[] filter, byte[] key)
    {
        var bit = (uint)ByteKeyComparer.Hash(key) & (uint)((filter.Length * 64) - 1);
        Interlocked.Or(ref filter[bit >> 6], 1UL << (int)(bit & 63));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CondList? FindFolded(ReadOnlySpan<byte> folded) => _foldedLookup.TryGetValue(folded, out var conditions) ? conditions : null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CondList? FindNumber(double number) => _hasNumbers && _numbers.TryGetValue(number, out var conditions) ? conditions : null;

    /// <summary>Writer only.</summary>
    public void Add(ValueTest test, int condition)
    {
        switch (test.Kind)
        {
            case TestKind.ExactString:
                if (!_strings.ContainsKey(test.Text))
                {
                    _stringCount++;

                    // Set the filter bit before the value is published, so no reader is turned away from it.
                    if (_stringFilter is { } filter)
                    {
                        SetBit(filter, test.Text);
                    }
                }

                _strings[test.Text] = Append(_strings.GetValueOrDefault(test.Text), condition);
                _hasStrings = true;
                UpdateFilter(test.Text);
                break;
            case TestKind.EqualsIgnoreCase:
                _folded[test.Text] = Append(_folded.GetValueOrDefault(test.Text), condition);
                _hasFolded = true;
                NeedsFolding = true;
                break;
            case TestKind.ExactNumber:
                _numbers[test.Number] = Append(_numbers.GetValueOrDefault(test.Number), condition);
                _hasNumbers = true;
                NeedsNumber = true;
                break;
            case TestKind.ExactTrue:
                True = Append(True, condition);
                break;
            case TestKind.ExactFalse:
                False = Append(False, condition);
                break;
            case TestKind.ExactNull:
                Null = Append(Null, condition);
                break;
            case TestKind.Exists:
                Exists = Append(Exists, condition);
                break;
            case TestKind.Numeric:
                if (Ranges?.Find(test.Key) is { } range)
                {
                    range.Conditions = Append(range.Conditions, condition);
                    return;
                }

                // Bounds first: a reader that sees the new entry must also see its bounds.
                var ranges = NumericSet.With(Ranges, new TestEntry(test) { Conditions = CondList.Empty.With(condition) });
                NeedsNumber = true;
                NumericBounds = BoundsOf(Others, ranges);
                Ranges = ranges;
                break;
            case TestKind.Prefix:
                if (Prefixes?.Find(test.Text) is { } existing)
                {
                    existing.Conditions = Append(existing.Conditions, condition);
                    return;
                }

                // The new entry is complete before the set that holds it is published.
                Prefixes = PrefixSet.With(Prefixes, new TestEntry(test) { Conditions = CondList.Empty.With(condition) });
                break;
            default:
                var others = Others;
                foreach (var entry in others)
                {
                    if (entry.Test.Key == test.Key)
                    {
                        entry.Conditions = Append(entry.Conditions, condition);
                        return;
                    }
                }

                var added = new TestEntry(test) { Conditions = CondList.Empty.With(condition) };
                if (test.NeedsFolding)
                {
                    NeedsFolding = true;
                }

                if (test.Kind is TestKind.Numeric or TestKind.AnythingBut)
                {
                    NeedsNumber = true;
                }

                // Bounds first: a reader that sees the new entry must also see its bounds.
                TestEntry[] grown = [.. others, added];
                NumericBounds = BoundsOf(grown, Ranges);
                Others = grown;
                break;
        }
    }

    private static double[] BoundsOf(TestEntry[] others, NumericSet? ranges)
    {
        var bounds = new List<double>();
        foreach (var entry in ranges is null ? others : [.. others, .. ranges.Entries])
        {
            var test = entry.Test;
            if (test.Kind == TestKind.Numeric)
            {
                bounds.Add(test.Range.Lower);
                bounds.Add(test.Range.Upper);
            }
            else if (test.Kind == TestKind.AnythingBut)
            {
                bounds.AddRange(test.Numbers);
            }
        }

        bounds.RemoveAll(b => !double.IsFinite(b));
        bounds.Sort();
        return [.. bounds];
    }

    /// <summary>Writer only.</summary>
    public void Remove(ValueTest test, int condition)
    {
        switch (test.Kind)
        {
            case TestKind.ExactString:
                if (RemoveFrom(_strings, test.Text, condition))
                {
                    _stringCount--;
                }

                _filterStale++;
                UpdateFilter(null);
                break;
            case TestKind.EqualsIgnoreCase:
                RemoveFrom(_folded, test.Text, condition);
                break;
            case TestKind.ExactNumber:
                RemoveFrom(_numbers, test.Number, condition);
                break;
            case TestKind.ExactTrue:
                True = Without(True, condition);
                break;
            case TestKind.ExactFalse:
                False = Without(False, condition);
                break;
            case TestKind.ExactNull:
                Null = Without(Null, condition);
                break;
            case TestKind.Exists:
                Exists = Without(Exists, condition);
                break;
            case TestKind.Numeric:
                if (Ranges?.Find(test.Key) is { } numeric)
                {
                    numeric.Conditions = Without(numeric.Conditions, condition);
                    if (numeric.Conditions.Count == 0)
                    {
                        Ranges = NumericSet.Without(Ranges, numeric);
                    }
                }

                break;
            case TestKind.Prefix:
                if (Prefixes?.Find(test.Text) is { } prefix)
                {
                    prefix.Conditions = Without(prefix.Conditions, condition);
                    if (prefix.Conditions.Count == 0)
                    {
                        Prefixes = PrefixSet.Without(Prefixes, prefix);
                    }
                }

                break;
            default:
                var others = Others;
                for (var i = 0; i < others.Length; i++)
                {
                    var entry = others[i];
                    if (entry.Test.Key != test.Key)
                    {
                        continue;
                    }

                    entry.Conditions = Without(entry.Conditions, condition);
                    if (entry.Conditions.Count == 0)
                    {
                        var copy = new List<TestEntry>(others);
                        copy.RemoveAt(i);
                        Others = [.. copy];
                    }

                    break;
                }

                break;
        }

        var remaining = Others;
        _hasStrings = _stringCount > 0;
        _hasFolded = !_folded.IsEmpty;
        _hasNumbers = !_numbers.IsEmpty;
        NumericBounds = BoundsOf(remaining, Ranges);
        NeedsFolding = !_folded.IsEmpty || Array.Exists(remaining, e => e.Test.NeedsFolding);
        NeedsNumber = !_numbers.IsEmpty || Ranges is not null || Array.Exists(remaining, e => e.Test.Kind is TestKind.Numeric or TestKind.AnythingBut);
    }

    /// <summary>Removes a condition from a key's list; returns whether the key went away.</summary>
    private static bool RemoveFrom<TKey>(ConcurrentDictionary<TKey, CondList> map, TKey key, int condition)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var conditions))
        {
            return false;
        }

        var rest = Without(conditions, condition);
        if (rest.Count == 0)
        {
            return map.TryRemove(key, out _);
        }

        map[key] = rest;
        return false;
    }

    private static CondList Append(CondList? list, int value) => (list ?? CondList.Empty).With(value);

    private static CondList Without(CondList list, int value) => list.Without(value);
}

