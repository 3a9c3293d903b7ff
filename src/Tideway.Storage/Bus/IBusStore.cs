namespace Tideway.Storage;

/// <summary>
/// An event bus as stored: its identity and the engine's own serialized definition (description, policy,
/// tags, ...). The store keeps the document opaque so that the engine owns the meaning.
/// </summary>
/// <param name="Account">The owning account.</param>
/// <param name="Region">The region.</param>
/// <param name="Name">The bus name.</param>
/// <param name="Document">The engine's definition of the bus.</param>
public sealed record EventBusRecord(string Account, string Region, string Name, string Document);

/// <summary>A rule as stored: its identity and the engine's serialized definition (pattern, state, targets, tags, ...).</summary>
/// <param name="Account">The owning account.</param>
/// <param name="Region">The region.</param>
/// <param name="Bus">The name of the rule's bus.</param>
/// <param name="Name">The rule name.</param>
/// <param name="Document">The engine's definition of the rule.</param>
public sealed record EventRuleRecord(string Account, string Region, string Bus, string Name, string Document);

/// <summary>
/// Events accepted by one ingest (a PutEvents call, or one forwarding to another bus), stored as one record
/// until every delivery it caused is settled.
/// </summary>
/// <param name="Id">The store-assigned id (ascending in ingest order).</param>
/// <param name="Account">The account of the bus.</param>
/// <param name="Region">The region of the bus.</param>
/// <param name="Bus">The bus name.</param>
/// <param name="Events">The engine's encoding of the events.</param>
public sealed record EventBatch(long Id, string Account, string Region, string Bus, ReadOnlyMemory<byte> Events);

/// <summary>A delivery of one event to one target that failed and waits for its next attempt.</summary>
/// <param name="Id">The store-assigned id (0 for a delivery not saved yet).</param>
/// <param name="Account">The account of the rule.</param>
/// <param name="Region">The region of the rule.</param>
/// <param name="Bus">The rule's bus.</param>
/// <param name="Rule">The rule name.</param>
/// <param name="TargetId">The target's Id within the rule.</param>
/// <param name="Event">The event (envelope JSON, UTF-8).</param>
/// <param name="IngestedAt">When the event was ingested, Unix milliseconds.</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="DueAt">When the next attempt is due, Unix milliseconds.</param>
/// <param name="LastErrorCode">The error code of the last attempt.</param>
/// <param name="LastErrorMessage">The error message of the last attempt.</param>
public sealed record PendingDelivery(
    long Id,
    string Account,
    string Region,
    string Bus,
    string Rule,
    string TargetId,
    ReadOnlyMemory<byte> Event,
    long IngestedAt,
    int Attempts,
    long DueAt,
    string? LastErrorCode,
    string? LastErrorMessage);

/// <summary>
/// Event buses, rules, accepted events and pending deliveries (the bus engine). Definitions are small and
/// read once at open; events are kept only until routed and delivered. Methods returning a task complete
/// once the change is durable; the <c>Forget</c> methods are written behind (after a crash the work they
/// finish is done again, which at-least-once delivery allows).
/// </summary>
public interface IBusStore
{
    /// <summary>Every bus of every account and region.</summary>
    IReadOnlyList<EventBusRecord> Buses();

    /// <summary>Every rule of every bus.</summary>
    IReadOnlyList<EventRuleRecord> Rules();

    /// <summary>Creates or replaces a bus.</summary>
    ValueTask SaveBusAsync(EventBusRecord bus);

    /// <summary>Deletes a bus and its rules.</summary>
    ValueTask DeleteBusAsync(string account, string region, string name);

    /// <summary>Creates or replaces a rule.</summary>
    ValueTask SaveRuleAsync(EventRuleRecord rule);

    /// <summary>Deletes a rule.</summary>
    ValueTask DeleteRuleAsync(string account, string region, string bus, string name);

    /// <summary>Stores accepted events durably; returns the batch id.</summary>
    ValueTask<long> AppendBatchAsync(string account, string region, string bus, ReadOnlyMemory<byte> events);

    /// <summary>Forgets a batch whose deliveries are all settled (written behind).</summary>
    void ForgetBatch(long id);

    /// <summary>The batches not forgotten, in ingest order (at open: the events to route again).</summary>
    IReadOnlyList<EventBatch> PendingBatches();

    /// <summary>Saves a delivery waiting for a retry (a new one when its id is 0); returns it with its id.</summary>
    ValueTask<PendingDelivery> SaveDeliveryAsync(PendingDelivery delivery);

    /// <summary>Forgets a delivery that succeeded, was dead-lettered or dropped (written behind).</summary>
    void ForgetDelivery(long id);

    /// <summary>Every saved delivery, oldest first.</summary>
    IReadOnlyList<PendingDelivery> PendingDeliveries();
}
