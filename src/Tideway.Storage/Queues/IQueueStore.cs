namespace Tideway.Storage;

/// <summary>
/// Queues and messages. The store owns claiming (which messages a receive gets, visibility, FIFO
/// group blocking, redrive to a dead-letter queue, expiry) because a shared-database provider must do
/// it atomically in the database; the engine owns validation, attributes and the AWS wire meaning.
/// Methods that change state complete once the change is durable, except <see cref="ClaimAsync"/>,
/// whose visibility changes are written behind (a crash makes in-flight messages visible again, which
/// at-least-once delivery allows).
/// </summary>
public interface IQueueStore
{
    /// <summary>Raised (on any thread) when messages may have become available in a queue: after a send or a visibility change commits.</summary>
    event Action<long>? MessagesAvailable;

    /// <summary>Creates a queue; if one with that account, region and name exists, returns it unchanged and false.</summary>
    ValueTask<(QueueRecord Queue, bool Created)> CreateQueueAsync(string account, string region, string name, IReadOnlyDictionary<string, string> attributes, IReadOnlyDictionary<string, string> tags, long now);

    /// <summary>Replaces a queue's attributes and tags (same id).</summary>
    ValueTask<QueueRecord> UpdateQueueAsync(QueueRecord queue);

    /// <summary>Deletes a queue and its messages. False if it did not exist.</summary>
    ValueTask<bool> DeleteQueueAsync(long queueId);

    /// <summary>The queue with that name, or null.</summary>
    QueueRecord? FindQueue(string account, string region, string name);

    /// <summary>The queue with that id, or null.</summary>
    QueueRecord? GetQueue(long queueId);

    /// <summary>Every queue of every account and region.</summary>
    IReadOnlyList<QueueRecord> AllQueues();

    /// <summary>The queues of an account and region whose name starts with <paramref name="prefix"/>, ordered by name.</summary>
    IReadOnlyList<QueueRecord> ListQueues(string account, string region, string? prefix);

    /// <summary>
    /// Enqueues messages durably. For a FIFO queue with <paramref name="deduplicationWindowMs"/> &gt; 0,
    /// a message whose deduplication id (per message group when <paramref name="deduplicatePerGroup"/>) was
    /// seen within the window is not enqueued again; its outcome carries the original id.
    /// </summary>
    ValueTask<SendOutcome[]> SendAsync(long queueId, IReadOnlyList<NewMessage> messages, long now, long deduplicationWindowMs, bool deduplicatePerGroup = false);

    /// <summary>
    /// Claims up to <see cref="ClaimRequest.MaxMessages"/> visible messages, oldest first (FIFO: in group
    /// order, skipping groups with messages in flight), makes them invisible for the visibility timeout,
    /// increments their receive count and gives each a new receipt token. Expired messages are dropped
    /// and over-received ones moved to the dead-letter queue on the way.
    /// </summary>
    ValueTask<IReadOnlyList<StoredMessage>> ClaimAsync(long queueId, ClaimRequest request);

    /// <summary>Deletes received messages. One outcome per receipt, in order.</summary>
    ValueTask<ReceiptOutcome[]> DeleteAsync(long queueId, IReadOnlyList<Receipt> receipts);

    /// <summary>Changes the visibility of received messages to <c>now + timeoutMs</c>. One outcome per receipt.</summary>
    ValueTask<ReceiptOutcome[]> ChangeVisibilityAsync(long queueId, IReadOnlyList<Receipt> receipts, long timeoutMs, long now);

    /// <summary>Deletes every message of a queue.</summary>
    ValueTask PurgeAsync(long queueId);

    /// <summary>Drops messages enqueued before <paramref name="cutoff"/> (retention). Returns how many.</summary>
    ValueTask<int> ExpireAsync(long queueId, long cutoff);

    /// <summary>
    /// Moves up to <paramref name="max"/> messages, oldest first, from a dead-letter queue to
    /// <paramref name="destinationQueueId"/>, or to each message's source queue when it is 0 (messages whose
    /// source queue is gone stay). Moved messages are visible at once with a receive count of 0.
    /// </summary>
    ValueTask<int> MoveAsync(long sourceQueueId, long destinationQueueId, int max, long now);

    /// <summary>Approximate counts at <paramref name="now"/>.</summary>
    QueueCounts Count(long queueId, long now);

    /// <summary>The earliest time a message of the queue becomes visible, or null when none waits.</summary>
    long? NextVisibleAt(long queueId);
}
