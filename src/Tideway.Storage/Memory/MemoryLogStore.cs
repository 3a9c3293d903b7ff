using System.Text;

namespace Tideway.Storage.Memory;

/// <summary>
/// The in-memory <see cref="ILogStore"/>: one lock over groups, streams and, per group, one list of events
/// kept sorted by (timestamp, sequence), so reads are a binary search and a walk. Appends with the newest
/// timestamps (the usual case) go to the end of the list.
/// </summary>
internal sealed class MemoryLogStore : ILogStore
{
    private readonly object _gate = new();
    private readonly Dictionary<long, LogGroupRecord> _groups = [];
    private readonly Dictionary<(string Account, string Region, string Name), long> _groupsByName = [];
    private readonly Dictionary<long, SortedDictionary<string, LogStreamRecord>> _streams = [];
    private readonly Dictionary<long, List<LogEventRecord>> _events = [];
    private long _nextGroupId = 1;
    private long _nextSequence = 1;

    public event Action<long>? EventsAppended;

    public ValueTask<LogGroupRecord?> CreateGroupAsync(string account, string region, string name, IReadOnlyDictionary<string, string> tags, long now)
    {
        lock (_gate)
        {
            if (_groupsByName.ContainsKey((account, region, name)))
            {
                return ValueTask.FromResult<LogGroupRecord?>(null);
            }
            var group = new LogGroupRecord(_nextGroupId++, account, region, name, now, null, Copy(tags));
            _groups[group.Id] = group;
            _groupsByName[(account, region, name)] = group.Id;
            _streams[group.Id] = new SortedDictionary<string, LogStreamRecord>(StringComparer.Ordinal);
            _events[group.Id] = [];
            return ValueTask.FromResult<LogGroupRecord?>(group);
        }
    }

    public ValueTask<bool> DeleteGroupAsync(long groupId)
    {
        lock (_gate)
        {
            if (!_groups.Remove(groupId, out var group))
            {
                return ValueTask.FromResult(false);
            }
            _groupsByName.Remove((group.Account, group.Region, group.Name));
            _streams.Remove(groupId);
            _events.Remove(groupId);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask SetRetentionAsync(long groupId, int? retentionInDays)
    {
        lock (_gate)
        {
            if (_groups.TryGetValue(groupId, out var group))
            {
                _groups[groupId] = group with { RetentionInDays = retentionInDays };
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask SetTagsAsync(long groupId, IReadOnlyDictionary<string, string> tags)
    {
        lock (_gate)
        {
            if (_groups.TryGetValue(groupId, out var group))
            {
                _groups[groupId] = group with { Tags = Copy(tags) };
            }
        }
        return ValueTask.CompletedTask;
    }

    public LogGroupRecord? FindGroup(string account, string region, string name)
    {
        lock (_gate)
        {
            return _groupsByName.TryGetValue((account, region, name), out var id) ? _groups[id] : null;
        }
    }

    public IReadOnlyList<LogGroupRecord> ListGroups(string account, string region, string? after, int limit)
    {
        var list = new List<LogGroupRecord>();
        lock (_gate)
        {
            foreach (var group in _groups.Values)
            {
                if (group.Account == account && group.Region == region && (after is null || string.CompareOrdinal(group.Name, after) > 0))
                {
                    list.Add(group);
                }
            }
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        if (list.Count > limit)
        {
            list.RemoveRange(limit, list.Count - limit);
        }
        return list;
    }

    public IReadOnlyList<LogGroupRecord> ListGroupsWithRetention()
    {
        var list = new List<LogGroupRecord>();
        lock (_gate)
        {
            foreach (var group in _groups.Values)
            {
                if (group.RetentionInDays is not null)
                {
                    list.Add(group);
                }
            }
        }
        return list;
    }

    public ValueTask<bool> CreateStreamAsync(long groupId, string name, long now)
    {
        lock (_gate)
        {
            if (!_streams.TryGetValue(groupId, out var streams) || streams.ContainsKey(name))
            {
                return ValueTask.FromResult(false);
            }
            streams[name] = new LogStreamRecord(groupId, name, now, null, null, null, 0);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> DeleteStreamAsync(long groupId, string name)
    {
        lock (_gate)
        {
            if (!_streams.TryGetValue(groupId, out var streams) || !streams.Remove(name))
            {
                return ValueTask.FromResult(false);
            }
            _events[groupId].RemoveAll(e => e.StreamName == name);
            return ValueTask.FromResult(true);
        }
    }

    public LogStreamRecord? FindStream(long groupId, string name)
    {
        lock (_gate)
        {
            return _streams.TryGetValue(groupId, out var streams) && streams.TryGetValue(name, out var stream) ? stream : null;
        }
    }

    public IReadOnlyList<LogStreamRecord> ListStreams(long groupId)
    {
        lock (_gate)
        {
            return _streams.TryGetValue(groupId, out var streams) ? [.. streams.Values] : [];
        }
    }

    public ValueTask AppendAsync(long groupId, string streamName, IReadOnlyList<NewLogEvent> events, long ingestionTime)
    {
        if (events.Count == 0)
        {
            return ValueTask.CompletedTask;
        }
        lock (_gate)
        {
            if (!_streams.TryGetValue(groupId, out var streams) || !streams.TryGetValue(streamName, out var stream))
            {
                throw new KeyNotFoundException($"log stream {streamName} does not exist in group {groupId}");
            }
            var list = _events[groupId];
            long first = long.MaxValue, last = long.MinValue, bytes = 0;
            foreach (var e in events)
            {
                first = Math.Min(first, e.Timestamp);
                last = Math.Max(last, e.Timestamp);
                bytes += Encoding.UTF8.GetByteCount(e.Message);
                var record = new LogEventRecord(_nextSequence++, streamName, e.Timestamp, ingestionTime, e.Message);
                if (list.Count == 0 || list[^1].Timestamp <= e.Timestamp)
                {
                    list.Add(record);
                }
                else
                {
                    // The sequence is the largest so far, so the record goes after every event with its timestamp.
                    list.Insert(FirstIndexAfter(list, e.Timestamp, long.MaxValue), record);
                }
            }
            streams[streamName] = stream with
            {
                FirstEventTimestamp = stream.FirstEventTimestamp is { } f ? Math.Min(f, first) : first,
                LastEventTimestamp = stream.LastEventTimestamp is { } l ? Math.Max(l, last) : last,
                LastIngestionTime = ingestionTime,
                StoredBytes = stream.StoredBytes + bytes,
            };
        }
        EventsAppended?.Invoke(groupId);
        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<LogEventRecord> ReadEvents(long groupId, IReadOnlyCollection<string>? streams, long startTime, long endTime, long? afterTimestamp, long? afterSequence, bool descending, int limit)
    {
        var result = new List<LogEventRecord>();
        if (limit <= 0 || startTime >= endTime || (streams is not null && streams.Count == 0))
        {
            return result;
        }
        var wanted = streams is null ? null : streams as ISet<string> ?? new HashSet<string>(streams, StringComparer.Ordinal);
        var hasAfter = afterTimestamp is not null && afterSequence is not null;
        lock (_gate)
        {
            if (!_events.TryGetValue(groupId, out var list))
            {
                return result;
            }
            if (!descending)
            {
                // First index at or after startTime, then strictly after the position.
                var i = FirstIndexAfter(list, startTime, long.MinValue);
                if (hasAfter)
                {
                    i = Math.Max(i, FirstIndexAfter(list, afterTimestamp!.Value, afterSequence!.Value));
                }
                for (; i < list.Count && result.Count < limit; i++)
                {
                    var e = list[i];
                    if (e.Timestamp >= endTime)
                    {
                        break;
                    }
                    if (wanted is null || wanted.Contains(e.StreamName))
                    {
                        result.Add(e);
                    }
                }
            }
            else
            {
                // Last index before endTime, then strictly before the position.
                var i = FirstIndexAfter(list, endTime, long.MinValue) - 1;
                if (hasAfter)
                {
                    i = Math.Min(i, FirstIndexAtOrAfter(list, afterTimestamp!.Value, afterSequence!.Value) - 1);
                }
                for (; i >= 0 && result.Count < limit; i--)
                {
                    var e = list[i];
                    if (e.Timestamp < startTime)
                    {
                        break;
                    }
                    if (wanted is null || wanted.Contains(e.StreamName))
                    {
                        result.Add(e);
                    }
                }
            }
        }
        return result;
    }

    public ValueTask<int> ExpireAsync(long groupId, long cutoff)
    {
        lock (_gate)
        {
            if (!_events.TryGetValue(groupId, out var list))
            {
                return ValueTask.FromResult(0);
            }
            var count = FirstIndexAfter(list, cutoff, long.MinValue);
            list.RemoveRange(0, count);
            return ValueTask.FromResult(count);
        }
    }

    /// <summary>The index of the first event whose (timestamp, sequence) is greater than (<paramref name="timestamp"/>, <paramref name="sequence"/>).</summary>
    private static int FirstIndexAfter(List<LogEventRecord> list, long timestamp, long sequence)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var e = list[mid];
            if (e.Timestamp < timestamp || (e.Timestamp == timestamp && e.Sequence <= sequence))
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>The index of the first event whose (timestamp, sequence) is at least (<paramref name="timestamp"/>, <paramref name="sequence"/>).</summary>
    private static int FirstIndexAtOrAfter(List<LogEventRecord> list, long timestamp, long sequence)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var e = list[mid];
            if (e.Timestamp < timestamp || (e.Timestamp == timestamp && e.Sequence < sequence))
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string> tags)
    {
        var copy = new Dictionary<string, string>(tags.Count, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            copy[key] = value;
        }
        return copy;
    }
}
