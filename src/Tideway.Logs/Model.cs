using System.Diagnostics.CodeAnalysis;

namespace Tideway.Logs;

// Shapes and operation inputs/outputs, named as the CloudWatch Logs API reference names them so that a reader can
// grep the AWS documentation. The protocol layer maps them to and from the awsJson1_1 wire shapes.

/// <summary>A log group as DescribeLogGroups reports it (<c>LogGroup</c>).</summary>
/// <param name="LogGroupName">The name.</param>
/// <param name="CreationTime">Creation time, Unix milliseconds.</param>
/// <param name="RetentionInDays">Retention in days, or null for never expire.</param>
/// <param name="MetricFilterCount">Number of metric filters (always 0: metric filters are not supported); null when AWS omits it.</param>
/// <param name="Arn">The ARN with a trailing <c>:*</c> (<c>arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*</c>).</param>
/// <param name="LogGroupArn">The ARN without the trailing <c>:*</c>, as TagResource takes it; null when AWS omits it.</param>
/// <param name="StoredBytes">Bytes stored (sum of message sizes); null when AWS omits it.</param>
/// <param name="LogGroupClass"><c>STANDARD</c>; null when AWS omits it.</param>
public sealed record LogGroup(
    string LogGroupName,
    long CreationTime,
    int? RetentionInDays,
    int? MetricFilterCount,
    string Arn,
    string? LogGroupArn,
    long? StoredBytes,
    string? LogGroupClass);

/// <summary>A log stream as DescribeLogStreams reports it (<c>LogStream</c>).</summary>
/// <param name="LogStreamName">The name.</param>
/// <param name="CreationTime">Creation time, Unix milliseconds.</param>
/// <param name="FirstEventTimestamp">Timestamp of the earliest event, or null when the stream is empty.</param>
/// <param name="LastEventTimestamp">Timestamp of the latest event, or null when the stream is empty.</param>
/// <param name="LastIngestionTime">Latest ingestion time, or null when the stream is empty.</param>
/// <param name="UploadSequenceToken">The deprecated sequence token (PutLogEvents ignores it).</param>
/// <param name="Arn">The stream ARN.</param>
/// <param name="StoredBytes">Always 0: AWS deprecated this field for streams in 2019 and reports zero.</param>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "AWS's own noun (STYLE.md).")]
public sealed record LogStream(
    string LogStreamName,
    long CreationTime,
    long? FirstEventTimestamp,
    long? LastEventTimestamp,
    long? LastIngestionTime,
    string? UploadSequenceToken,
    string Arn,
    long StoredBytes);

/// <summary>One event to upload (<c>InputLogEvent</c>).</summary>
/// <param name="Timestamp">Event time, Unix milliseconds.</param>
/// <param name="Message">The message (at least one character).</param>
public readonly record struct InputLogEvent(long Timestamp, string Message);

/// <summary>An event of a stream (<c>OutputLogEvent</c>).</summary>
/// <param name="Timestamp">Event time, Unix milliseconds.</param>
/// <param name="Message">The message.</param>
/// <param name="IngestionTime">When it was stored, Unix milliseconds.</param>
public sealed record OutputLogEvent(long Timestamp, string Message, long IngestionTime);

/// <summary>An event found by FilterLogEvents (<c>FilteredLogEvent</c>).</summary>
/// <param name="LogStreamName">The stream it belongs to.</param>
/// <param name="Timestamp">Event time, Unix milliseconds.</param>
/// <param name="Message">The message.</param>
/// <param name="IngestionTime">When it was stored, Unix milliseconds.</param>
/// <param name="EventId">A stable id (the same event always has the same id; <c>aws logs tail --follow</c> relies on it).</param>
public sealed record FilteredLogEvent(string LogStreamName, long Timestamp, string Message, long IngestionTime, string EventId);

/// <summary>A searched stream (<c>SearchedLogStream</c>). AWS has returned an empty list since May 2020, and so do we.</summary>
/// <param name="LogStreamName">The stream.</param>
/// <param name="SearchedCompletely">Whether it was searched completely.</param>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "AWS's own noun (STYLE.md).")]
public sealed record SearchedLogStream(string LogStreamName, bool SearchedCompletely);

/// <summary>Which events of a PutLogEvents batch were not stored (<c>RejectedLogEventsInfo</c>).</summary>
/// <param name="TooNewLogEventStartIndex">Index of the first event more than 2 hours in the future (inclusive).</param>
/// <param name="TooOldLogEventEndIndex">End of the events older than 14 days (exclusive: that many leading events).</param>
/// <param name="ExpiredLogEventEndIndex">End of the events older than the group's retention (exclusive, like the above).</param>
public sealed record RejectedLogEventsInfo(int? TooNewLogEventStartIndex, int? TooOldLogEventEndIndex, int? ExpiredLogEventEndIndex);

/// <summary>One matched message of TestMetricFilter (<c>MetricFilterMatchRecord</c>).</summary>
/// <param name="EventNumber">1-based position of the message in the request.</param>
/// <param name="EventMessage">The message.</param>
/// <param name="ExtractedValues">Fields of a space-delimited pattern (<c>$name</c> or <c>$position</c>); empty for other patterns.</param>
public sealed record MetricFilterMatchRecord(long EventNumber, string EventMessage, IReadOnlyDictionary<string, string> ExtractedValues);

/// <summary>CreateLogGroup input.</summary>
/// <param name="LogGroupName">The name: 1–512 characters of <c>[\.\-_/#A-Za-z0-9]</c>.</param>
/// <param name="Tags">Up to 50 tags, or null.</param>
public sealed record CreateLogGroupRequest(string LogGroupName, IReadOnlyDictionary<string, string>? Tags = null);

/// <summary>DeleteLogGroup input.</summary>
/// <param name="LogGroupName">The name.</param>
public sealed record DeleteLogGroupRequest(string LogGroupName);

/// <summary>DescribeLogGroups input.</summary>
/// <param name="LogGroupNamePrefix">Only groups whose names start with this (exclusive with the pattern).</param>
/// <param name="LogGroupNamePattern">Only groups whose names contain this, case-sensitively (exclusive with the prefix).</param>
/// <param name="Limit">1–50, default 50.</param>
/// <param name="NextToken">The token of a previous page.</param>
public sealed record DescribeLogGroupsRequest(
    string? LogGroupNamePrefix = null,
    string? LogGroupNamePattern = null,
    int? Limit = null,
    string? NextToken = null);

/// <summary>DescribeLogGroups output.</summary>
/// <param name="LogGroups">The groups, ordered by name.</param>
/// <param name="NextToken">The token of the next page, or null on the last one.</param>
public sealed record DescribeLogGroupsResponse(IReadOnlyList<LogGroup> LogGroups, string? NextToken);

/// <summary>CreateLogStream input.</summary>
/// <param name="LogGroupName">The group.</param>
/// <param name="LogStreamName">The stream name: 1–512 characters, no <c>:</c> or <c>*</c>.</param>
public sealed record CreateLogStreamRequest(string LogGroupName, string LogStreamName);

/// <summary>DeleteLogStream input.</summary>
/// <param name="LogGroupName">The group.</param>
/// <param name="LogStreamName">The stream.</param>
public sealed record DeleteLogStreamRequest(string LogGroupName, string LogStreamName);

/// <summary>DescribeLogStreams input. Exactly one of <paramref name="LogGroupName"/> and <paramref name="LogGroupIdentifier"/>.</summary>
/// <param name="LogGroupName">The group name.</param>
/// <param name="LogGroupIdentifier">The group name or ARN.</param>
/// <param name="LogStreamNamePrefix">Only streams whose names start with this (not with <c>LastEventTime</c> order).</param>
/// <param name="OrderBy"><c>LogStreamName</c> (default) or <c>LastEventTime</c>.</param>
/// <param name="Descending">Reverse the order (default false).</param>
/// <param name="Limit">1–50, default 50.</param>
/// <param name="NextToken">The token of a previous page.</param>
public sealed record DescribeLogStreamsRequest(
    string? LogGroupName = null,
    string? LogGroupIdentifier = null,
    string? LogStreamNamePrefix = null,
    string? OrderBy = null,
    bool? Descending = null,
    int? Limit = null,
    string? NextToken = null);

/// <summary>DescribeLogStreams output.</summary>
/// <param name="LogStreams">The streams.</param>
/// <param name="NextToken">The token of the next page, or null on the last one.</param>
public sealed record DescribeLogStreamsResponse(IReadOnlyList<LogStream> LogStreams, string? NextToken);

/// <summary>PutLogEvents input.</summary>
/// <param name="LogGroupName">The group (must exist: PutLogEvents creates nothing).</param>
/// <param name="LogStreamName">The stream (must exist).</param>
/// <param name="LogEvents">1–10,000 events in chronological order, at most 1,048,576 bytes counting each message's UTF-8 bytes plus 26.</param>
/// <param name="SequenceToken">Deprecated; accepted and ignored, as AWS does.</param>
public sealed record PutLogEventsRequest(
    string LogGroupName,
    string LogStreamName,
    IReadOnlyList<InputLogEvent> LogEvents,
    string? SequenceToken = null);

/// <summary>PutLogEvents output.</summary>
/// <param name="NextSequenceToken">The deprecated next sequence token (clients may pass it back; it is ignored).</param>
/// <param name="RejectedLogEventsInfo">Events that were too old, too new or expired, or null when every event was stored.</param>
public sealed record PutLogEventsResponse(string? NextSequenceToken, RejectedLogEventsInfo? RejectedLogEventsInfo);

/// <summary>GetLogEvents input. Exactly one of <paramref name="LogGroupName"/> and <paramref name="LogGroupIdentifier"/>.</summary>
/// <param name="LogStreamName">The stream.</param>
/// <param name="LogGroupName">The group name.</param>
/// <param name="LogGroupIdentifier">The group name or ARN.</param>
/// <param name="StartTime">Events at or after this time (Unix ms).</param>
/// <param name="EndTime">Events before this time (Unix ms, exclusive).</param>
/// <param name="NextToken">A <c>nextForwardToken</c> or <c>nextBackwardToken</c> of a previous call.</param>
/// <param name="Limit">1–10,000; default as many as fit in 1 MB, up to 10,000.</param>
/// <param name="StartFromHead">Without a token: the earliest events first (true) or the latest (false, default).</param>
/// <param name="Unmask">Accepted; there is no data protection, nothing is masked.</param>
public sealed record GetLogEventsRequest(
    string LogStreamName,
    string? LogGroupName = null,
    string? LogGroupIdentifier = null,
    long? StartTime = null,
    long? EndTime = null,
    string? NextToken = null,
    int? Limit = null,
    bool? StartFromHead = null,
    bool? Unmask = null);

/// <summary>GetLogEvents output.</summary>
/// <param name="Events">The events, oldest first.</param>
/// <param name="NextForwardToken">Token for newer events; the token passed in when there are none.</param>
/// <param name="NextBackwardToken">Token for older events; the token passed in when there are none.</param>
public sealed record GetLogEventsResponse(IReadOnlyList<OutputLogEvent> Events, string NextForwardToken, string NextBackwardToken);

/// <summary>FilterLogEvents input. Exactly one of <paramref name="LogGroupName"/> and <paramref name="LogGroupIdentifier"/>.</summary>
/// <param name="LogGroupName">The group name.</param>
/// <param name="LogGroupIdentifier">The group name or ARN.</param>
/// <param name="LogStreamNames">1–100 stream names (exclusive with the prefix).</param>
/// <param name="LogStreamNamePrefix">Only streams whose names start with this.</param>
/// <param name="StartTime">Events at or after this time (Unix ms).</param>
/// <param name="EndTime">Events at or before this time (Unix ms, inclusive).</param>
/// <param name="FilterPattern">The filter pattern (≤ 1,024 characters); null or empty matches every event.</param>
/// <param name="NextToken">The token of a previous page.</param>
/// <param name="Limit">1–10,000; default as many as fit in 1 MB, up to 10,000.</param>
/// <param name="Interleaved">Deprecated; ignored (results are always interleaved across streams).</param>
/// <param name="Unmask">Accepted; nothing is masked.</param>
public sealed record FilterLogEventsRequest(
    string? LogGroupName = null,
    string? LogGroupIdentifier = null,
    IReadOnlyList<string>? LogStreamNames = null,
    string? LogStreamNamePrefix = null,
    long? StartTime = null,
    long? EndTime = null,
    string? FilterPattern = null,
    string? NextToken = null,
    int? Limit = null,
    bool? Interleaved = null,
    bool? Unmask = null);

/// <summary>FilterLogEvents output.</summary>
/// <param name="Events">The matching events in (timestamp, ingestion order) order, across streams.</param>
/// <param name="SearchedLogStreams">Always empty, as on AWS since May 2020.</param>
/// <param name="NextToken">The token of the next page, or null when the search is complete.</param>
public sealed record FilterLogEventsResponse(IReadOnlyList<FilteredLogEvent> Events, IReadOnlyList<SearchedLogStream> SearchedLogStreams, string? NextToken);

/// <summary>PutRetentionPolicy input.</summary>
/// <param name="LogGroupName">The group.</param>
/// <param name="RetentionInDays">One of <see cref="LogsEngine.RetentionInDaysValues"/>; null fails validation.</param>
public sealed record PutRetentionPolicyRequest(string LogGroupName, int? RetentionInDays);

/// <summary>DeleteRetentionPolicy input.</summary>
/// <param name="LogGroupName">The group.</param>
public sealed record DeleteRetentionPolicyRequest(string LogGroupName);

/// <summary>TagLogGroup input (deprecated by AWS in favour of TagResource, still served).</summary>
/// <param name="LogGroupName">The group.</param>
/// <param name="Tags">Tags to add or overwrite (1–50).</param>
public sealed record TagLogGroupRequest(string LogGroupName, IReadOnlyDictionary<string, string> Tags);

/// <summary>UntagLogGroup input (deprecated by AWS in favour of UntagResource).</summary>
/// <param name="LogGroupName">The group.</param>
/// <param name="Tags">The tag keys to remove (1–50).</param>
public sealed record UntagLogGroupRequest(string LogGroupName, IReadOnlyList<string> Tags);

/// <summary>ListTagsLogGroup input (deprecated by AWS in favour of ListTagsForResource).</summary>
/// <param name="LogGroupName">The group.</param>
public sealed record ListTagsLogGroupRequest(string LogGroupName);

/// <summary>ListTagsLogGroup output.</summary>
/// <param name="Tags">The tags.</param>
public sealed record ListTagsLogGroupResponse(IReadOnlyDictionary<string, string> Tags);

/// <summary>TagResource input.</summary>
/// <param name="ResourceArn">The log group ARN (<c>arn:aws:logs:REGION:ACCOUNT:log-group:NAME</c>, a trailing <c>:*</c> is accepted).</param>
/// <param name="Tags">Tags to add or overwrite (1–50).</param>
public sealed record TagResourceRequest(string ResourceArn, IReadOnlyDictionary<string, string> Tags);

/// <summary>UntagResource input.</summary>
/// <param name="ResourceArn">The log group ARN.</param>
/// <param name="TagKeys">The keys to remove (1–50).</param>
public sealed record UntagResourceRequest(string ResourceArn, IReadOnlyList<string> TagKeys);

/// <summary>ListTagsForResource input.</summary>
/// <param name="ResourceArn">The log group ARN.</param>
public sealed record ListTagsForResourceRequest(string ResourceArn);

/// <summary>ListTagsForResource output.</summary>
/// <param name="Tags">The tags.</param>
public sealed record ListTagsForResourceResponse(IReadOnlyDictionary<string, string> Tags);

/// <summary>TestMetricFilter input: try a filter pattern on sample messages.</summary>
/// <param name="FilterPattern">The pattern (≤ 1,024 characters).</param>
/// <param name="LogEventMessages">1–50 messages.</param>
public sealed record TestMetricFilterRequest(string FilterPattern, IReadOnlyList<string> LogEventMessages);

/// <summary>TestMetricFilter output.</summary>
/// <param name="Matches">The matching messages.</param>
public sealed record TestMetricFilterResponse(IReadOnlyList<MetricFilterMatchRecord> Matches);
