using Shouldly;
using Tideway.Storage.Memory;
using Tideway.Storage.Sqlite;

namespace Tideway.Storage.ContractTests;

/// <summary>The bus half of the storage contract: definitions, event batches until settled, deliveries waiting for a retry.</summary>
public abstract class BusStoreContract : IAsyncLifetime
{
    protected ITidewayStore Store { get; set; } = null!;

    protected IBusStore Bus => Store.Bus;

    protected abstract ValueTask<ITidewayStore> OpenAsync();

    public async ValueTask InitializeAsync() => Store = await OpenAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected static PendingDelivery Delivery(string target, long due) =>
        new(0, "000000000000", "us-east-1", "orders", "r1", target, new byte[] { 1, 2, 3 }, 1_000, 1, due, "NO_RESOURCE", "gone");

    [Fact]
    public async Task buses_and_rules_are_saved_replaced_and_deleted_with_their_bus()
    {
        await Bus.SaveBusAsync(new EventBusRecord("000000000000", "us-east-1", "orders", "{\"v\":1}"));
        await Bus.SaveBusAsync(new EventBusRecord("000000000000", "us-east-1", "orders", "{\"v\":2}"));
        await Bus.SaveBusAsync(new EventBusRecord("000000000000", "us-east-1", "other", "{}"));
        await Bus.SaveRuleAsync(new EventRuleRecord("000000000000", "us-east-1", "orders", "r1", "{}"));
        await Bus.SaveRuleAsync(new EventRuleRecord("000000000000", "us-east-1", "other", "r1", "{}"));

        Bus.Buses().Single(b => b.Name == "orders").Document.ShouldBe("{\"v\":2}");
        Bus.Rules().Count.ShouldBe(2);

        await Bus.DeleteBusAsync("000000000000", "us-east-1", "orders");

        Bus.Buses().Select(b => b.Name).ShouldBe(["other"]);
        Bus.Rules().Single().Bus.ShouldBe("other");
        await Bus.DeleteRuleAsync("000000000000", "us-east-1", "other", "r1");
        Bus.Rules().ShouldBeEmpty();
    }

    [Fact]
    public async Task batches_are_pending_in_ingest_order_until_forgotten()
    {
        var first = await Bus.AppendBatchAsync("000000000000", "us-east-1", "orders", new byte[] { 1 });
        var second = await Bus.AppendBatchAsync("000000000000", "us-east-1", "orders", new byte[] { 2 });
        second.ShouldBeGreaterThan(first);
        Bus.PendingBatches().Select(b => b.Events.ToArray()[0]).ShouldBe([(byte)1, (byte)2]);

        Bus.ForgetBatch(first);

        var pending = Bus.PendingBatches().ShouldHaveSingleItem();
        pending.Id.ShouldBe(second);
        pending.Bus.ShouldBe("orders");
    }

    [Fact]
    public async Task a_saved_delivery_gets_an_id_and_is_updated_in_place()
    {
        var saved = await Bus.SaveDeliveryAsync(Delivery("t1", 5_000));
        saved.Id.ShouldBeGreaterThan(0);
        await Bus.SaveDeliveryAsync(saved with { Attempts = 2, DueAt = 9_000 });

        var pending = Bus.PendingDeliveries().ShouldHaveSingleItem();
        pending.Attempts.ShouldBe(2);
        pending.DueAt.ShouldBe(9_000);
        pending.Event.ToArray().ShouldBe(new byte[] { 1, 2, 3 });

        Bus.ForgetDelivery(saved.Id);
        Bus.PendingDeliveries().ShouldBeEmpty();
    }
}

public sealed class MemoryBusStoreContract : BusStoreContract
{
    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(new MemoryStore());
}

/// <summary>The contract against SQLite, plus what only a durable provider promises: a reopen restores what was acknowledged.</summary>
public sealed class SqliteBusStoreContract : BusStoreContract
{
    private readonly TemporaryDirectory _directory = new();

    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(SqliteStore.Open(_directory.Path, 0));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task reopening_restores_definitions_unsettled_batches_and_pending_deliveries_and_never_reuses_ids()
    {
        await Bus.SaveBusAsync(new EventBusRecord("000000000000", "us-east-1", "orders", "{}"));
        await Bus.SaveRuleAsync(new EventRuleRecord("000000000000", "us-east-1", "orders", "r1", "{\"State\":\"ENABLED\"}"));
        var settled = await Bus.AppendBatchAsync("000000000000", "us-east-1", "orders", new byte[] { 1 });
        var unsettled = await Bus.AppendBatchAsync("000000000000", "us-east-1", "orders", new byte[] { 2 });
        Bus.ForgetBatch(settled);
        var delivery = await Bus.SaveDeliveryAsync(Delivery("t1", 5_000));

        await Store.DisposeAsync();
        Store = SqliteStore.Open(_directory.Path, 0);

        Bus.Buses().ShouldHaveSingleItem().Name.ShouldBe("orders");
        Bus.Rules().ShouldHaveSingleItem().Document.ShouldBe("{\"State\":\"ENABLED\"}");
        Bus.PendingBatches().ShouldHaveSingleItem().Id.ShouldBe(unsettled);
        Bus.PendingDeliveries().ShouldHaveSingleItem().Id.ShouldBe(delivery.Id);
        (await Bus.AppendBatchAsync("000000000000", "us-east-1", "orders", new byte[] { 3 })).ShouldBeGreaterThan(unsettled);
        (await Bus.SaveDeliveryAsync(Delivery("t2", 6_000))).Id.ShouldBeGreaterThan(delivery.Id);
    }
}
