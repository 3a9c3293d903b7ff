using System.Buffers.Binary;
using System.Globalization;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Queues;

public sealed partial class SqsEngine
{
    private static readonly string[] SystemAttributeOrder =
    [
        "SenderId", "ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SentTimestamp",
        "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn",
    ];

    /// <summary>
    /// ReceiveMessage: claims up to MaxNumberOfMessages visible messages; with a wait time, waits until at
    /// least one is available or the wait ends (long polling, no CPU while idle).
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveMessageAsync(QueueRecord queue, ReceiveMessageRequest request, CancellationToken cancellationToken)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        if (request.MaxNumberOfMessages is < 1 or > 10)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {request.MaxNumberOfMessages.ToString(CultureInfo.InvariantCulture)} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        }
        if (request.VisibilityTimeout is < 0 or > 43_200)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {request.VisibilityTimeout.Value.ToString(CultureInfo.InvariantCulture)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.");
        }
        if (request.WaitTimeSeconds is < 0 or > 20)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {request.WaitTimeSeconds.Value.ToString(CultureInfo.InvariantCulture)} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
        }
        var waitSeconds = request.WaitTimeSeconds ?? QueueAttributes.Number(queue.Attributes, "ReceiveMessageWaitTimeSeconds");
        var deadline = Now + waitSeconds * 1000L;
        var claimed = await ClaimAsync(queue, request).ConfigureAwait(false);
        while (claimed.Count == 0 && !_stopping.IsCancellationRequested)
        {
            // Arm the wake-up before looking again, so a send between the look and the wait is not missed.
            var wake = _signals.Arm(queue.Id);
            if (_stopping.IsCancellationRequested)
            {
                // Stop() cancels before it fires: a wait armed after its fire would otherwise sleep out its time.
                break;
            }
            claimed = await ClaimAsync(queue, request).ConfigureAwait(false);
            if (claimed.Count > 0)
            {
                break;
            }
            var now = Now;
            var until = deadline;
            if (_store.NextVisibleAt(queue.Id) is { } next && next > now && next < until)
            {
                until = next;
            }
            if (until <= now)
            {
                if (deadline <= now)
                {
                    break;
                }
                continue;
            }
            try
            {
                await wake.WaitAsync(TimeSpan.FromMilliseconds(until - now), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                if (until >= deadline)
                {
                    claimed = await ClaimAsync(queue, request).ConfigureAwait(false);
                    break;
                }
            }
        }
        var result = new ReceivedMessage[claimed.Count];
        var receivedAt = Now;
        for (var i = 0; i < claimed.Count; i++)
        {
            result[i] = Shape(queue, claimed[i], request, receivedAt);
        }
        return result;
    }

    private async Task<IReadOnlyList<StoredMessage>> ClaimAsync(QueueRecord queue, ReceiveMessageRequest request)
    {
        var current = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        var visibility = request.VisibilityTimeout ?? QueueAttributes.Number(current.Attributes, "VisibilityTimeout");
        var retention = QueueAttributes.Number(current.Attributes, "MessageRetentionPeriod") * 1000L;
        // Without a redrive policy the receive count decides nothing: claims are then not journaled one by one
        // (a crash may lower ApproximateReceiveCount; a clean shutdown keeps it).
        var claim = new ClaimRequest(request.MaxNumberOfMessages, Now, visibility * 1000L, retention, JournalClaims: false);
        if (QueueAttributes.ParseRedrivePolicy(current.Attributes.GetValueOrDefault("RedrivePolicy")) is { } policy
            && FindByArn(policy.DeadLetterTargetArn) is { } deadLetters)
        {
            claim = claim with
            {
                JournalClaims = true,
                MaxReceiveCount = policy.MaxReceiveCount,
                DeadLetterQueueId = deadLetters.Id,
                DeadLetterRetentionMs = QueueAttributes.Number(deadLetters.Attributes, "MessageRetentionPeriod") * 1000L,
            };
        }
        var claimed = await _store.ClaimAsync(queue.Id, claim).ConfigureAwait(false);
        if (claim.DeadLetterQueueId != 0 && _store.NextVisibleAt(claim.DeadLetterQueueId) is { } visibleAt && visibleAt <= claim.Now)
        {
            // The claim may have moved messages to the dead-letter queue, and the store signals only sends and
            // visibility changes: wake the dead-letter queue's long polls when it has a message to give.
            _signals.Fire(claim.DeadLetterQueueId);
        }
        return claimed;
    }

    private ReceivedMessage Shape(QueueRecord queue, StoredMessage message, ReceiveMessageRequest request, long receivedAt)
    {
        var wantedSystem = request.AttributeNames ?? [];
        var allSystem = wantedSystem.Contains("All");
        var wanted = request.MessageAttributeNames ?? [];
        var decode = wanted.Count > 0 || allSystem || wantedSystem.Contains("SenderId") || wantedSystem.Contains("AWSTraceHeader");
        var (attributes, system) = decode ? AttributeCodec.Decode(message.Attributes) : AttributeCodec.Decode(null);
        var systemValues = new List<KeyValuePair<string, string>>();
        foreach (var name in SystemAttributeOrder)
        {
            if (!allSystem && !wantedSystem.Contains(name))
            {
                continue;
            }
            string? value = name switch
            {
                "SenderId" => Find(system, "SenderId"),
                "ApproximateFirstReceiveTimestamp" => message.FirstReceivedAt.ToString(CultureInfo.InvariantCulture),
                "ApproximateReceiveCount" => message.ReceiveCount.ToString(CultureInfo.InvariantCulture),
                "SentTimestamp" => message.SentAt.ToString(CultureInfo.InvariantCulture),
                "SequenceNumber" when queue.IsFifo => SequenceNumber(message.Sequence),
                "MessageDeduplicationId" when queue.IsFifo => message.DeduplicationId,
                "MessageGroupId" => message.GroupId,
                "AWSTraceHeader" => Find(system, "AWSTraceHeader"),
                "DeadLetterQueueSourceArn" when message.SourceQueueId != 0 => _store.GetQueue(message.SourceQueueId) is { } source ? Arn(source) : null,
                _ => null,
            };
            if (value is not null)
            {
                systemValues.Add(new(name, value));
            }
        }
        var selected = new List<KeyValuePair<string, MessageAttributeValue>>();
        if (wanted.Count > 0)
        {
            foreach (var attribute in attributes)
            {
                if (Selects(wanted, attribute.Key))
                {
                    selected.Add(attribute);
                }
            }
        }
        return new ReceivedMessage(message.MessageId, EncodeReceipt(queue.Id, message.Sequence, message.ReceiptToken, receivedAt), message.Body, systemValues, selected);
    }

    private static string? Find(List<KeyValuePair<string, MessageAttributeValue>> values, string name)
    {
        foreach (var (key, value) in values)
        {
            if (key == name)
            {
                return value.StringValue;
            }
        }
        return null;
    }

    private static bool Selects(IReadOnlyList<string> wanted, string name)
    {
        foreach (var pattern in wanted)
        {
            if (pattern is "All" or ".*" || pattern == name)
            {
                return true;
            }
            if (pattern.EndsWith(".*", StringComparison.Ordinal) && name.StartsWith(pattern[..^1], StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- receipts

    /// <summary>A receipt handle: version, queue id, message sequence, receive token and the receive's time (for the 12-hour limit).</summary>
    private static string EncodeReceipt(long queueId, long sequence, long token, long receivedAt)
    {
        Span<byte> bytes = stackalloc byte[33];
        bytes[0] = 2;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], queueId);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(bytes[17..], token);
        BinaryPrimitives.WriteInt64BigEndian(bytes[25..], receivedAt);
        return Convert.ToBase64String(bytes);
    }

    private static Receipt DecodeReceipt(QueueRecord queue, string handle) => DecodeReceipt(queue, handle, out _);

    private static Receipt DecodeReceipt(QueueRecord queue, string handle, out long receivedAt)
    {
        Span<byte> bytes = stackalloc byte[36];
        if (handle.Length != 44 || !Convert.TryFromBase64String(handle, bytes, out var written) || written != 33 || bytes[0] != 2
            || BinaryPrimitives.ReadInt64BigEndian(bytes[1..]) != queue.Id)
        {
            throw ReceiptHandleIsInvalid(handle);
        }
        receivedAt = BinaryPrimitives.ReadInt64BigEndian(bytes[25..]);
        return new Receipt(BinaryPrimitives.ReadInt64BigEndian(bytes[9..]), BinaryPrimitives.ReadInt64BigEndian(bytes[17..]));
    }

    /// <summary>SQS limits a message's visibility to 12 hours from the receive that issued the handle.</summary>
    private void CheckTotalVisibility(long receivedAt, int visibilityTimeout)
    {
        if (Now + visibilityTimeout * 1000L - receivedAt > 43_200_000L)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {visibilityTimeout.ToString(CultureInfo.InvariantCulture)} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
        }
    }

    private static ServiceException ReceiptHandleIsInvalid(string handle) =>
        new("ReceiptHandleIsInvalid", $"The input receipt handle \"{handle}\" is not a valid receipt handle.");

    /// <summary>DeleteMessage. Deleting a message that is already gone succeeds, as on SQS.</summary>
    public async Task DeleteMessageAsync(QueueRecord queue, string receiptHandle)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        if (string.IsNullOrEmpty(receiptHandle))
        {
            throw new ServiceException("MissingParameter", "The request must contain the parameter ReceiptHandle.");
        }
        var receipt = DecodeReceipt(queue, receiptHandle);
        var outcome = (await _store.DeleteAsync(queue.Id, [receipt]).ConfigureAwait(false))[0];
        ThrowForDelete(queue, receiptHandle, outcome);
    }

    private static void ThrowForDelete(QueueRecord queue, string handle, ReceiptOutcome outcome)
    {
        if (outcome == ReceiptOutcome.Stale && queue.IsFifo)
        {
            throw new ServiceException("InvalidParameterValue", $"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
        }
    }

    /// <summary>DeleteMessageBatch.</summary>
    public async Task<BatchResult<string>> DeleteMessageBatchAsync(QueueRecord queue, IReadOnlyList<ReceiptEntry> entries)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        ValidateBatch("DeleteMessageBatchRequestEntry", entries.Select(e => e.Id).ToList());
        var failed = new List<BatchResultErrorEntry>();
        var receipts = new List<Receipt>();
        var ids = new List<ReceiptEntry>();
        foreach (var entry in entries)
        {
            try
            {
                receipts.Add(DecodeReceipt(queue, entry.ReceiptHandle));
                ids.Add(entry);
            }
            catch (ServiceException e)
            {
                failed.Add(new BatchResultErrorEntry(entry.Id, e.Code, e.Message));
            }
        }
        var successful = new List<string>();
        if (receipts.Count > 0)
        {
            var outcomes = await _store.DeleteAsync(queue.Id, receipts).ConfigureAwait(false);
            for (var i = 0; i < outcomes.Length; i++)
            {
                try
                {
                    ThrowForDelete(queue, ids[i].ReceiptHandle, outcomes[i]);
                    successful.Add(ids[i].Id);
                }
                catch (ServiceException e)
                {
                    failed.Add(new BatchResultErrorEntry(ids[i].Id, e.Code, e.Message));
                }
            }
        }
        return new BatchResult<string>(successful, failed);
    }

    /// <summary>ChangeMessageVisibility.</summary>
    public async Task ChangeMessageVisibilityAsync(QueueRecord queue, string receiptHandle, int visibilityTimeout)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        ValidateVisibility(visibilityTimeout);
        var receipt = DecodeReceipt(queue, receiptHandle, out var receivedAt);
        CheckTotalVisibility(receivedAt, visibilityTimeout);
        var outcome = (await _store.ChangeVisibilityAsync(queue.Id, [receipt], visibilityTimeout * 1000L, Now).ConfigureAwait(false))[0];
        ThrowForVisibility(receiptHandle, outcome);
    }

    private static void ValidateVisibility(int visibilityTimeout)
    {
        if (visibilityTimeout is < 0 or > 43_200)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {visibilityTimeout.ToString(CultureInfo.InvariantCulture)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.");
        }
    }

    private static void ThrowForVisibility(string handle, ReceiptOutcome outcome)
    {
        if (outcome is ReceiptOutcome.Gone or ReceiptOutcome.Stale)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.");
        }
        // NotInFlight: SQS answers 200 and changes nothing.
    }

    /// <summary>ChangeMessageVisibilityBatch.</summary>
    public async Task<BatchResult<string>> ChangeMessageVisibilityBatchAsync(QueueRecord queue, IReadOnlyList<ReceiptEntry> entries)
    {
        queue = _store.GetQueue(queue.Id) ?? throw QueueDoesNotExist();
        ValidateBatch("ChangeMessageVisibilityBatchRequestEntry", entries.Select(e => e.Id).ToList());
        var failed = new List<BatchResultErrorEntry>();
        var successful = new List<string>();
        foreach (var entry in entries)
        {
            try
            {
                ValidateVisibility(entry.VisibilityTimeout);
                var receipt = DecodeReceipt(queue, entry.ReceiptHandle, out var receivedAt);
                CheckTotalVisibility(receivedAt, entry.VisibilityTimeout);
                var outcome = (await _store.ChangeVisibilityAsync(queue.Id, [receipt], entry.VisibilityTimeout * 1000L, Now).ConfigureAwait(false))[0];
                ThrowForVisibility(entry.ReceiptHandle, outcome);
                successful.Add(entry.Id);
            }
            catch (ServiceException e)
            {
                failed.Add(new BatchResultErrorEntry(entry.Id, e.Code, e.Message));
            }
        }
        return new BatchResult<string>(successful, failed);
    }

    // ---------------------------------------------------------------- retention

    /// <summary>Drops messages past their queue's retention period. The host calls it periodically.</summary>
    public async Task<int> SweepAsync()
    {
        var dropped = 0;
        var now = Now;
        foreach (var queueId in AllQueueIds())
        {
            if (_store.GetQueue(queueId) is { } queue)
            {
                var retention = QueueAttributes.Number(queue.Attributes, "MessageRetentionPeriod") * 1000L;
                dropped += await _store.ExpireAsync(queue.Id, now - retention).ConfigureAwait(false);
            }
        }
        return dropped;
    }

    private List<long> AllQueueIds()
    {
        var ids = new List<long>();
        foreach (var queue in _store.AllQueues())
        {
            ids.Add(queue.Id);
        }
        return ids;
    }
}
