namespace Tideway.Storage;

/// <summary>
/// The storage contract every engine writes through. A provider (in-memory, SQLite, later PostgreSQL)
/// implements one store per engine; the engines never see SQL or a driver. Every method that changes
/// state completes only once the change is durable (for a durable provider), so an engine can
/// acknowledge a request as soon as the returned task completes.
/// </summary>
public interface ITidewayStore : IAsyncDisposable
{
    /// <summary>Queues and their messages (the SQS engine).</summary>
    IQueueStore Queues { get; }

    /// <summary>Log groups, streams and events (the CloudWatch Logs engine).</summary>
    ILogStore Logs { get; }

    /// <summary>Event buses, rules, accepted events and pending deliveries (the bus engine).</summary>
    IBusStore Bus { get; }

    /// <summary>Functions and their code packages (the function runtime).</summary>
    IFunctionStore Functions { get; }

    /// <summary>A short description for the start banner, e.g. <c>sqlite /data/tideway.db (WAL)</c>.</summary>
    string Description { get; }
}
