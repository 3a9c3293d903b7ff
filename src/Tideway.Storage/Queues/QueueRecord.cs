namespace Tideway.Storage;

/// <summary>
/// A queue as stored: its identity, its attributes as the AWS attribute names and string values the
/// engine validated, and its tags. Immutable; an update stores a new record with the same id.
/// </summary>
/// <param name="Id">The store-assigned id, unique for the life of the data directory.</param>
/// <param name="Account">The owning account (12 digits).</param>
/// <param name="Region">The region of the queue.</param>
/// <param name="Name">The queue name (ends in <c>.fifo</c> for FIFO queues).</param>
/// <param name="Attributes">Settable attributes (VisibilityTimeout, RedrivePolicy, ...) by AWS name.</param>
/// <param name="Tags">Queue tags.</param>
/// <param name="CreatedAt">Creation time, Unix milliseconds.</param>
/// <param name="ModifiedAt">Last attribute change, Unix milliseconds.</param>
public sealed record QueueRecord(
    long Id,
    string Account,
    string Region,
    string Name,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Tags,
    long CreatedAt,
    long ModifiedAt)
{
    /// <summary>True when the queue is a FIFO queue.</summary>
    public bool IsFifo => Name.EndsWith(".fifo", StringComparison.Ordinal);
}
