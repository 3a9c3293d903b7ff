using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Queues;

/// <summary>
/// SQS semantics over <see cref="IQueueStore"/>: queues and their attributes, sending with validation,
/// receiving with long polling, receipt handles, visibility, redrive, FIFO rules, tags, move tasks.
/// Operations report AWS errors as <see cref="ServiceException"/> with the SQS error shape names.
/// </summary>
public sealed partial class SqsEngine : IDisposable
{
    private const long DeduplicationWindowMs = 5 * 60 * 1000;

    private readonly IQueueStore _store;
    private readonly TimeProvider _time;
    private readonly QueueSignals _signals = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<(string, string, string), long> _recentlyDeleted = new();
    private readonly ConcurrentDictionary<long, long> _lastPurge = new();

    /// <summary>Creates the engine.</summary>
    public SqsEngine(IQueueStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
        _store.MessagesAvailable += _signals.Fire;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The queue's ARN.</summary>
    public static string Arn(QueueRecord queue) => $"arn:aws:sqs:{queue.Region}:{queue.Account}:{queue.Name}";

    /// <summary>Ends every long poll (they return what they have) and refuses new waits.</summary>
    public void Stop()
    {
        _stopping.Cancel();
        _signals.FireAll();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _store.MessagesAvailable -= _signals.Fire;
        _stopping.Dispose();
    }

    // ---------------------------------------------------------------- queues

    /// <summary>CreateQueue: creates the queue, or returns the existing one when its attributes match.</summary>
    public async Task<QueueRecord> CreateQueueAsync(RequestScope scope, string name, IReadOnlyDictionary<string, string> attributes, IReadOnlyDictionary<string, string> tags)
    {
        if (!MessageRules.IsValidQueueName(name))
        {
            throw new ServiceException("InvalidParameterValue", name.EndsWith(".fifo", StringComparison.Ordinal) || QueueAttributes.Flag(attributes, "FifoQueue")
                ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }
        if (attributes.TryGetValue("FifoQueue", out var fifoFlag) && fifoFlag == "true" && !name.EndsWith(".fifo", StringComparison.Ordinal))
        {
            throw new ServiceException("InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.");
        }
        if (name.EndsWith(".fifo", StringComparison.Ordinal) && (!attributes.TryGetValue("FifoQueue", out var flag) || flag != "true"))
        {
            throw new ServiceException("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }
        Tags.Validate(tags);
        var existing = _store.FindQueue(scope.Account, scope.Region, name);
        var normalized = QueueAttributes.ForNewQueue(name, $"arn:aws:sqs:{scope.Region}:{scope.Account}:{name}", attributes, arn => FindByArn(arn)?.Attributes,
            existing?.Attributes.GetValueOrDefault("RedrivePolicy"));
        if (existing is not null)
        {
            foreach (var (key, _) in attributes)
            {
                // An attribute that is absent and one that is empty (removed, or FifoQueue=false on a standard queue) are the same.
                if (normalized.GetValueOrDefault(key, string.Empty) != existing.Attributes.GetValueOrDefault(key, string.Empty))
                {
                    throw new ServiceException("QueueNameExists", $"A queue already exists with the same name and a different value for attribute {key}");
                }
            }
            return existing;
        }
        if (_recentlyDeleted.TryGetValue((scope.Account, scope.Region, name), out var deletedAt) && Now - deletedAt < 60_000)
        {
            throw new ServiceException("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.");
        }
        var (queue, _) = await _store.CreateQueueAsync(scope.Account, scope.Region, name, normalized, tags, Now).ConfigureAwait(false);
        return queue;
    }

    /// <summary>The queue named in a queue URL (its account and name), seen from <paramref name="scope"/>.</summary>
    public QueueRecord ResolveQueue(RequestScope scope, string account, string name) =>
        _store.FindQueue(account, scope.Region, name) ?? throw QueueDoesNotExist();

    /// <summary>GetQueueUrl.</summary>
    public QueueRecord GetQueueUrl(RequestScope scope, string name, string? ownerAccount) =>
        _store.FindQueue(string.IsNullOrEmpty(ownerAccount) ? scope.Account : ownerAccount, scope.Region, name) ?? throw QueueDoesNotExist();

    /// <summary>The queue with this ARN, or null.</summary>
    public QueueRecord? FindByArn(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sqs" ? _store.FindQueue(parts[4], parts[3], parts[5]) : null;
    }

    internal static ServiceException QueueDoesNotExist() =>
        new("QueueDoesNotExist", "The specified queue does not exist.");

    /// <summary>DeleteQueue.</summary>
    public async Task DeleteQueueAsync(QueueRecord queue)
    {
        if (!await _store.DeleteQueueAsync(queue.Id).ConfigureAwait(false))
        {
            throw QueueDoesNotExist();
        }
        _recentlyDeleted[(queue.Account, queue.Region, queue.Name)] = Now;
        _lastPurge.TryRemove(queue.Id, out _);
        _signals.Forget(queue.Id);
    }

    /// <summary>ListQueues with prefix and paging (a page token is the last name of the previous page).</summary>
    public (IReadOnlyList<QueueRecord> Queues, string? NextToken) ListQueues(RequestScope scope, string? prefix, int? maxResults, string? nextToken)
    {
        if (maxResults is < 1 or > 1000)
        {
            throw new ServiceException("InvalidParameterValue", $"Value {maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
        }
        if (nextToken is not null && maxResults is null)
        {
            throw new ServiceException("InvalidParameterValue", "MaxResults is a mandatory parameter when you provide a value for NextToken.");
        }
        var all = _store.ListQueues(scope.Account, scope.Region, string.IsNullOrEmpty(prefix) ? null : prefix);
        var start = 0;
        if (nextToken is not null)
        {
            var after = DecodeToken(nextToken);
            while (start < all.Count && string.CompareOrdinal(all[start].Name, after) <= 0)
            {
                start++;
            }
        }
        var limit = maxResults ?? 1000;
        var page = new List<QueueRecord>();
        for (var i = start; i < all.Count && page.Count < limit; i++)
        {
            page.Add(all[i]);
        }
        var more = maxResults is not null && start + page.Count < all.Count;
        return (page, more ? EncodeToken(page[^1].Name) : null);
    }

    private static string EncodeToken(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new ServiceException("InvalidParameterValue", "Invalid NextToken value.");
        }
    }

    /// <summary>GetQueueAttributes: the requested attributes (<c>All</c> for every one) in SQS's order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> GetQueueAttributes(QueueRecord queue, IReadOnlyList<string>? names)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var all = false;
        foreach (var name in names ?? [])
        {
            if (name == "All")
            {
                all = true;
            }
            else if (!QueueAttributes.IsKnown(name) || (!queue.IsFifo && name is "FifoQueue" or "ContentBasedDeduplication" or "DeduplicationScope" or "FifoThroughputLimit"))
            {
                throw new ServiceException("InvalidAttributeName", $"Unknown Attribute {name}.");
            }
            else
            {
                wanted.Add(name);
            }
        }
        var result = new List<KeyValuePair<string, string>>();
        void Add(string name, string value)
        {
            if (all || wanted.Contains(name))
            {
                result.Add(new(name, value));
            }
        }
        var counts = _store.Count(queue.Id, Now);
        Add("QueueArn", Arn(queue));
        Add("ApproximateNumberOfMessages", counts.Visible.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateNumberOfMessagesNotVisible", counts.NotVisible.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateNumberOfMessagesDelayed", counts.Delayed.ToString(CultureInfo.InvariantCulture));
        Add("CreatedTimestamp", (queue.CreatedAt / 1000).ToString(CultureInfo.InvariantCulture));
        Add("LastModifiedTimestamp", (queue.ModifiedAt / 1000).ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in queue.Attributes)
        {
            // An attribute set to "" (Policy, RedrivePolicy removed) is not returned, even when asked for by name.
            if (value.Length > 0)
            {
                Add(name, value);
            }
        }
        return result;
    }

    /// <summary>SetQueueAttributes.</summary>
    public async Task SetQueueAttributesAsync(QueueRecord queue, IReadOnlyDictionary<string, string> changes)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var attributes = new Dictionary<string, string>(queue.Attributes, StringComparer.Ordinal);
        QueueAttributes.Apply(attributes, changes, queue.IsFifo, creating: false, Arn(queue), arn => FindByArn(arn)?.Attributes);
        await _store.UpdateQueueAsync(queue with { Attributes = attributes, ModifiedAt = Now }).ConfigureAwait(false);
    }

    /// <summary>PurgeQueue (one purge per queue per 60 seconds, as SQS).</summary>
    public async Task PurgeQueueAsync(QueueRecord queue)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var now = Now;
        if (_lastPurge.TryGetValue(queue.Id, out var last) && now - last < 60_000)
        {
            throw new ServiceException("PurgeQueueInProgress",
                $"Only one PurgeQueue operation on {queue.Name} is allowed every 60 seconds.");
        }
        _lastPurge[queue.Id] = now;
        await _store.PurgeAsync(queue.Id).ConfigureAwait(false);
    }

    /// <summary>ListDeadLetterSourceQueues: queues whose RedrivePolicy targets <paramref name="queue"/>.</summary>
    public (IReadOnlyList<QueueRecord> Queues, string? NextToken) ListDeadLetterSourceQueues(QueueRecord queue, int? maxResults, string? nextToken)
    {
        if (maxResults is < 1 or > 1000)
        {
            throw new ServiceException("InvalidParameterValue", $"Value {maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
        }
        var arn = Arn(queue);
        var sources = new List<QueueRecord>();
        foreach (var candidate in _store.ListQueues(queue.Account, queue.Region, null))
        {
            if (QueueAttributes.ParseRedrivePolicy(candidate.Attributes.GetValueOrDefault("RedrivePolicy")) is { } policy && policy.DeadLetterTargetArn == arn)
            {
                sources.Add(candidate);
            }
        }
        var start = 0;
        if (nextToken is not null)
        {
            var after = DecodeToken(nextToken);
            while (start < sources.Count && string.CompareOrdinal(sources[start].Name, after) <= 0)
            {
                start++;
            }
        }
        var limit = maxResults ?? 1000;
        var page = sources.Skip(start).Take(limit).ToList();
        var more = maxResults is not null && start + page.Count < sources.Count;
        return (page, more ? EncodeToken(page[^1].Name) : null);
    }

    // ---------------------------------------------------------------- tags

    /// <summary>TagQueue.</summary>
    public async Task TagQueueAsync(QueueRecord queue, IReadOnlyDictionary<string, string> tags)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var merged = new Dictionary<string, string>(queue.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            merged[key] = value;
        }
        Tags.Validate(merged);
        await _store.UpdateQueueAsync(queue with { Tags = merged }).ConfigureAwait(false);
    }

    /// <summary>UntagQueue.</summary>
    public async Task UntagQueueAsync(QueueRecord queue, IReadOnlyList<string> keys)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var remaining = new Dictionary<string, string>(queue.Tags, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            remaining.Remove(key);
        }
        await _store.UpdateQueueAsync(queue with { Tags = remaining }).ConfigureAwait(false);
    }

    /// <summary>ListQueueTags.</summary>
    public IReadOnlyDictionary<string, string> ListQueueTags(QueueRecord queue) =>
        (_store.GetQueue(queue.Id) ?? throw QueueDoesNotExist()).Tags;

    // ---------------------------------------------------------------- sending

    /// <summary>SendMessage.</summary>
    public async Task<SendMessageResult> SendMessageAsync(RequestScope sender, QueueRecord queue, SendMessageEntry entry)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var message = Prepare(sender, queue, entry, out var size);
        var maximum = QueueAttributes.Number(queue.Attributes, "MaximumMessageSize");
        if (size > maximum)
        {
            throw new ServiceException("InvalidParameterValue",
                $"One or more parameters are invalid. Reason: Message must be shorter than {maximum.ToString(CultureInfo.InvariantCulture)} bytes.");
        }
        var outcome = await _store.SendAsync(queue.Id, [message], Now, queue.IsFifo ? DeduplicationWindowMs : 0, DeduplicatePerGroup(queue)).ConfigureAwait(false);
        return new SendMessageResult(null, outcome[0].MessageId, queue.IsFifo ? SequenceNumber(outcome[0].Sequence) : null, entry);
    }

    /// <summary>SendMessageBatch: entries that fail validation fail alone; the others are sent together.</summary>
    public async Task<BatchResult<SendMessageResult>> SendMessageBatchAsync(RequestScope sender, QueueRecord queue, IReadOnlyList<SendMessageEntry> entries)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        ValidateBatch("SendMessageBatchRequestEntry", entries.Select(e => e.Id ?? string.Empty).ToList());
        if (queue.IsFifo)
        {
            // SQS fails the whole batch (not the entry) when a FIFO entry lacks its group or deduplication id.
            foreach (var entry in entries)
            {
                if (string.IsNullOrEmpty(entry.MessageGroupId))
                {
                    throw new ServiceException("InvalidParameterValue", "The request must contain the parameter MessageGroupId.");
                }
                if (entry.MessageDeduplicationId is null && !QueueAttributes.Flag(queue.Attributes, "ContentBasedDeduplication"))
                {
                    throw new ServiceException("InvalidParameterValue",
                        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
                }
            }
        }
        var maximum = QueueAttributes.Number(queue.Attributes, "MaximumMessageSize");
        var failed = new List<BatchResultErrorEntry>();
        var accepted = new List<(SendMessageEntry Entry, NewMessage Message)>(entries.Count);
        var total = 0;
        foreach (var entry in entries)
        {
            try
            {
                var message = Prepare(sender, queue, entry, out var size);
                total += size;
                if (size > maximum)
                {
                    throw new ServiceException("InvalidParameterValue",
                        $"One or more parameters are invalid. Reason: Message must be shorter than {maximum.ToString(CultureInfo.InvariantCulture)} bytes.");
                }
                accepted.Add((entry, message));
            }
            catch (ServiceException e)
            {
                failed.Add(new BatchResultErrorEntry(entry.Id!, e.Code, e.Message));
            }
        }
        // The batch limit is the service's, not the queue's MaximumMessageSize.
        if (total > QueueAttributes.MaximumMessageSizeLimit)
        {
            throw new ServiceException("BatchRequestTooLong",
                $"Batch requests cannot be longer than {QueueAttributes.MaximumMessageSizeLimit.ToString(CultureInfo.InvariantCulture)} bytes. You have sent {total.ToString(CultureInfo.InvariantCulture)} bytes.");
        }
        var successful = new List<SendMessageResult>(accepted.Count);
        if (accepted.Count > 0)
        {
            var messages = new NewMessage[accepted.Count];
            for (var i = 0; i < messages.Length; i++)
            {
                messages[i] = accepted[i].Message;
            }
            var outcomes = await _store.SendAsync(queue.Id, messages, Now, queue.IsFifo ? DeduplicationWindowMs : 0, DeduplicatePerGroup(queue)).ConfigureAwait(false);
            for (var i = 0; i < outcomes.Length; i++)
            {
                var entry = accepted[i].Entry;
                successful.Add(new SendMessageResult(entry.Id, outcomes[i].MessageId, queue.IsFifo ? SequenceNumber(outcomes[i].Sequence) : null, entry));
            }
        }
        return new BatchResult<SendMessageResult>(successful, failed);
    }

    private static bool DeduplicatePerGroup(QueueRecord queue) =>
        queue.IsFifo && queue.Attributes.GetValueOrDefault("DeduplicationScope") == "messageGroup";

    private static string SequenceNumber(long sequence) => sequence.ToString("D20", CultureInfo.InvariantCulture);

    private NewMessage Prepare(RequestScope sender, QueueRecord queue, SendMessageEntry entry, out int size)
    {
        MessageRules.ValidateBody(entry.MessageBody);
        size = Encoding.UTF8.GetByteCount(entry.MessageBody);
        size += MessageRules.ValidateAttributes(entry.MessageAttributes, system: false);
        MessageRules.ValidateAttributes(entry.MessageSystemAttributes, system: true);
        var delay = QueueAttributes.Number(queue.Attributes, "DelaySeconds");
        string? deduplicationId = null;
        if (queue.IsFifo)
        {
            if (entry.DelaySeconds is not null && entry.DelaySeconds != 0)
            {
                throw new ServiceException("InvalidParameterValue",
                    $"Value {entry.DelaySeconds.Value.ToString(CultureInfo.InvariantCulture)} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.");
            }
            if (string.IsNullOrEmpty(entry.MessageGroupId))
            {
                throw new ServiceException("MissingParameter", "The request must contain the parameter MessageGroupId.");
            }
            if (!MessageRules.IsValidFifoId(entry.MessageGroupId))
            {
                throw new ServiceException("InvalidParameterValue",
                    $"Value {entry.MessageGroupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
            }
            deduplicationId = entry.MessageDeduplicationId;
            if (deduplicationId is null)
            {
                if (!QueueAttributes.Flag(queue.Attributes, "ContentBasedDeduplication"))
                {
                    throw new ServiceException("InvalidParameterValue",
                        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
                }
                deduplicationId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(entry.MessageBody)));
            }
            else if (!MessageRules.IsValidFifoId(deduplicationId))
            {
                throw new ServiceException("InvalidParameterValue",
                    $"Value {deduplicationId} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
            }
        }
        else
        {
            if (entry.MessageDeduplicationId is not null)
            {
                throw new ServiceException("InvalidParameterValue",
                    $"Value {entry.MessageDeduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.");
            }
            if (entry.MessageGroupId is not null && !MessageRules.IsValidFifoId(entry.MessageGroupId))
            {
                throw new ServiceException("InvalidParameterValue",
                    $"Value {entry.MessageGroupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
            }
            if (entry.DelaySeconds is { } perMessage)
            {
                if (perMessage is < 0 or > 900)
                {
                    throw new ServiceException("InvalidParameterValue",
                        $"Value {perMessage.ToString(CultureInfo.InvariantCulture)} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
                }
                delay = perMessage;
            }
        }
        var now = Now;
        return new NewMessage(
            Ids.NewId(),
            entry.MessageBody,
            EncodeAttributes(sender.Account, entry),
            now,
            now + delay * 1000L,
            entry.MessageGroupId,
            deduplicationId);
    }

    // Most messages carry no attributes of their own: their blob (SenderId alone) is the same for every message
    // of an account, so it is encoded once and shared (blobs are never changed once made). Accounts are few: the
    // configured ones, or the single anonymous one.
    private static readonly ConcurrentDictionary<string, byte[]> SenderOnlyAttributes = new(StringComparer.Ordinal);

    private static byte[]? EncodeAttributes(string account, SendMessageEntry entry)
    {
        if (entry.MessageAttributes is not { Count: > 0 } && entry.MessageSystemAttributes is not { Count: > 0 })
        {
            return SenderOnlyAttributes.GetOrAdd(account, static a => AttributeCodec.Encode(null, SystemAttributes(a, null))!);
        }
        return AttributeCodec.Encode(entry.MessageAttributes, SystemAttributes(account, entry.MessageSystemAttributes));
    }

    private static Dictionary<string, MessageAttributeValue> SystemAttributes(string account, IReadOnlyDictionary<string, MessageAttributeValue>? given)
    {
        var system = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
        {
            ["SenderId"] = new MessageAttributeValue("String", account, null),
        };
        if (given is not null)
        {
            foreach (var (name, value) in given)
            {
                system[name] = value;
            }
        }
        return system;
    }

    internal static void ValidateBatch(string entryName, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            throw new ServiceException("EmptyBatchRequest", $"There should be at least one {entryName} in the request.");
        }
        if (ids.Count > 10)
        {
            throw new ServiceException("TooManyEntriesInBatchRequest",
                $"Maximum number of entries per request are 10. You have sent {ids.Count.ToString(CultureInfo.InvariantCulture)}.");
        }
        // Ten ids at most: comparing each with those before it costs less than a set.
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (!MessageRules.IsValidBatchEntryId(id))
            {
                throw new ServiceException("InvalidBatchEntryId",
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
            }
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(ids[j], id, StringComparison.Ordinal))
                {
                    throw new ServiceException("BatchEntryIdsNotDistinct", $"Id {id} repeated.");
                }
            }
        }
    }
}
