namespace Tideway.Storage;

/// <summary>A message as an engine hands it to the store for enqueueing.</summary>
/// <param name="MessageId">The message id the sender is told.</param>
/// <param name="Body">The message body.</param>
/// <param name="Attributes">The message and system attributes, serialized by the engine; opaque to the store.</param>
/// <param name="SentAt">Send time, Unix milliseconds.</param>
/// <param name="VisibleAt">When the message may first be received (send time plus its delay), Unix milliseconds.</param>
/// <param name="GroupId">FIFO message group, or null.</param>
/// <param name="DeduplicationId">FIFO deduplication id, or null.</param>
public sealed record NewMessage(
    string MessageId,
    string Body,
    byte[]? Attributes,
    long SentAt,
    long VisibleAt,
    string? GroupId = null,
    string? DeduplicationId = null);

/// <summary>A message held by a store. Returned by receives; do not mutate.</summary>
public sealed class StoredMessage
{
    /// <summary>Store-assigned sequence, increasing in send order across the whole store.</summary>
    public long Sequence { get; init; }

    /// <summary>The queue the message is in.</summary>
    public long QueueId { get; internal set; }

    private StoredId _id;

    /// <summary>A message whose id is already kept in its stored form (a cold message of the index turning into an object).</summary>
#pragma warning disable CS8618 // MessageId and Body are read from the fields set here.
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    internal StoredMessage(StoredId id, string? body)
    {
        _id = id;
        _body = body;
    }
#pragma warning restore CS8618

    /// <summary>Creates a message; its initializer sets the members.</summary>
    public StoredMessage()
    {
    }

    /// <summary>The message id.</summary>
    public required string MessageId { get => _id.ToString(); init => _id = StoredId.From(value); }

    /// <summary>The id in its stored form.</summary>
    internal StoredId Id => _id;

    // Null only inside a durable provider, for a message whose body it keeps on disk alone (see QueueIndex's body
    // budget); a message a store returns always has its body.
    private string? _body;

    /// <summary>The body.</summary>
    public required string Body { get => _body!; init => _body = value; }

    /// <summary>False when the body is on disk only (a durable provider reads it back for a receive).</summary>
    internal bool HasBody => _body is not null;

    /// <summary>The body is counted in the index's budget of bodies kept in memory.</summary>
    internal bool BodyHeld { get; set; }

    /// <summary>Over the budget: the provider drops the body from memory once the message is durable.</summary>
    internal bool SpillBody { get; set; }

    internal void DropBody() => _body = null;

    internal void SetBody(string body) => _body = body;

    /// <summary>The engine's serialized attributes, or null.</summary>
    public byte[]? Attributes { get; init; }

    /// <summary>FIFO message group, or null.</summary>
    public string? GroupId { get; init; }

    /// <summary>FIFO deduplication id, or null.</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>Send time, Unix milliseconds.</summary>
    public long SentAt { get; init; }

    /// <summary>When the message entered its current queue (kept across a standard queue's redrive), Unix milliseconds.</summary>
    public long EnqueuedAt { get; internal set; }

    /// <summary>When the message becomes (or became) visible, Unix milliseconds.</summary>
    public long VisibleAt { get; internal set; }

    /// <summary>How many times the message was received in its current queue.</summary>
    public int ReceiveCount { get; internal set; }

    /// <summary>The first receive time, Unix milliseconds, or 0.</summary>
    public long FirstReceivedAt { get; internal set; }

    /// <summary>The token of the latest receive (part of the receipt handle), or 0 if never received.</summary>
    public long ReceiptToken { get; internal set; }

    /// <summary>The queue a dead-lettered message came from, or 0.</summary>
    public long SourceQueueId { get; internal set; }

    /// <summary>Bumped on every visibility change; lets an index recognise its stale entries.</summary>
    internal int Version { get; set; }

    /// <summary>False once deleted, expired or moved away.</summary>
    internal bool Live { get; set; } = true;

    /// <summary>Returns a copy with the same state (its body not counted in any budget), for handing out of a lock.</summary>
    public StoredMessage Snapshot()
    {
        var copy = (StoredMessage)MemberwiseClone();
        copy.BodyHeld = false;
        copy.SpillBody = false;
        return copy;
    }
}

/// <summary>
/// A message id as a store keeps it in memory: an id in the engines' form (a lower-case GUID with hyphens) as the GUID's 16
/// bytes, so that a backlog holds no string per message; any other text as it is.
/// </summary>
internal readonly struct StoredId
{
    private readonly Guid _guid;
    private readonly string? _text;

    private StoredId(Guid guid, string? text)
    {
        _guid = guid;
        _text = text;
    }

    // Optimized from the first call: as unoptimized (tier-0) code this parse allocated about 96 bytes per call, which was
    // most of a short run (and of the allocation-budget test).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static StoredId From(string value) =>
        value.Length == 36 && !value.AsSpan().ContainsAnyExcept(GuidCharacters) && Guid.TryParseExact(value, "D", out var guid)
            ? new StoredId(guid, null) : new StoredId(default, value);

    // Exactly what a GUID's "D" form prints (the parse alone also takes spaces, upper case and 0x or + inside groups).
    private static readonly System.Buffers.SearchValues<char> GuidCharacters = System.Buffers.SearchValues.Create("0123456789abcdef-");

    public override string ToString() => _text ?? _guid.ToString();
}

/// <summary>The outcome of enqueueing one message.</summary>
/// <param name="MessageId">The message id (the original message's id when deduplicated).</param>
/// <param name="Sequence">The stored sequence (the original's when deduplicated).</param>
/// <param name="Deduplicated">True when a FIFO deduplication id matched a message sent in the window.</param>
public readonly record struct SendOutcome(string MessageId, long Sequence, bool Deduplicated);

/// <summary>What a receive asks the store to claim.</summary>
/// <param name="MaxMessages">1 to 10.</param>
/// <param name="Now">Unix milliseconds.</param>
/// <param name="VisibilityTimeoutMs">How long claimed messages stay invisible.</param>
/// <param name="RetentionMs">Messages enqueued longer ago than this are expired instead of returned.</param>
/// <param name="MaxReceiveCount">With a dead-letter queue: a message already received this many times moves there instead.</param>
/// <param name="DeadLetterQueueId">The dead-letter queue, or 0 for none.</param>
/// <param name="DeadLetterRetentionMs">The dead-letter queue's retention (to expire moved messages).</param>
/// <param name="JournalClaims">
/// Whether a durable provider writes the claim (receive count, visibility) behind at all. The engine asks for it
/// when the receive count decides something (a redrive policy); otherwise a crash may only lower the
/// approximate receive count, and a clean shutdown writes the counts anyway.
/// </param>
public readonly record struct ClaimRequest(
    int MaxMessages,
    long Now,
    long VisibilityTimeoutMs,
    long RetentionMs,
    int MaxReceiveCount = 0,
    long DeadLetterQueueId = 0,
    long DeadLetterRetentionMs = 0,
    bool JournalClaims = true);

/// <summary>The outcome of deleting or changing the visibility of one received message.</summary>
public enum ReceiptOutcome
{
    /// <summary>Done.</summary>
    Ok,

    /// <summary>No such message in the queue any more (deleted, expired, moved); deleting it is a no-op.</summary>
    Gone,

    /// <summary>The message exists but the receipt is not its latest one.</summary>
    Stale,

    /// <summary>The message exists but is not in flight (its visibility timeout passed).</summary>
    NotInFlight,
}

/// <summary>Approximate message counts of a queue.</summary>
/// <param name="Visible">Available for retrieval.</param>
/// <param name="NotVisible">In flight: received, not deleted, visibility timeout not passed.</param>
/// <param name="Delayed">Sent with a delay that has not passed.</param>
public readonly record struct QueueCounts(long Visible, long NotVisible, long Delayed);

/// <summary>Identifies one received message: its sequence and the receive token of its receipt handle.</summary>
public readonly record struct Receipt(long Sequence, long Token);
