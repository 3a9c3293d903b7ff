namespace Tideway.Storage.Memory;

/// <summary>
/// The bus store in memory. The SQLite provider derives from it: the working set stays here and each change
/// is also handed to <see cref="Persist"/> (under the store's lock, so that the durable order is the change order).
/// </summary>
public class MemoryBusStore : IBusStore
{
    private readonly object _gate = new();
    private readonly Dictionary<(string, string, string), EventBusRecord> _buses = [];
    private readonly Dictionary<(string, string, string, string), EventRuleRecord> _rules = [];
    private readonly SortedDictionary<long, EventBatch> _batches = [];
    private readonly SortedDictionary<long, PendingDelivery> _deliveries = [];
    private long _nextBatch = 1;
    private long _nextDelivery = 1;

    /// <summary>A change for a durable provider to write, in order.</summary>
    private protected abstract record Change;

    private protected sealed record BusSaved(EventBusRecord Bus) : Change;

    private protected sealed record BusDeleted(string Account, string Region, string Name) : Change;

    private protected sealed record RuleSaved(EventRuleRecord Rule) : Change;

    private protected sealed record RuleDeleted(string Account, string Region, string Bus, string Name) : Change;

    private protected sealed record BatchAppended(EventBatch Batch) : Change;

    private protected sealed record BatchForgotten(long Id) : Change;

    private protected sealed record DeliverySaved(PendingDelivery Delivery) : Change;

    private protected sealed record DeliveryForgotten(long Id) : Change;

    /// <summary>Writes a change durably; the task completes once it is. The memory store has nothing to write.</summary>
    private protected virtual Task Persist(Change change) => Task.CompletedTask;

    private protected void Restore(EventBusRecord bus) => _buses[(bus.Account, bus.Region, bus.Name)] = bus;

    private protected void Restore(EventRuleRecord rule) => _rules[(rule.Account, rule.Region, rule.Bus, rule.Name)] = rule;

    private protected void Restore(EventBatch batch)
    {
        _batches[batch.Id] = batch;
        _nextBatch = Math.Max(_nextBatch, batch.Id + 1);
    }

    private protected void Restore(PendingDelivery delivery)
    {
        _deliveries[delivery.Id] = delivery;
        _nextDelivery = Math.Max(_nextDelivery, delivery.Id + 1);
    }

    private protected void RestoreCounters(long nextBatch, long nextDelivery)
    {
        _nextBatch = Math.Max(_nextBatch, nextBatch);
        _nextDelivery = Math.Max(_nextDelivery, nextDelivery);
    }

    /// <inheritdoc />
    public IReadOnlyList<EventBusRecord> Buses()
    {
        lock (_gate)
        {
            return [.. _buses.Values];
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<EventRuleRecord> Rules()
    {
        lock (_gate)
        {
            return [.. _rules.Values];
        }
    }

    /// <inheritdoc />
    public async ValueTask SaveBusAsync(EventBusRecord bus)
    {
        Task commit;
        lock (_gate)
        {
            _buses[(bus.Account, bus.Region, bus.Name)] = bus;
            commit = Persist(new BusSaved(bus));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeleteBusAsync(string account, string region, string name)
    {
        Task commit;
        lock (_gate)
        {
            _buses.Remove((account, region, name));
            foreach (var key in _rules.Keys.Where(k => k.Item1 == account && k.Item2 == region && k.Item3 == name).ToList())
            {
                _rules.Remove(key);
            }
            commit = Persist(new BusDeleted(account, region, name));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask SaveRuleAsync(EventRuleRecord rule)
    {
        Task commit;
        lock (_gate)
        {
            _rules[(rule.Account, rule.Region, rule.Bus, rule.Name)] = rule;
            commit = Persist(new RuleSaved(rule));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeleteRuleAsync(string account, string region, string bus, string name)
    {
        Task commit;
        lock (_gate)
        {
            _rules.Remove((account, region, bus, name));
            commit = Persist(new RuleDeleted(account, region, bus, name));
        }
        await commit.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long> AppendBatchAsync(string account, string region, string bus, ReadOnlyMemory<byte> events)
    {
        Task commit;
        long id;
        lock (_gate)
        {
            id = _nextBatch++;
            var batch = new EventBatch(id, account, region, bus, events);
            _batches[id] = batch;
            commit = Persist(new BatchAppended(batch));
        }
        await commit.ConfigureAwait(false);
        return id;
    }

    /// <inheritdoc />
    public void ForgetBatch(long id)
    {
        lock (_gate)
        {
            if (_batches.Remove(id))
            {
                _ = Persist(new BatchForgotten(id));
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<EventBatch> PendingBatches()
    {
        lock (_gate)
        {
            return [.. _batches.Values];
        }
    }

    /// <inheritdoc />
    public async ValueTask<PendingDelivery> SaveDeliveryAsync(PendingDelivery delivery)
    {
        Task commit;
        lock (_gate)
        {
            if (delivery.Id == 0)
            {
                delivery = delivery with { Id = _nextDelivery++ };
            }
            _deliveries[delivery.Id] = delivery;
            commit = Persist(new DeliverySaved(delivery));
        }
        await commit.ConfigureAwait(false);
        return delivery;
    }

    /// <inheritdoc />
    public void ForgetDelivery(long id)
    {
        lock (_gate)
        {
            if (_deliveries.Remove(id))
            {
                _ = Persist(new DeliveryForgotten(id));
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<PendingDelivery> PendingDeliveries()
    {
        lock (_gate)
        {
            return [.. _deliveries.Values];
        }
    }
}
