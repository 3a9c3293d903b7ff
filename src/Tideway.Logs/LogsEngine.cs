using System.Text;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Logs;

/// <summary>
/// The CloudWatch Logs engine: log groups, streams, events, retention, tags and filter patterns, with the
/// validation, errors and paging of the CloudWatch Logs API. No HTTP and no wire shapes: the protocol layer maps
/// <c>Logs_20140328.*</c> requests to these methods. All times come from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class LogsEngine
{
    /// <summary>Most events in one PutLogEvents batch.</summary>
    public const int MaxBatchEvents = 10_000;

    /// <summary>Largest PutLogEvents batch: the sum of the messages' UTF-8 bytes plus <see cref="EventOverheadBytes"/> each.</summary>
    public const int MaxBatchBytes = 1_048_576;

    /// <summary>Bytes counted per event on top of its message.</summary>
    public const int EventOverheadBytes = 26;

    /// <summary>Largest event (message bytes plus overhead).</summary>
    public const int MaxEventBytes = 1_048_576;

    /// <summary>Most events GetLogEvents and FilterLogEvents return in one response.</summary>
    public const int MaxReadEvents = 10_000;

    /// <summary>Largest response of GetLogEvents and FilterLogEvents, counted like a PutLogEvents batch.</summary>
    public const int MaxResponseBytes = 1_048_576;

    /// <summary>Events older than this (ms) are rejected by PutLogEvents.</summary>
    public const long MaxEventAgeMs = 14 * DayMs;

    /// <summary>Events further than this (ms) in the future are rejected by PutLogEvents.</summary>
    public const long MaxEventFutureMs = 2 * 3_600_000;

    /// <summary>Longest time span (ms) of the accepted events of one PutLogEvents batch.</summary>
    public const long MaxBatchSpanMs = DayMs;

    /// <summary>Events FilterLogEvents examines in one call before it returns a token (possibly with no events, as AWS may).</summary>
    public const int FilterScanBudget = 100_000;

    private const long DayMs = 86_400_000;
    private const int ReadBatch = 1_000;
    private const int GroupPageSize = 1_000;

    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    private readonly ILogStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates the engine over a store.</summary>
    public LogsEngine(ILogStore store, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _time = timeProvider;
    }

    /// <summary>The values PutRetentionPolicy accepts.</summary>
    public static IReadOnlyList<int> RetentionInDaysValues { get; } =
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ---- log groups ----------------------------------------------------------------------------------------

    /// <summary>CreateLogGroup.</summary>
    public async ValueTask CreateLogGroupAsync(RequestScope scope, CreateLogGroupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        v.Tags(request.Tags, "tags", required: false);
        v.ThrowIfAny();
        if (request.LogGroupName.StartsWith("aws/", StringComparison.Ordinal))
        {
            throw LogsErrors.Invalid("Log group names can't start with the string aws/");
        }
        var created = await _store.CreateGroupAsync(scope.Account, scope.Region, request.LogGroupName, request.Tags ?? NoTags, Now).ConfigureAwait(false);
        if (created is null)
        {
            throw new ServiceException(LogsErrors.ResourceAlreadyExists, LogsErrors.LogGroupExists);
        }
    }

    /// <summary>DeleteLogGroup: the group with its streams and events.</summary>
    public async ValueTask DeleteLogGroupAsync(RequestScope scope, DeleteLogGroupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var group = RequireGroupByName(scope, request.LogGroupName);
        if (!await _store.DeleteGroupAsync(group.Id).ConfigureAwait(false))
        {
            throw LogsErrors.GroupNotFound();
        }
    }

    /// <summary>DescribeLogGroups: groups ordered by name, filtered by prefix or by a case-sensitive substring.</summary>
    public DescribeLogGroupsResponse DescribeLogGroups(RequestScope scope, DescribeLogGroupsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.OptionalGroupName(request.LogGroupNamePrefix, "logGroupNamePrefix");
        v.GroupNamePattern(request.LogGroupNamePattern, "logGroupNamePattern");
        v.Range(request.Limit, "limit", 1, 50);
        v.NextToken(request.NextToken);
        v.ThrowIfAny();
        var prefix = request.LogGroupNamePrefix;
        var pattern = request.LogGroupNamePattern;
        if (prefix is not null && pattern is not null)
        {
            throw LogsErrors.Invalid("logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one of these parameters can be passed.");
        }
        var limit = request.Limit ?? 50;
        string? after;
        if (request.NextToken is { } token)
        {
            // AWS answers an unknown DescribeLogGroups token with an empty page rather than an error.
            if (!LogTokens.TryParseGroups(token, out var last))
            {
                return new DescribeLogGroupsResponse([], null);
            }
            after = last;
        }
        else
        {
            // Every name that starts with the prefix sorts after the prefix without its last character.
            after = prefix is { Length: > 0 } ? prefix[..^1] : null;
        }

        var page = new List<LogGroup>();
        var more = false;
        var done = false;
        while (!done)
        {
            var batch = _store.ListGroups(scope.Account, scope.Region, after, GroupPageSize);
            foreach (var group in batch)
            {
                if (prefix is not null && !group.Name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    // Names with the prefix are contiguous: a greater name without it ends the search.
                    done = string.CompareOrdinal(group.Name, prefix) > 0;
                    if (done)
                    {
                        break;
                    }
                    continue;
                }
                if (pattern is not null && !group.Name.Contains(pattern, StringComparison.Ordinal))
                {
                    continue;
                }
                if (page.Count == limit)
                {
                    more = done = true;
                    break;
                }
                page.Add(ToLogGroup(group, brief: pattern is not null));
            }
            if (batch.Count < GroupPageSize)
            {
                done = true;
            }
            else
            {
                after = batch[^1].Name;
            }
        }
        return new DescribeLogGroupsResponse(page, more ? LogTokens.Groups(page[^1].LogGroupName) : null);
    }

    /// <summary>PutRetentionPolicy: one of <see cref="RetentionInDaysValues"/>.</summary>
    public async ValueTask PutRetentionPolicyAsync(RequestScope scope, PutRetentionPolicyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        if (request.RetentionInDays is not { } days)
        {
            v.Add("null", "retentionInDays", "Member must not be null");
        }
        else if (!RetentionInDaysValues.Contains(days))
        {
            v.Add(Validation.Quote(days), "retentionInDays", "Member must satisfy enum value set: [" + string.Join(", ", RetentionInDaysValues) + "]");
        }
        v.ThrowIfAny();
        var group = FindGroup(scope, request.LogGroupName);
        await _store.SetRetentionAsync(group.Id, request.RetentionInDays).ConfigureAwait(false);
    }

    /// <summary>DeleteRetentionPolicy: events never expire again.</summary>
    public async ValueTask DeleteRetentionPolicyAsync(RequestScope scope, DeleteRetentionPolicyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var group = RequireGroupByName(scope, request.LogGroupName);
        await _store.SetRetentionAsync(group.Id, null).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the events that are older than their group's retention, in every account and region. The host calls it
    /// periodically; reads already hide such events before the sweep. Returns how many events were dropped.
    /// </summary>
    public async ValueTask<int> SweepRetentionAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        var dropped = 0;
        foreach (var group in _store.ListGroupsWithRetention())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (RetentionCutoff(group, now) is { } cutoff)
            {
                dropped += await _store.ExpireAsync(group.Id, cutoff).ConfigureAwait(false);
            }
        }
        return dropped;
    }

    // ---- tags ----------------------------------------------------------------------------------------------

    /// <summary>TagLogGroup (deprecated by AWS, still served): adds or overwrites tags.</summary>
    public async ValueTask TagLogGroupAsync(RequestScope scope, TagLogGroupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        v.Tags(request.Tags, "tags", required: true);
        v.ThrowIfAny();
        var group = FindGroup(scope, request.LogGroupName);
        await AddTagsAsync(group, request.Tags, LogsErrors.InvalidParameter).ConfigureAwait(false);
    }

    /// <summary>UntagLogGroup (deprecated by AWS, still served): removes tags by key.</summary>
    public async ValueTask UntagLogGroupAsync(RequestScope scope, UntagLogGroupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        v.TagKeys(request.Tags, "tags");
        v.ThrowIfAny();
        var group = FindGroup(scope, request.LogGroupName);
        await RemoveTagsAsync(group, request.Tags).ConfigureAwait(false);
    }

    /// <summary>ListTagsLogGroup (deprecated by AWS, still served).</summary>
    public ListTagsLogGroupResponse ListTagsLogGroup(RequestScope scope, ListTagsLogGroupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ListTagsLogGroupResponse(RequireGroupByName(scope, request.LogGroupName).Tags);
    }

    /// <summary>TagResource on a log group ARN.</summary>
    public async ValueTask TagResourceAsync(RequestScope scope, TagResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.Required(request.ResourceArn, "resourceArn", 1, 1011);
        v.Tags(request.Tags, "tags", required: true);
        v.ThrowIfAny();
        var group = FindGroupByArn(scope, request.ResourceArn);
        await AddTagsAsync(group, request.Tags, LogsErrors.TooManyTags).ConfigureAwait(false);
    }

    /// <summary>UntagResource on a log group ARN.</summary>
    public async ValueTask UntagResourceAsync(RequestScope scope, UntagResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.Required(request.ResourceArn, "resourceArn", 1, 1011);
        v.TagKeys(request.TagKeys, "tagKeys");
        v.ThrowIfAny();
        var group = FindGroupByArn(scope, request.ResourceArn);
        await RemoveTagsAsync(group, request.TagKeys).ConfigureAwait(false);
    }

    /// <summary>ListTagsForResource on a log group ARN.</summary>
    public ListTagsForResourceResponse ListTagsForResource(RequestScope scope, ListTagsForResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.Required(request.ResourceArn, "resourceArn", 1, 1011);
        v.ThrowIfAny();
        return new ListTagsForResourceResponse(FindGroupByArn(scope, request.ResourceArn).Tags);
    }

    private async ValueTask AddTagsAsync(LogGroupRecord group, IReadOnlyDictionary<string, string> tags, string tooManyCode)
    {
        var merged = new Dictionary<string, string>(group.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            merged[key] = value;
        }
        if (merged.Count > 50)
        {
            throw new ServiceException(tooManyCode, "A resource can have no more than 50 tags.");
        }
        await _store.SetTagsAsync(group.Id, merged).ConfigureAwait(false);
    }

    private async ValueTask RemoveTagsAsync(LogGroupRecord group, IReadOnlyList<string> keys)
    {
        var remaining = new Dictionary<string, string>(group.Tags, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            remaining.Remove(key);
        }
        await _store.SetTagsAsync(group.Id, remaining).ConfigureAwait(false);
    }

    // ---- log streams ---------------------------------------------------------------------------------------

    /// <summary>CreateLogStream.</summary>
    public async ValueTask CreateLogStreamAsync(RequestScope scope, CreateLogStreamRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        v.StreamName(request.LogStreamName);
        v.ThrowIfAny();
        var group = FindGroup(scope, request.LogGroupName);
        if (!await _store.CreateStreamAsync(group.Id, request.LogStreamName, Now).ConfigureAwait(false))
        {
            throw new ServiceException(LogsErrors.ResourceAlreadyExists, LogsErrors.LogStreamExists);
        }
    }

    /// <summary>DeleteLogStream: the stream and its events.</summary>
    public async ValueTask DeleteLogStreamAsync(RequestScope scope, DeleteLogStreamRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        v.StreamName(request.LogStreamName);
        v.ThrowIfAny();
        var group = FindGroup(scope, request.LogGroupName);
        if (!await _store.DeleteStreamAsync(group.Id, request.LogStreamName).ConfigureAwait(false))
        {
            throw LogsErrors.StreamNotFound();
        }
    }

    /// <summary>DescribeLogStreams: by name (optionally by prefix) or by last event time.</summary>
    public DescribeLogStreamsResponse DescribeLogStreams(RequestScope scope, DescribeLogStreamsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        ValidateGroupReference(v, request.LogGroupName, request.LogGroupIdentifier);
        v.OptionalStreamName(request.LogStreamNamePrefix, "logStreamNamePrefix");
        if (request.OrderBy is not (null or "LogStreamName" or "LastEventTime"))
        {
            v.Add(Validation.Quote(request.OrderBy), "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
        }
        v.Range(request.Limit, "limit", 1, 50);
        v.NextToken(request.NextToken);
        v.ThrowIfAny();
        var byTime = request.OrderBy == "LastEventTime";
        if (byTime && request.LogStreamNamePrefix is not null)
        {
            throw LogsErrors.Invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
        }
        var group = ResolveGroup(scope, request.LogGroupName, request.LogGroupIdentifier);
        var descending = request.Descending ?? false;
        var limit = request.Limit ?? 50;

        var streams = new List<LogStreamRecord>();
        foreach (var stream in _store.ListStreams(group.Id))
        {
            if (request.LogStreamNamePrefix is not { } prefix || stream.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                streams.Add(stream);
            }
        }
        long Key(LogStreamRecord s) => byTime ? s.LastEventTimestamp ?? long.MinValue : 0;
        int Compare(long keyA, string nameA, long keyB, string nameB)
        {
            var c = keyA.CompareTo(keyB);
            if (c == 0)
            {
                c = string.CompareOrdinal(nameA, nameB);
            }
            return descending ? -c : c;
        }
        streams.Sort((a, b) => Compare(Key(a), a.Name, Key(b), b.Name));

        var start = 0;
        if (request.NextToken is { } token)
        {
            if (!LogTokens.TryParseStreams(token, out var lastKey, out var lastName))
            {
                throw LogsErrors.Invalid(LogsErrors.InvalidNextToken);
            }
            while (start < streams.Count && Compare(Key(streams[start]), streams[start].Name, lastKey, lastName) <= 0)
            {
                start++;
            }
        }
        var count = Math.Min(limit, streams.Count - start);
        var page = new List<LogStream>(count);
        for (var i = start; i < start + count; i++)
        {
            page.Add(ToLogStream(group, streams[i]));
        }
        var more = start + count < streams.Count;
        var next = more ? LogTokens.Streams(Key(streams[start + count - 1]), streams[start + count - 1].Name) : null;
        return new DescribeLogStreamsResponse(page, next);
    }

    // ---- events --------------------------------------------------------------------------------------------

    /// <summary>
    /// PutLogEvents: validates the batch, stores the events that are neither too old (14 days, or the group's
    /// retention) nor too new (2 hours ahead) and reports the others in <c>rejectedLogEventsInfo</c>. The group and
    /// the stream must exist; the sequence token is ignored.
    /// </summary>
    public async ValueTask<PutLogEventsResponse> PutLogEventsAsync(RequestScope scope, PutLogEventsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.GroupName(request.LogGroupName);
        v.StreamName(request.LogStreamName);
        var events = request.LogEvents;
        if (events is null)
        {
            v.Add("null", "logEvents", "Member must not be null");
        }
        else
        {
            v.Count(events.Count, "logEvents", 1, MaxBatchEvents);
            for (var i = 0; i < events.Count && i < MaxBatchEvents; i++)
            {
                // Member names are built only for a violation: this loop runs for every ingested event.
                if (events[i].Message is not { Length: > 0 })
                {
                    v.Required(events[i].Message, $"logEvents.{i + 1}.member.message", 1, int.MaxValue);
                }
                if (events[i].Timestamp < 0)
                {
                    v.Range(events[i].Timestamp, $"logEvents.{i + 1}.member.timestamp", 0, long.MaxValue);
                }
            }
        }
        v.NextToken(request.SequenceToken, "sequenceToken");
        v.ThrowIfAny();

        var group = FindGroup(scope, request.LogGroupName);
        if (_store.FindStream(group.Id, request.LogStreamName) is null)
        {
            throw LogsErrors.StreamNotFound();
        }

        long total = 0;
        for (var i = 0; i < events!.Count; i++)
        {
            var size = (long)Encoding.UTF8.GetByteCount(events[i].Message) + EventOverheadBytes;
            if (size > MaxEventBytes)
            {
                throw LogsErrors.Invalid($"Log event too large: {size} bytes exceeds limit of {MaxEventBytes}");
            }
            total += size;
            if (i > 0 && events[i].Timestamp < events[i - 1].Timestamp)
            {
                throw LogsErrors.Invalid(LogsErrors.NotChronological);
            }
        }
        if (total > MaxBatchBytes)
        {
            throw LogsErrors.Invalid($"Upload too large: {total} bytes exceeds limit of {MaxBatchBytes}");
        }

        // The batch is in chronological order, so the rejected events are a prefix (old) and a suffix (new).
        var now = Now;
        var tooOld = CountBefore(events, now - MaxEventAgeMs);
        var expired = RetentionCutoff(group, now) is { } cutoff ? CountBefore(events, cutoff) : 0;
        var firstAccepted = Math.Max(tooOld, expired);
        var tooNewStart = events.Count;
        while (tooNewStart > firstAccepted && events[tooNewStart - 1].Timestamp > now + MaxEventFutureMs)
        {
            tooNewStart--;
        }
        if (tooNewStart > firstAccepted && events[tooNewStart - 1].Timestamp - events[firstAccepted].Timestamp > MaxBatchSpanMs)
        {
            throw LogsErrors.Invalid(LogsErrors.SpanTooLong);
        }

        if (tooNewStart > firstAccepted)
        {
            var accepted = new NewLogEvent[tooNewStart - firstAccepted];
            for (var i = firstAccepted; i < tooNewStart; i++)
            {
                accepted[i - firstAccepted] = new NewLogEvent(events[i].Timestamp, events[i].Message);
            }
            try
            {
                await _store.AppendAsync(group.Id, request.LogStreamName, accepted, now).ConfigureAwait(false);
            }
            catch (KeyNotFoundException)
            {
                throw LogsErrors.StreamNotFound(); // deleted meanwhile
            }
        }

        var rejected = tooOld > 0 || expired > 0 || tooNewStart < events.Count
            ? new RejectedLogEventsInfo(
                tooNewStart < events.Count ? tooNewStart : null,
                tooOld > 0 ? tooOld : null,
                expired > 0 ? expired : null)
            : null;
        var stream = _store.FindStream(group.Id, request.LogStreamName);
        return new PutLogEventsResponse(stream is null ? null : LogTokens.SequenceToken(stream), rejected);
    }

    /// <summary>
    /// GetLogEvents of one stream. Without a token: the latest events (or the earliest with
    /// <c>startFromHead</c>). Tokens are <c>f/…</c> (newer) and <c>b/…</c> (older); at the end in a direction the
    /// token passed in comes back unchanged.
    /// </summary>
    public GetLogEventsResponse GetLogEvents(RequestScope scope, GetLogEventsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        ValidateGroupReference(v, request.LogGroupName, request.LogGroupIdentifier);
        v.StreamName(request.LogStreamName);
        v.Range(request.StartTime, "startTime", 0, long.MaxValue);
        v.Range(request.EndTime, "endTime", 0, long.MaxValue);
        v.Range(request.Limit, "limit", 1, MaxReadEvents);
        v.NextToken(request.NextToken);
        v.ThrowIfAny();
        bool forward = false;
        long tokenTimestamp = 0, tokenSequence = 0;
        if (request.NextToken is { } token && !LogTokens.TryParseGetLogEvents(token, out forward, out tokenTimestamp, out tokenSequence))
        {
            throw LogsErrors.Invalid(LogsErrors.InvalidNextToken);
        }
        var group = ResolveGroup(scope, request.LogGroupName, request.LogGroupIdentifier);
        if (_store.FindStream(group.Id, request.LogStreamName) is null)
        {
            throw LogsErrors.StreamNotFound();
        }

        var start = Math.Max(request.StartTime ?? long.MinValue, RetentionCutoff(group, Now) ?? long.MinValue);
        var end = request.EndTime ?? long.MaxValue;
        var limit = request.Limit ?? MaxReadEvents;
        string[] streams = [request.LogStreamName];
        IReadOnlyList<LogEventRecord> read;
        bool ascending;
        if (request.NextToken is not null)
        {
            ascending = forward;
            read = _store.ReadEvents(group.Id, streams, start, end, tokenTimestamp, tokenSequence, descending: !forward, limit);
        }
        else
        {
            ascending = request.StartFromHead ?? false;
            read = _store.ReadEvents(group.Id, streams, start, end, null, null, descending: !ascending, limit);
        }

        // Keep what fits in a response, nearest the starting point; then order oldest first.
        var kept = new List<LogEventRecord>(read.Count);
        long bytes = 0;
        foreach (var e in read)
        {
            bytes += Encoding.UTF8.GetByteCount(e.Message) + EventOverheadBytes;
            if (bytes > MaxResponseBytes && kept.Count > 0)
            {
                break;
            }
            kept.Add(e);
        }
        if (!ascending)
        {
            kept.Reverse();
        }
        var events = new OutputLogEvent[kept.Count];
        for (var i = 0; i < kept.Count; i++)
        {
            events[i] = new OutputLogEvent(kept[i].Timestamp, kept[i].Message, kept[i].IngestionTime);
        }

        string nextForward, nextBackward;
        if (kept.Count > 0)
        {
            nextForward = LogTokens.Forward(kept[^1].Timestamp, kept[^1].Sequence);
            nextBackward = LogTokens.Backward(kept[0].Timestamp, kept[0].Sequence);
        }
        else if (request.NextToken is { } given)
        {
            nextForward = forward ? given : LogTokens.Forward(tokenTimestamp, tokenSequence);
            nextBackward = forward ? LogTokens.Backward(tokenTimestamp, tokenSequence) : given;
        }
        else
        {
            nextForward = LogTokens.Forward(LogTokens.Min, LogTokens.Min);
            nextBackward = LogTokens.Backward(LogTokens.Min, LogTokens.Min);
        }
        return new GetLogEventsResponse(events, nextForward, nextBackward);
    }

    /// <summary>
    /// FilterLogEvents: the events of a group (or of some of its streams) in the time range that match the filter
    /// pattern, in timestamp order across streams. <c>startTime</c> and <c>endTime</c> are both inclusive.
    /// </summary>
    public FilterLogEventsResponse FilterLogEvents(RequestScope scope, FilterLogEventsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        ValidateGroupReference(v, request.LogGroupName, request.LogGroupIdentifier);
        if (request.LogStreamNames is { } names)
        {
            v.Count(names.Count, "logStreamNames", 1, 100);
            for (var i = 0; i < names.Count; i++)
            {
                v.OptionalStreamName(names[i] ?? string.Empty, $"logStreamNames.{i + 1}.member");
            }
        }
        v.OptionalStreamName(request.LogStreamNamePrefix, "logStreamNamePrefix");
        v.Range(request.StartTime, "startTime", 0, long.MaxValue);
        v.Range(request.EndTime, "endTime", 0, long.MaxValue);
        v.Length(request.FilterPattern, "filterPattern", 0, 1024);
        v.Range(request.Limit, "limit", 1, MaxReadEvents);
        v.NextToken(request.NextToken);
        v.ThrowIfAny();
        if (request.LogStreamNames is not null && request.LogStreamNamePrefix is not null)
        {
            throw LogsErrors.Invalid("logStreamNames and logStreamNamePrefix are mutually exclusive. Only one of these parameters can be passed.");
        }
        long afterTimestamp = LogTokens.Min, afterSequence = LogTokens.Min;
        if (request.NextToken is { } token && !LogTokens.TryParseFilterNext(token, out afterTimestamp, out afterSequence))
        {
            throw LogsErrors.Invalid(LogsErrors.InvalidNextToken);
        }
        var pattern = FilterPattern.Parse(request.FilterPattern);
        var group = ResolveGroup(scope, request.LogGroupName, request.LogGroupIdentifier);

        IReadOnlyCollection<string>? streams = null;
        if (request.LogStreamNames is { } wanted)
        {
            foreach (var name in wanted)
            {
                // AWS fails the whole request when any listed stream does not exist (it does not skip the name).
                if (_store.FindStream(group.Id, name) is null)
                {
                    throw LogsErrors.StreamNotFound();
                }
            }
            streams = new HashSet<string>(wanted, StringComparer.Ordinal);
        }
        else if (request.LogStreamNamePrefix is { } prefix)
        {
            var matching = new HashSet<string>(StringComparer.Ordinal);
            foreach (var stream in _store.ListStreams(group.Id))
            {
                if (stream.Name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    matching.Add(stream.Name);
                }
            }
            streams = matching;
        }
        var empty = new FilterLogEventsResponse([], [], null);
        if (streams is { Count: 0 })
        {
            return empty;
        }

        var start = Math.Max(request.StartTime ?? long.MinValue, RetentionCutoff(group, Now) ?? long.MinValue);
        var end = request.EndTime is { } e ? (e == long.MaxValue ? e : e + 1) : long.MaxValue;
        var limit = request.Limit ?? MaxReadEvents;
        var results = new List<FilteredLogEvent>();
        long bytes = 0;
        var scanned = 0;
        long returnedTimestamp = 0, returnedSequence = 0;
        string? next = null;
        while (next is null)
        {
            var batch = _store.ReadEvents(group.Id, streams, start, end, afterTimestamp, afterSequence, descending: false, ReadBatch);
            foreach (var record in batch)
            {
                scanned++;
                if (pattern.Matches(record.Message))
                {
                    var size = Encoding.UTF8.GetByteCount(record.Message) + EventOverheadBytes;
                    if (results.Count == limit || (results.Count > 0 && bytes + size > MaxResponseBytes))
                    {
                        // Another match exists: the next page starts after the last event returned.
                        next = LogTokens.FilterNext(returnedTimestamp, returnedSequence);
                        break;
                    }
                    bytes += size;
                    results.Add(new FilteredLogEvent(record.StreamName, record.Timestamp, record.Message, record.IngestionTime, LogTokens.EventId(record)));
                    (returnedTimestamp, returnedSequence) = (record.Timestamp, record.Sequence);
                }
                (afterTimestamp, afterSequence) = (record.Timestamp, record.Sequence);
                if (scanned >= FilterScanBudget)
                {
                    // Searched enough for one call: the next page goes on after the last event examined.
                    next = LogTokens.FilterNext(afterTimestamp, afterSequence);
                    break;
                }
            }
            if (next is null && batch.Count < ReadBatch)
            {
                break;
            }
        }
        return new FilterLogEventsResponse(results, [], next);
    }

    /// <summary>TestMetricFilter: which of the messages a filter pattern matches, with extracted fields.</summary>
    public static TestMetricFilterResponse TestMetricFilter(TestMetricFilterRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var v = new Validation();
        v.Required(request.FilterPattern, "filterPattern", 0, 1024);
        if (request.LogEventMessages is null)
        {
            v.Add("null", "logEventMessages", "Member must not be null");
        }
        else
        {
            v.Count(request.LogEventMessages.Count, "logEventMessages", 1, 50);
            for (var i = 0; i < request.LogEventMessages.Count; i++)
            {
                v.Required(request.LogEventMessages[i], $"logEventMessages.{i + 1}.member", 1, int.MaxValue);
            }
        }
        v.ThrowIfAny();
        var pattern = FilterPattern.Parse(request.FilterPattern);
        var matches = new List<MetricFilterMatchRecord>();
        for (var i = 0; i < request.LogEventMessages!.Count; i++)
        {
            var message = request.LogEventMessages[i];
            if (pattern.Matches(message, out var extracted))
            {
                matches.Add(new MetricFilterMatchRecord(i + 1, message, extracted));
            }
        }
        return new TestMetricFilterResponse(matches);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static int CountBefore(IReadOnlyList<InputLogEvent> events, long cutoff)
    {
        var n = 0;
        while (n < events.Count && events[n].Timestamp < cutoff)
        {
            n++;
        }
        return n;
    }

    private static long? RetentionCutoff(LogGroupRecord group, long now) =>
        group.RetentionInDays is { } days ? now - (days * DayMs) : null;

    private static void ValidateGroupReference(Validation v, string? name, string? identifier)
    {
        if (name is not null)
        {
            v.GroupName(name);
        }
        v.GroupIdentifier(identifier);
    }

    /// <summary>A group named by <c>logGroupName</c> or <c>logGroupIdentifier</c> (a name or an ARN), exactly one of them.</summary>
    private LogGroupRecord ResolveGroup(RequestScope scope, string? name, string? identifier)
    {
        if (name is not null && identifier is not null)
        {
            throw LogsErrors.Invalid("You must include either logGroupIdentifier or logGroupName, but not both.");
        }
        if (name is not null)
        {
            return FindGroup(scope, name);
        }
        if (identifier is null)
        {
            throw LogsErrors.Invalid("You must include either logGroupIdentifier or logGroupName.");
        }
        if (!identifier.StartsWith("arn:", StringComparison.Ordinal))
        {
            return FindGroup(scope, identifier);
        }
        if (!LogsArns.TryParseLogGroup(identifier, out var account, out var region, out var groupName)
            || account != scope.Account || region != scope.Region)
        {
            throw LogsErrors.GroupNotFound();
        }
        return FindGroup(scope, groupName);
    }

    private LogGroupRecord RequireGroupByName(RequestScope scope, string? name)
    {
        var v = new Validation();
        v.GroupName(name);
        v.ThrowIfAny();
        return FindGroup(scope, name!);
    }

    private LogGroupRecord FindGroup(RequestScope scope, string name) =>
        _store.FindGroup(scope.Account, scope.Region, name) ?? throw LogsErrors.GroupNotFound();

    private LogGroupRecord FindGroupByArn(RequestScope scope, string arn)
    {
        if (!LogsArns.TryParseLogGroup(arn, out var account, out var region, out var name))
        {
            throw LogsErrors.Invalid("The specified resource ARN is not a log group ARN: " + arn);
        }
        if (account != scope.Account || region != scope.Region)
        {
            throw new ServiceException(LogsErrors.ResourceNotFound, "The specified resource does not exist.");
        }
        return _store.FindGroup(account, region, name)
            ?? throw new ServiceException(LogsErrors.ResourceNotFound, "The specified resource does not exist.");
    }

    private LogGroup ToLogGroup(LogGroupRecord group, bool brief)
    {
        var arn = LogsArns.LogGroup(group.Account, group.Region, group.Name);
        if (brief)
        {
            // With logGroupNamePattern AWS returns only arn, creationTime and logGroupName.
            return new LogGroup(group.Name, group.CreatedAt, null, null, arn + ":*", null, null, null);
        }
        long stored = 0;
        foreach (var stream in _store.ListStreams(group.Id))
        {
            stored += stream.StoredBytes;
        }
        return new LogGroup(group.Name, group.CreatedAt, group.RetentionInDays, 0, arn + ":*", arn, stored, "STANDARD");
    }

    private static LogStream ToLogStream(LogGroupRecord group, LogStreamRecord stream) =>
        new(stream.Name, stream.CreatedAt, stream.FirstEventTimestamp, stream.LastEventTimestamp, stream.LastIngestionTime,
            LogTokens.SequenceToken(stream), LogsArns.LogStream(group.Account, group.Region, group.Name, stream.Name), 0);
}
