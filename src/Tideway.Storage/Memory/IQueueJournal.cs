namespace Tideway.Storage.Memory;

/// <summary>
/// Receives every change <see cref="QueueIndex"/> makes, in order, while the index's lock is held, so
/// that a durable provider can append them to its write-ahead batch in the same order.
/// </summary>
internal interface IQueueJournal
{
    void QueueSaved(QueueRecord queue);

    /// <summary>The queue and its messages (<paramref name="sequences"/>) are gone.</summary>
    void QueueDeleted(long queueId, IReadOnlyCollection<long> sequences);

    /// <summary>A message was sent into a queue (a row to insert).</summary>
    void MessageInserted(in InsertedMessage message);

    /// <summary>Visibility, receive count, receipt token, or (on a move) queue, enqueue time and source changed.</summary>
    void MessageChanged(StoredMessage message);

    void MessageDeleted(long sequence);

    /// <summary>The queue's messages (<paramref name="sequences"/>) are gone.</summary>
    void QueuePurged(long queueId, IReadOnlyCollection<long> sequences);

    void DeduplicationRecorded(long queueId, string key, long sequence, string messageId, long expiresAt);

    /// <summary>Deduplication entries of the queue that expired at or before <paramref name="cutoff"/> may be dropped.</summary>
    void DeduplicationExpired(long queueId, long cutoff);
}

/// <summary>
/// A message sent into a queue, as the journal writes it (its receive state all zero). When <c>Spill</c> is set, its body is
/// over the index's budgets: once the insert is durable, the provider calls <see cref="QueueIndex.ForgetPendingBodies"/>
/// for it.
/// </summary>
internal readonly record struct InsertedMessage(
    long Sequence, long QueueId, string MessageId, string Body, byte[]? Attributes, string? GroupId, string? DeduplicationId,
    long SentAt, long EnqueuedAt, long VisibleAt, bool Spill);

/// <summary>A journal that keeps nothing: the in-memory provider.</summary>
internal sealed class NullQueueJournal : IQueueJournal
{
    public static readonly NullQueueJournal Instance = new();

    public void QueueSaved(QueueRecord queue) { }

    public void QueueDeleted(long queueId, IReadOnlyCollection<long> sequences) { }

    public void MessageInserted(in InsertedMessage message) { }

    public void MessageChanged(StoredMessage message) { }

    public void MessageDeleted(long sequence) { }

    public void QueuePurged(long queueId, IReadOnlyCollection<long> sequences) { }

    public void DeduplicationRecorded(long queueId, string key, long sequence, string messageId, long expiresAt) { }

    public void DeduplicationExpired(long queueId, long cutoff) { }
}
