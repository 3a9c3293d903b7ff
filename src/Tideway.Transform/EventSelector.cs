using System.Buffers;
using System.Text.Json;

namespace Tideway.Transform;

/// <summary>Where a path's value sits in the event: a slice of the event's bytes and its first token.</summary>
internal readonly record struct Capture(int PathId, int Start, int Length, JsonTokenType TokenType);

/// <summary>The values one pass over an event found, in document order. Reused between events.</summary>
internal sealed class CaptureList
{
    private Capture[] _items = new Capture[16];

    public int Count { get; private set; }

    public ReadOnlySpan<Capture> Items => _items.AsSpan(0, Count);

    public void Add(in Capture capture)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = capture;
    }

    public void Clear() => Count = 0;

    /// <summary>The last value of a definite path (a duplicated key keeps its last value, as JSON parsers do).</summary>
    public bool TryGetLast(int pathId, out Capture capture)
    {
        var items = Items;
        for (var i = items.Length - 1; i >= 0; i--)
        {
            if (items[i].PathId == pathId)
            {
                capture = items[i];
                return true;
            }
        }

        capture = default;
        return false;
    }
}

/// <summary>Collects the paths of one target and gives each an id; the same path text gets the same id.</summary>
internal sealed class EventSelectorBuilder
{
    private readonly List<JsonPath> _paths = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public int Add(JsonPath path)
    {
        if (!_ids.TryGetValue(path.Text, out var id))
        {
            id = _paths.Count;
            _paths.Add(path);
            _ids.Add(path.Text, id);
        }

        return id;
    }

    public EventSelector Build() => new([.. _paths]);
}

/// <summary>
/// Finds the values of a fixed set of paths in one forward pass of <see cref="Utf8JsonReader"/> over
/// an event. Only containers that some path still leads into are read token by token; every other
/// subtree is skipped. A value is recorded as a slice of the event's bytes, so nothing is copied
/// or parsed into a tree.
/// </summary>
internal sealed class EventSelector
{
    private const int StackBufferLength = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 1024 };

    private readonly JsonPath[] _paths;
    private readonly int[] _rootStates;
    private readonly int[] _wholeEvent;

    public EventSelector(JsonPath[] paths)
    {
        _paths = paths;
        var root = new List<int>();
        var whole = new List<int>();
        for (var id = 0; id < paths.Length; id++)
        {
            (paths[id].Segments.Length == 0 ? whole : root).Add(id);
        }

        _rootStates = [.. root];
        _wholeEvent = [.. whole];
    }

    public int Count => _paths.Length;

    public JsonPath this[int pathId] => _paths[pathId];

    /// <summary>Reads the event once and records the value of every path that exists in it.</summary>
    /// <exception cref="JsonException">The event is not valid JSON.</exception>
    public void Select(ReadOnlySpan<byte> utf8Event, CaptureList captures)
    {
        captures.Clear();
        var reader = new Utf8JsonReader(utf8Event, ReaderOptions);
        if (!reader.Read())
        {
            throw new JsonException("The event is empty.");
        }

        WalkValue(ref reader, _rootStates, _wholeEvent, 0, captures);
    }

    /// <summary>
    /// Handles the value the reader is on. <paramref name="states"/> are the paths that continue
    /// below it (their next step is <c>Segments[depth]</c>); <paramref name="ending"/> are the paths
    /// that end on it.
    /// </summary>
    private void WalkValue(ref Utf8JsonReader reader, scoped ReadOnlySpan<int> states, scoped ReadOnlySpan<int> ending, int depth, CaptureList captures)
    {
        var start = (int)reader.TokenStartIndex;
        var tokenType = reader.TokenType;
        if (tokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            if (states.IsEmpty)
            {
                reader.Skip();
            }
            else
            {
                WalkContainer(ref reader, states, depth, captures);
            }
        }

        if (!ending.IsEmpty)
        {
            var length = (int)reader.BytesConsumed - start;
            foreach (var pathId in ending)
            {
                captures.Add(new Capture(pathId, start, length, tokenType));
            }
        }
    }

    private void WalkContainer(ref Utf8JsonReader reader, scoped ReadOnlySpan<int> states, int depth, CaptureList captures)
    {
        var count = states.Length;
        int[]? rented = null;
        Span<int> buffer = count * 2 <= StackBufferLength
            ? stackalloc int[StackBufferLength]
            : (rented = ArrayPool<int>.Shared.Rent(count * 2));
        try
        {
            var next = buffer[..count];
            var ending = buffer.Slice(count, count);
            var isArray = reader.TokenType == JsonTokenType.StartArray;
            var index = 0;
            while (reader.Read())
            {
                var tokenType = reader.TokenType;
                if (tokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    return;
                }

                var nextCount = 0;
                var endingCount = 0;
                foreach (var pathId in states)
                {
                    var segments = _paths[pathId].Segments;
                    var segment = segments[depth];
                    var matches = segment.Kind switch
                    {
                        PathSegmentKind.Wildcard => true,
                        PathSegmentKind.Name => !isArray && reader.ValueTextEquals(segment.Utf8Name),
                        _ => isArray && segment.Index == index,
                    };
                    if (!matches)
                    {
                        continue;
                    }

                    if (depth + 1 == segments.Length)
                    {
                        ending[endingCount++] = pathId;
                    }
                    else
                    {
                        next[nextCount++] = pathId;
                    }
                }

                if (isArray)
                {
                    index++;
                }
                else
                {
                    reader.Read();
                }

                WalkValue(ref reader, next[..nextCount], ending[..endingCount], depth + 1, captures);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }
}
