namespace Tideway.Storage;

/// <summary>A log group as stored.</summary>
/// <param name="Id">Store-assigned id.</param>
/// <param name="Account">Owning account.</param>
/// <param name="Region">Region.</param>
/// <param name="Name">Log group name.</param>
/// <param name="CreatedAt">Creation time, Unix milliseconds.</param>
/// <param name="RetentionInDays">Retention, or null for never expire.</param>
/// <param name="Tags">Tags.</param>
public sealed record LogGroupRecord(long Id, string Account, string Region, string Name, long CreatedAt, int? RetentionInDays, IReadOnlyDictionary<string, string> Tags);

/// <summary>A log stream as stored.</summary>
/// <param name="GroupId">The log group's id.</param>
/// <param name="Name">Stream name.</param>
/// <param name="CreatedAt">Creation time, Unix milliseconds.</param>
/// <param name="FirstEventTimestamp">Earliest event timestamp, or null when empty.</param>
/// <param name="LastEventTimestamp">Latest event timestamp, or null when empty.</param>
/// <param name="LastIngestionTime">Latest ingestion time, or null when empty.</param>
/// <param name="StoredBytes">Sum of stored message sizes.</param>
public sealed record LogStreamRecord(long GroupId, string Name, long CreatedAt, long? FirstEventTimestamp, long? LastEventTimestamp, long? LastIngestionTime, long StoredBytes);

/// <summary>One log event to append.</summary>
/// <param name="Timestamp">Event time, Unix milliseconds.</param>
/// <param name="Message">The message.</param>
public readonly record struct NewLogEvent(long Timestamp, string Message);

/// <summary>A stored log event.</summary>
/// <param name="Sequence">Store-assigned, increasing in append order across the store; used for paging tokens.</param>
/// <param name="StreamName">The stream.</param>
/// <param name="Timestamp">Event time, Unix milliseconds.</param>
/// <param name="IngestionTime">When it was stored, Unix milliseconds.</param>
/// <param name="Message">The message.</param>
public sealed record LogEventRecord(long Sequence, string StreamName, long Timestamp, long IngestionTime, string Message);

/// <summary>
/// Log groups, streams and events. Appends complete once durable. Reads see every completed append.
/// </summary>
public interface ILogStore
{
    /// <summary>Raised (on any thread) after events are appended to a group, with the group id.</summary>
    event Action<long>? EventsAppended;

    /// <summary>Creates a group; returns null if one with that name exists.</summary>
    ValueTask<LogGroupRecord?> CreateGroupAsync(string account, string region, string name, IReadOnlyDictionary<string, string> tags, long now);

    /// <summary>Deletes a group with its streams and events. False if missing.</summary>
    ValueTask<bool> DeleteGroupAsync(long groupId);

    /// <summary>Sets or clears (null) the retention of a group.</summary>
    ValueTask SetRetentionAsync(long groupId, int? retentionInDays);

    /// <summary>Replaces the tags of a group (no-op if the group is missing).</summary>
    ValueTask SetTagsAsync(long groupId, IReadOnlyDictionary<string, string> tags);

    /// <summary>The group with that name, or null.</summary>
    LogGroupRecord? FindGroup(string account, string region, string name);

    /// <summary>Groups of an account and region ordered by name, names greater than <paramref name="after"/> (null: from the start).</summary>
    IReadOnlyList<LogGroupRecord> ListGroups(string account, string region, string? after, int limit);

    /// <summary>The groups of every account and region that have a retention set (for the retention sweep).</summary>
    IReadOnlyList<LogGroupRecord> ListGroupsWithRetention();

    /// <summary>Creates a stream; false if it exists.</summary>
    ValueTask<bool> CreateStreamAsync(long groupId, string name, long now);

    /// <summary>Deletes a stream with its events. False if missing.</summary>
    ValueTask<bool> DeleteStreamAsync(long groupId, string name);

    /// <summary>The stream, or null.</summary>
    LogStreamRecord? FindStream(long groupId, string name);

    /// <summary>All streams of a group ordered by name.</summary>
    IReadOnlyList<LogStreamRecord> ListStreams(long groupId);

    /// <summary>Appends events (already validated and sorted by timestamp) to an existing stream.</summary>
    ValueTask AppendAsync(long groupId, string streamName, IReadOnlyList<NewLogEvent> events, long ingestionTime);

    /// <summary>
    /// Events of the given streams (all streams when null) with <paramref name="startTime"/> ≤ timestamp &lt;
    /// <paramref name="endTime"/>, ordered by (timestamp, sequence) ascending (or descending), strictly after
    /// the position (<paramref name="afterTimestamp"/>, <paramref name="afterSequence"/>) in that order when given,
    /// at most <paramref name="limit"/>.
    /// </summary>
    IReadOnlyList<LogEventRecord> ReadEvents(long groupId, IReadOnlyCollection<string>? streams, long startTime, long endTime, long? afterTimestamp, long? afterSequence, bool descending, int limit);

    /// <summary>Drops events with timestamps before <paramref name="cutoff"/>. Returns how many.</summary>
    ValueTask<int> ExpireAsync(long groupId, long cutoff);
}
