namespace Tideway.Storage.Memory;

/// <summary>
/// An <see cref="IQueueStore"/> over a <see cref="QueueIndex"/>, optionally durable: after each change the
/// store waits for <c>CaptureCommit</c> (a durable provider's group commit; nothing for the
/// in-memory provider).
/// </summary>
internal class MemoryQueueStore : IQueueStore
{
    private protected readonly QueueIndex _index;

    public MemoryQueueStore() : this(NullQueueJournal.Instance) { }

    private protected MemoryQueueStore(IQueueJournal journal, long bodyBudgetBytes = long.MaxValue, long queueBodyBudgetBytes = long.MaxValue)
    {
        _index = new QueueIndex(journal, bodyBudgetBytes, queueBodyBudgetBytes);
    }

    public event Action<long>? MessagesAvailable;

    /// <summary>Called with the index lock held after a change; returns a task that completes once the change is durable.</summary>
    private protected virtual ValueTask CaptureCommit() => ValueTask.CompletedTask;

    /// <summary>Called with the index lock held after a change that need not be waited for (written behind).</summary>
    private protected virtual void CaptureWriteBehind() { }

    private protected void RaiseMessagesAvailable(long queueId) => MessagesAvailable?.Invoke(queueId);

    public async ValueTask<(QueueRecord Queue, bool Created)> CreateQueueAsync(string account, string region, string name, IReadOnlyDictionary<string, string> attributes, IReadOnlyDictionary<string, string> tags, long now)
    {
        (QueueRecord, bool) result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.CreateQueue(account, region, name, attributes, tags, now);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        return result;
    }

    public async ValueTask<QueueRecord> UpdateQueueAsync(QueueRecord queue)
    {
        QueueRecord result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.UpdateQueue(queue);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        return result;
    }

    public async ValueTask<bool> DeleteQueueAsync(long queueId)
    {
        bool result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.DeleteQueue(queueId);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        return result;
    }

    public QueueRecord? FindQueue(string account, string region, string name)
    {
        lock (_index.Gate)
        {
            return _index.FindQueue(account, region, name);
        }
    }

    public QueueRecord? GetQueue(long queueId)
    {
        lock (_index.Gate)
        {
            return _index.GetQueue(queueId);
        }
    }

    public IReadOnlyList<QueueRecord> AllQueues()
    {
        lock (_index.Gate)
        {
            return _index.AllQueues();
        }
    }

    public IReadOnlyList<QueueRecord> ListQueues(string account, string region, string? prefix)
    {
        lock (_index.Gate)
        {
            return _index.ListQueues(account, region, prefix);
        }
    }

    public async ValueTask<SendOutcome[]> SendAsync(long queueId, IReadOnlyList<NewMessage> messages, long now, long deduplicationWindowMs, bool deduplicatePerGroup = false)
    {
        SendOutcome[] result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.Send(queueId, messages, now, deduplicationWindowMs, deduplicatePerGroup);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        RaiseMessagesAvailable(queueId);
        return result;
    }

    public virtual ValueTask<IReadOnlyList<StoredMessage>> ClaimAsync(long queueId, ClaimRequest request)
    {
        List<StoredMessage> result;
        lock (_index.Gate)
        {
            result = _index.Claim(queueId, request);
            // Even when nothing is returned: the claim may have retired messages (expired, or moved to a dead-letter queue).
            CaptureWriteBehind();
        }
        return ValueTask.FromResult<IReadOnlyList<StoredMessage>>(result);
    }

    public async ValueTask<ReceiptOutcome[]> DeleteAsync(long queueId, IReadOnlyList<Receipt> receipts)
    {
        ReceiptOutcome[] result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.Delete(queueId, receipts);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        return result;
    }

    public async ValueTask<ReceiptOutcome[]> ChangeVisibilityAsync(long queueId, IReadOnlyList<Receipt> receipts, long timeoutMs, long now)
    {
        ReceiptOutcome[] result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.ChangeVisibility(queueId, receipts, timeoutMs, now);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        RaiseMessagesAvailable(queueId);
        return result;
    }

    public async ValueTask PurgeAsync(long queueId)
    {
        ValueTask commit;
        lock (_index.Gate)
        {
            _index.Purge(queueId);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
    }

    public async ValueTask<int> ExpireAsync(long queueId, long cutoff)
    {
        int result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.Expire(queueId, cutoff);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        return result;
    }

    public async ValueTask<int> MoveAsync(long sourceQueueId, long destinationQueueId, int max, long now)
    {
        int result;
        ValueTask commit;
        lock (_index.Gate)
        {
            result = _index.Move(sourceQueueId, destinationQueueId, max, now);
            commit = CaptureCommit();
        }
        await commit.ConfigureAwait(false);
        if (result > 0)
        {
            // Destinations vary per message; a spurious wake-up of a long poll is harmless.
            foreach (var queue in AllQueueIds())
            {
                RaiseMessagesAvailable(queue);
            }
        }
        return result;
    }

    private List<long> AllQueueIds()
    {
        lock (_index.Gate)
        {
            return _index.QueueIds();
        }
    }

    public QueueCounts Count(long queueId, long now)
    {
        lock (_index.Gate)
        {
            return _index.Count(queueId, now);
        }
    }

    public long? NextVisibleAt(long queueId)
    {
        lock (_index.Gate)
        {
            return _index.NextVisibleAt(queueId);
        }
    }
}
