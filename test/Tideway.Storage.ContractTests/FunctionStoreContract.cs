using Shouldly;
using Tideway.Storage.Memory;
using Tideway.Storage.Sqlite;

namespace Tideway.Storage.ContractTests;

/// <summary>The function half of the storage contract: definitions, and code packages stored once per hash.</summary>
public abstract class FunctionStoreContract : IAsyncLifetime
{
    protected ITidewayStore Store { get; set; } = null!;

    protected IFunctionStore Functions => Store.Functions;

    protected abstract ValueTask<ITidewayStore> OpenAsync();

    public async ValueTask InitializeAsync() => Store = await OpenAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task functions_are_saved_replaced_and_deleted_per_account_and_region()
    {
        await Functions.SaveFunctionAsync(new FunctionRecord("000000000000", "us-east-1", "f1", "{\"v\":1}"));
        await Functions.SaveFunctionAsync(new FunctionRecord("000000000000", "us-east-1", "f1", "{\"v\":2}"));
        await Functions.SaveFunctionAsync(new FunctionRecord("000000000000", "eu-west-1", "f1", "{}"));

        Functions.Functions().Count.ShouldBe(2);
        Functions.Functions().Single(f => f.Region == "us-east-1").Document.ShouldBe("{\"v\":2}");

        await Functions.DeleteFunctionAsync("000000000000", "us-east-1", "f1");

        Functions.Functions().ShouldHaveSingleItem().Region.ShouldBe("eu-west-1");
    }

    [Fact]
    public async Task code_is_kept_once_per_hash_until_deleted()
    {
        await Functions.SaveCodeAsync("abc", new byte[] { 1, 2, 3 });
        await Functions.SaveCodeAsync("abc", new byte[] { 1, 2, 3 });

        Functions.ReadCode("abc").ShouldBe(new byte[] { 1, 2, 3 });
        Functions.ReadCode("missing").ShouldBeNull();

        await Functions.DeleteCodeAsync("abc");
        await Functions.DeleteCodeAsync("abc");

        Functions.ReadCode("abc").ShouldBeNull();
    }

    protected static AsyncInvocation Invocation(string requestId) =>
        new(0, "000000000000", "us-east-1", "f1", requestId, new byte[] { 123, 125 }, 1_000, 0, 1_000);

    [Fact]
    public async Task asynchronous_invocations_are_pending_in_order_until_forgotten()
    {
        var first = await Functions.EnqueueInvocationAsync(Invocation("a"));
        var second = await Functions.EnqueueInvocationAsync(Invocation("b"));
        second.Id.ShouldBeGreaterThan(first.Id);

        Functions.UpdateInvocation(first with { Attempts = 1, DueAt = 61_000 });
        Functions.ForgetInvocation(second.Id);

        var pending = Functions.PendingInvocations().ShouldHaveSingleItem();
        pending.RequestId.ShouldBe("a");
        pending.Attempts.ShouldBe(1);
        pending.DueAt.ShouldBe(61_000);
        pending.Payload.ToArray().ShouldBe(new byte[] { 123, 125 });
    }
}

public sealed class MemoryFunctionStoreContract : FunctionStoreContract
{
    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(new MemoryStore());
}

/// <summary>The contract against SQLite, plus a reopen restoring what was acknowledged.</summary>
public sealed class SqliteFunctionStoreContract : FunctionStoreContract
{
    private readonly TemporaryDirectory _directory = new();

    protected override ValueTask<ITidewayStore> OpenAsync() => ValueTask.FromResult<ITidewayStore>(SqliteStore.Open(_directory.Path, 0));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task reopening_restores_functions_and_code()
    {
        await Functions.SaveFunctionAsync(new FunctionRecord("000000000000", "us-east-1", "f1", "{\"Runtime\":\"provided.al2023\"}"));
        await Functions.SaveCodeAsync("abc", new byte[] { 9, 8 });
        await Functions.SaveCodeAsync("gone", new byte[] { 7 });
        await Functions.DeleteCodeAsync("gone");

        await Store.DisposeAsync();
        Store = SqliteStore.Open(_directory.Path, 0);

        Functions.Functions().ShouldHaveSingleItem().Document.ShouldBe("{\"Runtime\":\"provided.al2023\"}");
        Functions.ReadCode("abc").ShouldBe(new byte[] { 9, 8 });
        Functions.ReadCode("gone").ShouldBeNull();
    }

    [Fact]
    public async Task reopening_restores_unfinished_invocations_and_never_reuses_their_ids()
    {
        var kept = await Functions.EnqueueInvocationAsync(Invocation("kept"));
        var done = await Functions.EnqueueInvocationAsync(Invocation("done"));
        Functions.UpdateInvocation(kept with { Attempts = 2 });
        Functions.ForgetInvocation(done.Id);

        await Store.DisposeAsync();
        Store = SqliteStore.Open(_directory.Path, 0);

        var pending = Functions.PendingInvocations().ShouldHaveSingleItem();
        pending.RequestId.ShouldBe("kept");
        pending.Attempts.ShouldBe(2);
        (await Functions.EnqueueInvocationAsync(Invocation("next"))).Id.ShouldBeGreaterThan(done.Id);
    }
}
