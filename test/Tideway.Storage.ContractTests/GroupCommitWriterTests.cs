using Microsoft.Data.Sqlite;
using Shouldly;
using Tideway.Storage.Sqlite;

namespace Tideway.Storage.ContractTests;

/// <summary>The writer fails closed: a change that cannot be applied fails its request and every later one, never hangs them.</summary>
public sealed class GroupCommitWriterTests
{
    private sealed class Throwing(Exception exception) : WriteOp
    {
        public override void Execute(WriteContext context) => throw exception;
    }

    /// <summary>A change that changes nothing: appended after others, its commit means theirs are committed too.</summary>
    internal sealed class Nothing : WriteOp
    {
        public override void Execute(WriteContext context) { }
    }

    [Theory]
    [InlineData(typeof(SqliteException))]
    [InlineData(typeof(FormatException))]
    public async Task a_failed_commit_fails_the_pending_and_every_later_change(Type failure)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var writer = new GroupCommitWriter(connection);
        await writer.Append(new Nothing());
        var exception = failure == typeof(SqliteException) ? new SqliteException("disk full", 13) : (Exception)new FormatException("a bug of ours");
        var failed = writer.Append(new Throwing(exception));
        (await Should.ThrowAsync<StoreClosedException>(failed.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)))
            .InnerException.ShouldBeSameAs(exception);
        await Should.ThrowAsync<StoreClosedException>(writer.Append(new Nothing()));
        await Should.ThrowAsync<StoreClosedException>(writer.Pending);
    }
}
