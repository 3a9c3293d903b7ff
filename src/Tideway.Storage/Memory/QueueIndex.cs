namespace Tideway.Storage.Memory;

/// <summary>
/// The in-memory state of every queue and the claiming rules of <see cref="IQueueStore"/>: visibility,
/// FIFO group blocking, expiry, redrive, deduplication. Not thread-safe: callers hold <see cref="Gate"/>
/// for each call (and for appending the journal's changes to their write batch in the same order).
/// Used alone by the in-memory provider and, with a durable journal, by the SQLite provider.
/// <para>
/// A durable provider may give budgets for the bodies kept in memory, one for all queues and one per queue: a
/// message sent when either would be exceeded is marked <see cref="StoredMessage.SpillBody"/>, and the provider
/// drops its body once the message is on disk (reading it back for a receive). A backlog then costs memory
/// for its index, not its bodies, and does not take the memory of the other queues' bodies.
/// </para>
/// <para>
/// A message sent to a standard queue is kept as a struct (<see cref="ColdMessage"/>) in the queue's cold heap until its
/// first receive turns it into a <see cref="StoredMessage"/>: a backlog that nobody receives then costs no object per
/// message for the GC to trace and copy (in <c>bench sqs</c>'s send-only phase, keeping a backlog of objects cost from a
/// quarter to half of the server's throughput). Receipts only ever name received messages, so the cold ones need no
/// look-up by sequence.
/// </para>
/// </summary>
internal sealed class QueueIndex(IQueueJournal journal, long bodyBudgetBytes = long.MaxValue, long queueBodyBudgetBytes = long.MaxValue)
{
    private readonly Dictionary<long, QueueState> _queues = [];
    private readonly Dictionary<(string Account, string Region, string Name), long> _byName = [];
    private long _nextQueueId = 1;
    private long _nextSequence = 1;
    private long _nextToken = 1;
    private long _heldBodyBytes;

    // Bodies over the budgets of cold messages whose insert is not durable yet (a receive before then needs them). The
    // provider reports durable inserts of bodies over the budgets from its writer's thread without taking the lock
    // (ForgetPendingBodies); the next send, claim, count or retention sweep drains those reports under it.
    private readonly Dictionary<long, string> _pendingBodies = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<List<(long QueueId, long Sequence)>> _durable = new();

    public object Gate { get; } = new();

    /// <summary>A standard queue's send takes its sequences from a block of <see cref="SendBlock"/> that it starts.</summary>
    public const int SendBlockShift = 4;

    public const long SendBlock = 1L << SendBlockShift;

    // ---- loading (durable providers replay their tables through these at start) ----

    public void Restore(QueueRecord queue)
    {
        var state = new QueueState(queue);
        _queues[queue.Id] = state;
        _byName[(queue.Account, queue.Region, queue.Name)] = queue.Id;
        _nextQueueId = Math.Max(_nextQueueId, queue.Id + 1);
    }

    /// <summary>Whether a body of the queue read at start would still fit the budgets (a provider leaves the others on disk).</summary>
    public bool HasRoomForBody(long queueId) =>
        _heldBodyBytes < bodyBudgetBytes && (!_queues.TryGetValue(queueId, out var state) || state.HeldBodyBytes < queueBodyBudgetBytes);

    /// <summary>Bytes of bodies held in memory and counted in the budget.</summary>
    public long HeldBodyBytes => _heldBodyBytes;

    /// <summary>Bodies set aside until their insert is durable, without draining the reports first (for tests).</summary>
    internal int PendingBodies => _pendingBodies.Count;

    /// <summary>How many messages still have their body in memory, counted or not (for tests: a spilled body must leave).</summary>
    public int CountBodiesInMemory()
    {
        DrainDurable();
        var count = 0;
        foreach (var state in _queues.Values)
        {
            foreach (var message in state.Messages.Values)
            {
                count += message.HasBody ? 1 : 0;
            }
            foreach (var cold in state.Cold.Items)
            {
                count += cold.Body is not null || _pendingBodies.ContainsKey(cold.Sequence) ? 1 : 0;
            }
        }
        return count;
    }

    public void Restore(StoredMessage message)
    {
        if (!_queues.TryGetValue(message.QueueId, out var state))
        {
            return;
        }
        _nextSequence = Math.Max(_nextSequence, message.Sequence + 1);
        _nextToken = Math.Max(_nextToken, message.ReceiptToken + 1);
        if (!state.Record.IsFifo && message.ReceiptToken == 0 && message.SourceQueueId == 0 && message.DeduplicationId is null)
        {
            // Never received: cold again, its body (when read at start) counted in the budgets, else on disk.
            var cold = new ColdMessage
            {
                Sequence = message.Sequence,
                Id = message.Id,
                Body = message.HasBody ? message.Body : null,
                Attributes = message.Attributes,
                GroupId = message.GroupId,
                SentAt = message.SentAt,
                EnqueuedAt = message.EnqueuedAt,
                VisibleAt = message.VisibleAt,
            };
            if (cold.Body is not null)
            {
                var size = BodyBytes(cold.Body);
                CountHeld(state, size);
            }
            state.Cold.Enqueue(cold);
            return;
        }
        Adopt(state, message);
        state.Add(message);
    }

    public void RestoreDeduplication(long queueId, string key, long sequence, string messageId, long expiresAt)
    {
        if (_queues.TryGetValue(queueId, out var state))
        {
            state.Remember(key, new Dedup(sequence, messageId, expiresAt));
        }
    }

    /// <summary>The sequence the next message will take (a durable provider records it when it closes).</summary>
    public long NextSequence => _nextSequence;

    public void RestoreCounters(long nextQueueId, long nextSequence, long nextToken)
    {
        _nextQueueId = Math.Max(_nextQueueId, nextQueueId);
        _nextSequence = Math.Max(_nextSequence, nextSequence);
        _nextToken = Math.Max(_nextToken, nextToken);
    }

    // ---- queues ----

    public (QueueRecord Queue, bool Created) CreateQueue(string account, string region, string name, IReadOnlyDictionary<string, string> attributes, IReadOnlyDictionary<string, string> tags, long now)
    {
        if (_byName.TryGetValue((account, region, name), out var existing))
        {
            return (_queues[existing].Record, false);
        }
        var record = new QueueRecord(_nextQueueId++, account, region, name, attributes, tags, now, now);
        Restore(record);
        journal.QueueSaved(record);
        return (record, true);
    }

    public QueueRecord UpdateQueue(QueueRecord queue)
    {
        var state = Get(queue.Id);
        state.Record = queue;
        journal.QueueSaved(queue);
        return queue;
    }

    public bool DeleteQueue(long queueId)
    {
        if (!_queues.Remove(queueId, out var state))
        {
            return false;
        }
        _byName.Remove((state.Record.Account, state.Record.Region, state.Record.Name));
        var sequences = state.Sequences();
        ReleaseAll(state);
        state.Clear();
        _unjournaled.RemoveWhere(static m => !m.Live);
        journal.QueueDeleted(queueId, sequences);
        return true;
    }

    public QueueRecord? FindQueue(string account, string region, string name) =>
        _byName.TryGetValue((account, region, name), out var id) ? _queues[id].Record : null;

    public QueueRecord? GetQueue(long queueId) => _queues.TryGetValue(queueId, out var state) ? state.Record : null;

    public List<QueueRecord> ListQueues(string account, string region, string? prefix)
    {
        var list = new List<QueueRecord>();
        foreach (var state in _queues.Values)
        {
            var record = state.Record;
            if (record.Account == account && record.Region == region && (prefix is null || record.Name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                list.Add(record);
            }
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    // ---- messages ----

    public SendOutcome[] Send(long queueId, IReadOnlyList<NewMessage> messages, long now, long deduplicationWindowMs, bool deduplicatePerGroup)
    {
        DrainDurable();
        var state = Get(queueId);
        var outcomes = new SendOutcome[messages.Count];
        state.ForgetExpiredDeduplication(now);
        if (!state.Record.IsFifo)
        {
            // A standard queue's send starts at a multiple of SendBlock: a durable provider may keep the messages of one
            // send in one record, named by sequence / SendBlock (gaps in the sequences are harmless).
            _nextSequence = (_nextSequence + SendBlock - 1) & -SendBlock;
        }
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            string? key = null;
            if (deduplicationWindowMs > 0 && message.DeduplicationId is { } dedupId)
            {
                key = deduplicatePerGroup ? message.GroupId + "\n" + dedupId : dedupId;
                if (state.TryRecall(key, now, out var seen))
                {
                    outcomes[i] = new SendOutcome(seen.MessageId, seen.Sequence, true);
                    continue;
                }
            }
            if (key is null && message.DeduplicationId is null && !state.Record.IsFifo)
            {
                outcomes[i] = new SendOutcome(message.MessageId, SendCold(state, message, now), false);
                continue;
            }
            var stored = new StoredMessage
            {
                Sequence = _nextSequence++,
                QueueId = queueId,
                MessageId = message.MessageId,
                Body = message.Body,
                Attributes = message.Attributes,
                GroupId = message.GroupId,
                DeduplicationId = message.DeduplicationId,
                SentAt = message.SentAt,
                EnqueuedAt = now,
                VisibleAt = message.VisibleAt,
            };
            HoldOrSpill(state, stored);
            state.Add(stored);
            journal.MessageInserted(new InsertedMessage(stored.Sequence, queueId, message.MessageId, message.Body, message.Attributes,
                message.GroupId, message.DeduplicationId, message.SentAt, now, message.VisibleAt, stored.SpillBody));
            if (key is not null)
            {
                var dedup = new Dedup(stored.Sequence, message.MessageId, now + deduplicationWindowMs);
                state.Remember(key, dedup);
                journal.DeduplicationRecorded(queueId, key, dedup.Sequence, dedup.MessageId, dedup.ExpiresAt);
            }
            outcomes[i] = new SendOutcome(message.MessageId, stored.Sequence, false);
        }
        return outcomes;
    }

    /// <summary>Enqueues a standard queue's message as a cold struct; returns its sequence.</summary>
    private long SendCold(QueueState state, NewMessage message, long now)
    {
        var cold = new ColdMessage
        {
            Sequence = _nextSequence++,
            Id = StoredId.From(message.MessageId),
            Attributes = message.Attributes,
            GroupId = message.GroupId,
            SentAt = message.SentAt,
            EnqueuedAt = now,
            VisibleAt = message.VisibleAt,
        };
        var size = BodyBytes(message.Body);
        var spill = _heldBodyBytes + size > bodyBudgetBytes || state.HeldBodyBytes + size > queueBodyBudgetBytes;
        if (spill)
        {
            _pendingBodies[cold.Sequence] = message.Body;
        }
        else
        {
            cold.Body = message.Body;
            CountHeld(state, size);
        }
        state.Cold.Enqueue(cold);
        journal.MessageInserted(new InsertedMessage(cold.Sequence, state.Record.Id, message.MessageId, message.Body, message.Attributes,
            message.GroupId, null, message.SentAt, now, message.VisibleAt, spill));
        return cold.Sequence;
    }

    /// <summary>
    /// The inserts of these messages (queue, sequence), sent over the budgets, are durable: their bodies leave memory, set
    /// aside for a cold message or on the message's object (a FIFO queue's, or a cold one received in the meantime).
    /// </summary>
    /// <remarks>Thread-safe and takes no lock: the bodies leave at the next send, claim, count or retention sweep.</remarks>
    public void ForgetPendingBodies(List<(long QueueId, long Sequence)> messages) => _durable.Enqueue(messages);

    private void DrainDurable()
    {
        while (_durable.TryDequeue(out var messages))
        {
            foreach (var (queueId, sequence) in messages)
            {
                _pendingBodies.Remove(sequence);
                if (_queues.TryGetValue(queueId, out var state) && state.Messages.TryGetValue(sequence, out var message) && message.SpillBody)
                {
                    message.DropBody();
                }
            }
        }
    }

    /// <summary>Turns a cold message taken from its heap into an object of the queue (not yet in the ready order).</summary>
    private StoredMessage Materialize(QueueState state, in ColdMessage cold)
    {
        var pending = cold.Body is null && _pendingBodies.TryGetValue(cold.Sequence, out var body) ? body : null;
        var message = new StoredMessage(cold.Id, cold.Body ?? pending)
        {
            Sequence = cold.Sequence,
            QueueId = state.Record.Id,
            Attributes = cold.Attributes,
            GroupId = cold.GroupId,
            SentAt = cold.SentAt,
            EnqueuedAt = cold.EnqueuedAt,
            VisibleAt = cold.VisibleAt,
            // A held body keeps its place in the budgets; a pending one leaves once its insert is durable.
            BodyHeld = cold.Body is not null,
            SpillBody = pending is not null,
        };
        state.Messages[message.Sequence] = message;
        return message;
    }

    /// <summary>Turns every cold message of a queue into an object in its ready order (for operations that walk them all).</summary>
    private void MaterializeAll(QueueState state)
    {
        while (state.Cold.TryDequeue(out var cold))
        {
            state.Schedule(Materialize(state, cold));
        }
    }

    public List<StoredMessage> Claim(long queueId, in ClaimRequest request)
    {
        DrainDurable();
        var state = Get(queueId);
        var claimed = new List<StoredMessage>(Math.Min(request.MaxMessages, 10));
        if (state.Record.IsFifo)
        {
            ClaimFifo(state, request, claimed);
        }
        else
        {
            ClaimStandard(state, request, claimed);
        }
        return claimed;
    }

    private void ClaimStandard(QueueState state, in ClaimRequest request, List<StoredMessage> claimed)
    {
        var ready = state.Ready;
        var cold = state.Cold;
        List<StoredMessage>? requeue = null;
        while (claimed.Count < request.MaxMessages)
        {
            // The older of the two heads: a message received before (the ready order) or one never received (cold).
            var hasReady = ready.TryPeek(out var entry, out var readyKey);
            var hasCold = cold.TryPeek(out var coldHead);
            var coldKey = (coldHead.VisibleAt, coldHead.Sequence);
            StoredMessage message;
            if (hasCold && (!hasReady || coldKey.CompareTo(readyKey) < 0))
            {
                if (coldKey.VisibleAt > request.Now)
                {
                    break;
                }
                cold.TryDequeue(out _);
                message = Materialize(state, coldHead);
            }
            else if (hasReady)
            {
                if (readyKey.VisibleAt > request.Now)
                {
                    break;
                }
                ready.Dequeue();
                message = entry.Message;
                if (!message.Live || message.Version != entry.Version)
                {
                    continue;
                }
            }
            else
            {
                break;
            }
            if (TryRetire(state, message, request))
            {
                continue;
            }
            ClaimOne(message, request);
            (requeue ??= []).Add(message);
            claimed.Add(message.Snapshot());
        }
        if (requeue is not null)
        {
            foreach (var message in requeue)
            {
                state.Schedule(message);
            }
        }
    }

    private void ClaimFifo(QueueState state, in ClaimRequest request, List<StoredMessage> claimed)
    {
        var groups = state.GroupOrder;
        for (var node = groups.First; node is not null && claimed.Count < request.MaxMessages;)
        {
            var group = node.Value;
            var next = node.Next;
            group.DropDeadHead();
            if (group.Messages.Count == 0)
            {
                groups.Remove(node);
                state.Groups.Remove(group.Id);
                node = next;
                continue;
            }
            if (group.IsBlocked(request.Now))
            {
                node = next;
                continue;
            }
            // Take consecutive visible messages from the head of the group.
            foreach (var message in group.Messages)
            {
                if (claimed.Count >= request.MaxMessages)
                {
                    break;
                }
                if (!message.Live)
                {
                    continue;
                }
                if (message.VisibleAt > request.Now)
                {
                    break;
                }
                if (TryRetire(state, message, request))
                {
                    continue;
                }
                ClaimOne(message, request);
                claimed.Add(message.Snapshot());
            }
            node = next;
        }
    }

    private void ClaimOne(StoredMessage message, in ClaimRequest request)
    {
        message.ReceiveCount++;
        if (message.FirstReceivedAt == 0)
        {
            message.FirstReceivedAt = request.Now;
        }
        message.ReceiptToken = _nextToken++;
        message.VisibleAt = request.Now + request.VisibilityTimeoutMs;
        message.Version++;
        if (request.JournalClaims)
        {
            journal.MessageChanged(message);
        }
        else
        {
            _unjournaled.Add(message);
        }
    }

    /// <summary>Received messages whose claims were not journaled (see <see cref="ClaimRequest.JournalClaims"/>).</summary>
    private readonly HashSet<StoredMessage> _unjournaled = new(ReferenceEqualityComparer.Instance);

    private void Forget(QueueState state, StoredMessage message)
    {
        state.Remove(message);
        _unjournaled.Remove(message);
        Release(state, message);
        if (message.SpillBody)
        {
            _pendingBodies.Remove(message.Sequence);
        }
    }

    /// <summary>Adds a body's bytes to (or, negative, takes them from) both budgets' counts.</summary>
    private void CountHeld(QueueState state, long bytes)
    {
        _heldBodyBytes += bytes;
        state.HeldBodyBytes += bytes;
    }

    /// <summary>About what a body costs in memory: its UTF-16 characters and the string's header.</summary>
    private static long BodyBytes(StoredMessage message) => BodyBytes(message.Body);

    private static long BodyBytes(string body) => (2L * body.Length) + 24;

    /// <summary>
    /// A message entering a queue (sent, or moved with its body): its body is counted when both budgets have room,
    /// else marked for the provider to drop once the change is durable.
    /// </summary>
    private void HoldOrSpill(QueueState state, StoredMessage message)
    {
        if (!message.HasBody)
        {
            return;
        }
        var size = BodyBytes(message);
        if (_heldBodyBytes + size <= bodyBudgetBytes && state.HeldBodyBytes + size <= queueBodyBudgetBytes)
        {
            Adopt(state, message);
        }
        else
        {
            message.SpillBody = true;
        }
    }

    /// <summary>Counts a message's body in the budgets when it has one in memory.</summary>
    private void Adopt(QueueState state, StoredMessage message)
    {
        if (message.HasBody && !message.BodyHeld)
        {
            message.BodyHeld = true;
            var size = BodyBytes(message);
            CountHeld(state, size);
        }
    }

    private void Release(QueueState state, StoredMessage message)
    {
        if (message.BodyHeld)
        {
            message.BodyHeld = false;
            var size = BodyBytes(message);
            CountHeld(state, -size);
        }
    }

    /// <summary>Releases the bodies of every message of a queue being emptied.</summary>
    private void ReleaseAll(QueueState state)
    {
        foreach (var message in state.Messages.Values)
        {
            Release(state, message);
            if (message.SpillBody)
            {
                _pendingBodies.Remove(message.Sequence);
            }
        }
        foreach (var cold in state.Cold.Items)
        {
            ReleaseCold(state, cold);
        }
    }

    /// <summary>A cold message leaves: its body leaves the budgets, or the bodies set aside.</summary>
    private void ReleaseCold(QueueState state, in ColdMessage cold)
    {
        if (cold.Body is not null)
        {
            var size = BodyBytes(cold.Body);
            CountHeld(state, -size);
        }
        else
        {
            _pendingBodies.Remove(cold.Sequence);
        }
    }

    /// <summary>Journals the claims that were not journaled, so a clean shutdown keeps every receive count.</summary>
    public void JournalPendingClaims()
    {
        foreach (var message in _unjournaled)
        {
            if (message.Live)
            {
                journal.MessageChanged(message);
            }
        }
        _unjournaled.Clear();
    }

    /// <summary>Expires a message past retention or moves an over-received one to the dead-letter queue.</summary>
    private bool TryRetire(QueueState state, StoredMessage message, in ClaimRequest request)
    {
        if (message.EnqueuedAt + request.RetentionMs <= request.Now)
        {
            Forget(state, message);
            journal.MessageDeleted(message.Sequence);
            return true;
        }
        if (request.DeadLetterQueueId != 0 && request.MaxReceiveCount > 0 && message.ReceiveCount >= request.MaxReceiveCount
            && _queues.TryGetValue(request.DeadLetterQueueId, out var deadLetters) && deadLetters != state)
        {
            Forget(state, message);
            var moved = message.Snapshot();
            moved.Live = true;
            moved.QueueId = deadLetters.Record.Id;
            moved.SourceQueueId = state.Record.Id;
            moved.ReceiveCount = 0;
            moved.FirstReceivedAt = 0;
            moved.ReceiptToken = 0;
            moved.VisibleAt = request.Now;
            if (deadLetters.Record.IsFifo)
            {
                moved.EnqueuedAt = request.Now;
            }
            HoldOrSpill(deadLetters, moved);
            deadLetters.Add(moved);
            journal.MessageChanged(moved);
            return true;
        }
        return false;
    }

    public ReceiptOutcome[] Delete(long queueId, IReadOnlyList<Receipt> receipts)
    {
        var state = Get(queueId);
        var outcomes = new ReceiptOutcome[receipts.Count];
        for (var i = 0; i < receipts.Count; i++)
        {
            outcomes[i] = Find(state, receipts[i], out var message);
            if (outcomes[i] == ReceiptOutcome.Ok)
            {
                Forget(state, message!);
                journal.MessageDeleted(message!.Sequence);
            }
        }
        return outcomes;
    }

    public ReceiptOutcome[] ChangeVisibility(long queueId, IReadOnlyList<Receipt> receipts, long timeoutMs, long now)
    {
        var state = Get(queueId);
        var outcomes = new ReceiptOutcome[receipts.Count];
        for (var i = 0; i < receipts.Count; i++)
        {
            outcomes[i] = Find(state, receipts[i], out var message);
            if (outcomes[i] != ReceiptOutcome.Ok)
            {
                continue;
            }
            if (message!.VisibleAt <= now)
            {
                outcomes[i] = ReceiptOutcome.NotInFlight;
                continue;
            }
            message.VisibleAt = now + timeoutMs;
            message.Version++;
            state.Schedule(message);
            journal.MessageChanged(message);
        }
        return outcomes;
    }

    /// <summary>The message a receipt names: Ok with the message, Gone when it is not in the queue, Stale when the receipt is not its latest.</summary>
    private static ReceiptOutcome Find(QueueState state, Receipt receipt, out StoredMessage? message)
    {
        if (!state.Messages.TryGetValue(receipt.Sequence, out message))
        {
            return ReceiptOutcome.Gone;
        }
        // Token 0 is never issued (tokens start at 1): a never-received message holds it, and a receipt naming it is forged.
        return receipt.Token != 0 && message.ReceiptToken == receipt.Token ? ReceiptOutcome.Ok : ReceiptOutcome.Stale;
    }

    public void Purge(long queueId)
    {
        var state = Get(queueId);
        var sequences = state.Sequences();
        ReleaseAll(state);
        state.Clear();
        _unjournaled.RemoveWhere(static m => !m.Live);
        journal.QueuePurged(queueId, sequences);
    }

    public int Expire(long queueId, long cutoff)
    {
        // The retention sweep runs every minute even on an idle server: bodies whose inserts became durable leave here too.
        DrainDurable();
        var state = Get(queueId);
        state.ForgetExpiredDeduplication(cutoff);
        if (state.Record.IsFifo)
        {
            journal.DeduplicationExpired(queueId, cutoff);
        }
        var expiredCold = ExpireCold(state, cutoff);
        List<StoredMessage>? expired = null;
        foreach (var message in state.Messages.Values)
        {
            if (message.EnqueuedAt < cutoff)
            {
                (expired ??= []).Add(message);
            }
        }
        if (expired is null)
        {
            return expiredCold;
        }
        foreach (var message in expired)
        {
            Forget(state, message);
            journal.MessageDeleted(message.Sequence);
        }
        return expired.Count + expiredCold;
    }

    /// <summary>Drops the cold messages enqueued before the cutoff (walked only when some may be; rebuilt only when some are).</summary>
    private int ExpireCold(QueueState state, long cutoff)
    {
        if (state.Cold.EnqueuedNoEarlierThan() >= cutoff)
        {
            return 0;
        }
        var expired = 0;
        foreach (var cold in state.Cold.Items)
        {
            if (cold.EnqueuedAt < cutoff)
            {
                expired++;
                ReleaseCold(state, cold);
                journal.MessageDeleted(cold.Sequence);
            }
        }
        if (expired > 0)
        {
            state.Cold.RemoveAll(cold => cold.EnqueuedAt < cutoff);
        }
        return expired;
    }

    public int Move(long sourceQueueId, long destinationQueueId, int max, long now)
    {
        var source = Get(sourceQueueId);
        if (destinationQueueId != 0)
        {
            // Back to their source queues only moves dead letters, which are never cold.
            MaterializeAll(source);
        }
        var candidates = new List<StoredMessage>();
        foreach (var message in source.Messages.Values)
        {
            // Only what a receive could take now, as SQS's move task receives from the queue: a message in flight stays
            // with its consumer (its receipt still deletes it), a delayed one keeps its delay.
            if (message.VisibleAt > now)
            {
                continue;
            }
            var target = destinationQueueId != 0 ? destinationQueueId : message.SourceQueueId;
            if (target != 0 && target != sourceQueueId && _queues.ContainsKey(target))
            {
                candidates.Add(message);
            }
        }
        candidates.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        var moved = 0;
        foreach (var message in candidates)
        {
            if (moved == max)
            {
                break;
            }
            var destination = _queues[destinationQueueId != 0 ? destinationQueueId : message.SourceQueueId];
            Forget(source, message);
            var copy = message.Snapshot();
            copy.Live = true;
            copy.QueueId = destination.Record.Id;
            copy.SourceQueueId = 0;
            copy.ReceiveCount = 0;
            copy.FirstReceivedAt = 0;
            copy.ReceiptToken = 0;
            copy.VisibleAt = now;
            copy.EnqueuedAt = now;
            HoldOrSpill(destination, copy);
            destination.Add(copy);
            journal.MessageChanged(copy);
            moved++;
        }
        return moved;
    }

    public QueueCounts Count(long queueId, long now)
    {
        DrainDurable();
        var state = Get(queueId);
        long visible = 0, notVisible = 0, delayed = 0;
        foreach (var message in state.Messages.Values)
        {
            if (message.VisibleAt <= now)
            {
                visible++;
            }
            else if (message.ReceiptToken != 0)
            {
                notVisible++;
            }
            else
            {
                delayed++;
            }
        }
        var coldVisible = state.Cold.CountVisible(now);
        visible += coldVisible;
        delayed += state.Cold.Count - coldVisible;
        return new QueueCounts(visible, notVisible, delayed);
    }

    public long? NextVisibleAt(long queueId)
    {
        if (!_queues.TryGetValue(queueId, out var state))
        {
            return null;
        }
        if (state.Record.IsFifo)
        {
            long? earliest = null;
            foreach (var group in state.GroupOrder)
            {
                group.DropDeadHead();
                if (group.Messages.Count == 0)
                {
                    continue;
                }
                var at = Math.Max(group.Messages.Peek().VisibleAt, group.InFlightUntil());
                earliest = earliest is null ? at : Math.Min(earliest.Value, at);
            }
            return earliest;
        }
        long? cold = state.Cold.TryPeek(out var coldHead) ? coldHead.VisibleAt : null;
        while (state.Ready.TryPeek(out var entry, out var key))
        {
            if (entry.Message.Live && entry.Message.Version == entry.Version)
            {
                return cold is null ? key.VisibleAt : Math.Min(key.VisibleAt, cold.Value);
            }
            state.Ready.Dequeue();
        }
        return cold;
    }

    public List<long> QueueIds() => [.. _queues.Keys];

    public List<QueueRecord> AllQueues()
    {
        var list = new List<QueueRecord>(_queues.Count);
        foreach (var state in _queues.Values)
        {
            list.Add(state.Record);
        }
        return list;
    }

    private QueueState Get(long queueId) =>
        _queues.TryGetValue(queueId, out var state) ? state : throw new KeyNotFoundException($"queue {queueId} does not exist");

    internal readonly record struct Dedup(long Sequence, string MessageId, long ExpiresAt);

    internal readonly record struct ReadyEntry(StoredMessage Message, int Version);

    /// <summary>A standard queue's message that was never received (see the class remarks). A body of null is over the budgets.</summary>
    internal struct ColdMessage
    {
        public long Sequence;
        public StoredId Id;
        public string? Body;
        public byte[]? Attributes;
        public string? GroupId;
        public long SentAt;
        public long EnqueuedAt;
        public long VisibleAt;
    }

    private sealed class QueueState(QueueRecord record)
    {
        private readonly Dictionary<string, Dedup> _dedup = new(StringComparer.Ordinal);
        private readonly Queue<(long ExpiresAt, string Key)> _dedupExpiry = new();

        public QueueRecord Record { get; set; } = record;

        public Dictionary<long, StoredMessage> Messages { get; } = [];

        /// <summary>Bytes of this queue's bodies counted in the budgets.</summary>
        public long HeldBodyBytes { get; set; }

        /// <summary>Standard queues: every message by (visible-at, sequence), with stale entries skipped lazily.</summary>
        public PriorityQueue<ReadyEntry, (long VisibleAt, long Sequence)> Ready { get; } = new();

        /// <summary>Standard queues: messages never received, as structs by (visible-at, sequence); a claim turns them into objects.</summary>
        public ColdHeap Cold { get; } = new();

        /// <summary>The sequences of every message of the queue.</summary>
        public long[] Sequences()
        {
            var sequences = new long[Messages.Count + Cold.Count];
            Messages.Keys.CopyTo(sequences, 0);
            var i = Messages.Count;
            foreach (var cold in Cold.Items)
            {
                sequences[i++] = cold.Sequence;
            }
            return sequences;
        }

        /// <summary>FIFO queues: message groups in order of first arrival.</summary>
        public LinkedList<Group> GroupOrder { get; } = new();

        public Dictionary<string, Group> Groups { get; } = new(StringComparer.Ordinal);

        public void Add(StoredMessage message)
        {
            Messages[message.Sequence] = message;
            if (Record.IsFifo)
            {
                var id = message.GroupId ?? string.Empty;
                if (!Groups.TryGetValue(id, out var group))
                {
                    group = new Group(id);
                    Groups[id] = group;
                    GroupOrder.AddLast(group);
                }
                group.Messages.Enqueue(message);
            }
            else
            {
                Schedule(message);
            }
        }

        public void Schedule(StoredMessage message)
        {
            if (!Record.IsFifo)
            {
                Ready.Enqueue(new ReadyEntry(message, message.Version), (message.VisibleAt, message.Sequence));
            }
        }

        public void Remove(StoredMessage message)
        {
            message.Live = false;
            Messages.Remove(message.Sequence);
        }

        public void Clear()
        {
            foreach (var message in Messages.Values)
            {
                message.Live = false;
            }
            Messages.Clear();
            Ready.Clear();
            Cold.Clear();
            GroupOrder.Clear();
            Groups.Clear();
        }

        public void Remember(string key, Dedup dedup)
        {
            _dedup[key] = dedup;
            _dedupExpiry.Enqueue((dedup.ExpiresAt, key));
        }

        public bool TryRecall(string key, long now, out Dedup dedup) =>
            _dedup.TryGetValue(key, out dedup) && dedup.ExpiresAt > now;

        public void ForgetExpiredDeduplication(long now)
        {
            while (_dedupExpiry.TryPeek(out var head) && head.ExpiresAt <= now)
            {
                _dedupExpiry.Dequeue();
                if (_dedup.TryGetValue(head.Key, out var current) && current.ExpiresAt <= now)
                {
                    _dedup.Remove(head.Key);
                }
            }
        }
    }

    private sealed class Group(string id)
    {
        public string Id { get; } = id;

        /// <summary>The group's messages in sequence order; removed ones are dropped when they reach the head.</summary>
        public Queue<StoredMessage> Messages { get; } = new();

        public void DropDeadHead()
        {
            while (Messages.TryPeek(out var head) && !head.Live)
            {
                Messages.Dequeue();
            }
        }

        /// <summary>The latest visibility deadline of the group's received, undeleted messages (they form a prefix).</summary>
        public long InFlightUntil()
        {
            long until = 0;
            foreach (var message in Messages)
            {
                if (!message.Live)
                {
                    continue;
                }
                if (message.ReceiptToken == 0)
                {
                    break;
                }
                until = Math.Max(until, message.VisibleAt);
            }
            return until;
        }

        public bool IsBlocked(long now) => InFlightUntil() > now;
    }
}
