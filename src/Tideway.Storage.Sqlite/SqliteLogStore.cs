using System.Text;
using Microsoft.Data.Sqlite;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// The SQLite log store: groups and streams are cached in memory (small), events live only in the
/// database and are read with short read-only queries on pooled connections (WAL lets them run beside
/// the writer). Appends go through the group-commit writer.
/// </summary>
internal sealed class SqliteLogStore : ILogStore
{
    private readonly GroupCommitWriter _writer;
    private readonly string _readConnectionString;
    private readonly object _gate = new();
    private readonly Dictionary<long, LogGroupRecord> _groups = [];
    private readonly Dictionary<(string, string, string), long> _groupsByName = [];
    private readonly Dictionary<long, SortedDictionary<string, LogStreamRecord>> _streams = [];
    private long _nextGroupId = 1;
    private long _nextSequence = 1;

    private SqliteLogStore(GroupCommitWriter writer, string readConnectionString)
    {
        _writer = writer;
        _readConnectionString = readConnectionString;
    }

    public event Action<long>? EventsAppended;

    public static SqliteLogStore Open(SqliteConnection connection, GroupCommitWriter writer, string readConnectionString)
    {
        var store = new SqliteLogStore(writer, readConnectionString);
        store.Load(connection);
        return store;
    }

    private void Load(SqliteConnection connection)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, account, region, name, created_at, retention_days, tags FROM log_groups";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var group = new LogGroupRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), SqliteQueueStore.Map(reader.GetString(6)));
                _groups[group.Id] = group;
                _groupsByName[(group.Account, group.Region, group.Name)] = group.Id;
                _streams[group.Id] = new SortedDictionary<string, LogStreamRecord>(StringComparer.Ordinal);
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT group_id, name, created_at, first_event, last_event, last_ingestion, stored_bytes FROM log_streams";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var stream = new LogStreamRecord(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetInt64(6));
                if (_streams.TryGetValue(stream.GroupId, out var streams))
                {
                    streams[stream.Name] = stream;
                }
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, seq FROM sqlite_sequence WHERE name IN ('log_groups', 'log_events')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetString(0) == "log_groups")
                {
                    _nextGroupId = reader.GetInt64(1) + 1;
                }
                else
                {
                    _nextSequence = reader.GetInt64(1) + 1;
                }
            }
        }
    }

    public async ValueTask<LogGroupRecord?> CreateGroupAsync(string account, string region, string name, IReadOnlyDictionary<string, string> tags, long now)
    {
        LogGroupRecord group;
        Task commit;
        lock (_gate)
        {
            if (_groupsByName.ContainsKey((account, region, name)))
            {
                return null;
            }
            group = new LogGroupRecord(_nextGroupId++, account, region, name, now, null, tags);
            _groups[group.Id] = group;
            _groupsByName[(account, region, name)] = group.Id;
            _streams[group.Id] = new SortedDictionary<string, LogStreamRecord>(StringComparer.Ordinal);
            commit = _writer.Append(new SaveGroup(group));
        }
        await commit.ConfigureAwait(false);
        return group;
    }

    public async ValueTask<bool> DeleteGroupAsync(long groupId)
    {
        Task commit;
        lock (_gate)
        {
            if (!_groups.Remove(groupId, out var group))
            {
                return false;
            }
            _groupsByName.Remove((group.Account, group.Region, group.Name));
            _streams.Remove(groupId);
            commit = _writer.Append(new DeleteGroup(groupId));
        }
        await commit.ConfigureAwait(false);
        return true;
    }

    public async ValueTask SetRetentionAsync(long groupId, int? retentionInDays)
    {
        Task commit;
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return;
            }
            group = group with { RetentionInDays = retentionInDays };
            _groups[groupId] = group;
            commit = _writer.Append(new SaveGroup(group));
        }
        await commit.ConfigureAwait(false);
    }

    public async ValueTask SetTagsAsync(long groupId, IReadOnlyDictionary<string, string> tags)
    {
        Task commit;
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return;
            }
            group = group with { Tags = tags };
            _groups[groupId] = group;
            commit = _writer.Append(new SaveGroup(group));
        }
        await commit.ConfigureAwait(false);
    }

    public IReadOnlyList<LogGroupRecord> ListGroupsWithRetention()
    {
        lock (_gate)
        {
            return [.. _groups.Values.Where(g => g.RetentionInDays is not null)];
        }
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

    public async ValueTask<bool> CreateStreamAsync(long groupId, string name, long now)
    {
        Task commit;
        lock (_gate)
        {
            if (!_streams.TryGetValue(groupId, out var streams) || streams.ContainsKey(name))
            {
                return false;
            }
            var stream = new LogStreamRecord(groupId, name, now, null, null, null, 0);
            streams[name] = stream;
            commit = _writer.Append(new SaveStream(stream));
        }
        await commit.ConfigureAwait(false);
        return true;
    }

    public async ValueTask<bool> DeleteStreamAsync(long groupId, string name)
    {
        Task commit;
        lock (_gate)
        {
            if (!_streams.TryGetValue(groupId, out var streams) || !streams.Remove(name))
            {
                return false;
            }
            commit = _writer.Append(new DeleteStream(groupId, name));
        }
        await commit.ConfigureAwait(false);
        return true;
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

    public async ValueTask AppendAsync(long groupId, string streamName, IReadOnlyList<NewLogEvent> events, long ingestionTime)
    {
        if (events.Count == 0)
        {
            return;
        }
        Task commit;
        lock (_gate)
        {
            if (!_streams.TryGetValue(groupId, out var streams) || !streams.TryGetValue(streamName, out var stream))
            {
                throw new KeyNotFoundException($"log stream {streamName} does not exist in group {groupId}");
            }
            long first = long.MaxValue, last = long.MinValue, bytes = 0;
            foreach (var e in events)
            {
                first = Math.Min(first, e.Timestamp);
                last = Math.Max(last, e.Timestamp);
                bytes += Encoding.UTF8.GetByteCount(e.Message);
            }
            stream = stream with
            {
                FirstEventTimestamp = stream.FirstEventTimestamp is { } f ? Math.Min(f, first) : first,
                LastEventTimestamp = stream.LastEventTimestamp is { } l ? Math.Max(l, last) : last,
                LastIngestionTime = ingestionTime,
                StoredBytes = stream.StoredBytes + bytes,
            };
            streams[streamName] = stream;
            var firstSequence = _nextSequence;
            _nextSequence += events.Count;
            commit = _writer.Append(new AppendEvents(groupId, streamName, events, ingestionTime, firstSequence, stream));
        }
        await commit.ConfigureAwait(false);
        EventsAppended?.Invoke(groupId);
    }

    public IReadOnlyList<LogEventRecord> ReadEvents(long groupId, IReadOnlyCollection<string>? streams, long startTime, long endTime, long? afterTimestamp, long? afterSequence, bool descending, int limit)
    {
        var sql = new StringBuilder("SELECT seq, stream, ts, ingestion_time, message FROM log_events WHERE group_id = $g AND ts >= $start AND ts < $end");
        using var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$g", groupId);
        command.Parameters.AddWithValue("$start", startTime);
        command.Parameters.AddWithValue("$end", endTime);
        if (afterTimestamp is { } ts && afterSequence is { } seq)
        {
            sql.Append(descending ? " AND (ts < $ats OR (ts = $ats AND seq < $aseq))" : " AND (ts > $ats OR (ts = $ats AND seq > $aseq))");
            command.Parameters.AddWithValue("$ats", ts);
            command.Parameters.AddWithValue("$aseq", seq);
        }
        if (streams is not null)
        {
            sql.Append(" AND stream IN (");
            var i = 0;
            foreach (var stream in streams)
            {
                sql.Append(i == 0 ? "$s0" : ", $s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                command.Parameters.AddWithValue("$s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), stream);
                i++;
            }
            if (i == 0)
            {
                return [];
            }
            sql.Append(')');
        }
        sql.Append(descending ? " ORDER BY ts DESC, seq DESC LIMIT $limit" : " ORDER BY ts, seq LIMIT $limit");
        command.Parameters.AddWithValue("$limit", limit);
        command.CommandText = sql.ToString();
        var list = new List<LogEventRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new LogEventRecord(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        }
        return list;
    }

    public async ValueTask<int> ExpireAsync(long groupId, long cutoff)
    {
        int count;
        using (var connection = new SqliteConnection(_readConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM log_events WHERE group_id = $g AND ts < $cutoff";
            command.Parameters.AddWithValue("$g", groupId);
            command.Parameters.AddWithValue("$cutoff", cutoff);
            count = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (count > 0)
        {
            await _writer.Append(new ExpireEvents(groupId, cutoff)).ConfigureAwait(false);
        }
        return count;
    }

    private sealed class SaveGroup(LogGroupRecord group) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            """
            INSERT INTO log_groups (id, account, region, name, created_at, retention_days, tags) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6)
            ON CONFLICT (id) DO UPDATE SET retention_days = excluded.retention_days, tags = excluded.tags
            """,
            group.Id, group.Account, group.Region, group.Name, group.CreatedAt, group.RetentionInDays, SqliteQueueStore.Json(group.Tags));
    }

    private sealed class DeleteGroup(long groupId) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            context.Execute("DELETE FROM log_events WHERE group_id = $p0", groupId);
            context.Execute("DELETE FROM log_streams WHERE group_id = $p0", groupId);
            context.Execute("DELETE FROM log_groups WHERE id = $p0", groupId);
        }
    }

    private sealed class SaveStream(LogStreamRecord s) : WriteOp
    {
        public override void Execute(WriteContext context) => context.Execute(
            """
            INSERT OR REPLACE INTO log_streams (group_id, name, created_at, first_event, last_event, last_ingestion, stored_bytes)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6)
            """,
            s.GroupId, s.Name, s.CreatedAt, s.FirstEventTimestamp, s.LastEventTimestamp, s.LastIngestionTime, s.StoredBytes);
    }

    private sealed class DeleteStream(long groupId, string name) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            context.Execute("DELETE FROM log_events WHERE group_id = $p0 AND stream = $p1", groupId, name);
            context.Execute("DELETE FROM log_streams WHERE group_id = $p0 AND name = $p1", groupId, name);
        }
    }

    private sealed class AppendEvents(long groupId, string stream, IReadOnlyList<NewLogEvent> events, long ingestionTime, long firstSequence, LogStreamRecord updated) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            for (var i = 0; i < events.Count; i++)
            {
                context.Execute(
                    "INSERT INTO log_events (seq, group_id, stream, ts, ingestion_time, message) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)",
                    firstSequence + i, groupId, stream, events[i].Timestamp, ingestionTime, events[i].Message);
            }
            new SaveStream(updated).Execute(context);
        }
    }

    private sealed class ExpireEvents(long groupId, long cutoff) : WriteOp
    {
        public override void Execute(WriteContext context) =>
            context.Execute("DELETE FROM log_events WHERE group_id = $p0 AND ts < $p1", groupId, cutoff);
    }
}
