using Microsoft.Data.Sqlite;
using Tideway.Storage.Memory;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// The SQLite function store: the working set (definitions and code packages) lives in the in-memory store it
/// derives from; each change is appended, in order, to the group-commit writer. At open the tables are read back.
/// </summary>
internal sealed class SqliteFunctionStore : MemoryFunctionStore
{
    private readonly GroupCommitWriter _writer;

    private SqliteFunctionStore(GroupCommitWriter writer)
    {
        _writer = writer;
    }

    public static SqliteFunctionStore Open(SqliteConnection connection, GroupCommitWriter writer)
    {
        var store = new SqliteFunctionStore(writer);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT account, region, name, document FROM functions";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                store.Restore(new FunctionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT sha256, package FROM function_code";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                store.Restore(reader.GetString(0), (byte[])reader.GetValue(1));
            }
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, account, region, function, request_id, payload, queued_at, attempts, due_at FROM function_invocations ORDER BY id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                store.Restore(new AsyncInvocation(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    (byte[])reader.GetValue(5), reader.GetInt64(6), reader.GetInt32(7), reader.GetInt64(8)));
            }
        }
        using (var command = connection.CreateCommand())
        {
            // Ids are never reused, even those of invocations already forgotten.
            command.CommandText = "SELECT seq FROM sqlite_sequence WHERE name = 'function_invocations'";
            if (command.ExecuteScalar() is long seq)
            {
                store.RestoreNextInvocation(seq + 1);
            }
        }
        return store;
    }

    private protected override Task Persist(Change change) => _writer.Append(new Write(change));

    private sealed class Write(Change change) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            switch (change)
            {
                case FunctionSaved(var function):
                    context.Execute("INSERT OR REPLACE INTO functions (account, region, name, document) VALUES ($p0, $p1, $p2, $p3)",
                        function.Account, function.Region, function.Name, function.Document);
                    break;
                case FunctionDeleted(var account, var region, var name):
                    context.Execute("DELETE FROM functions WHERE account = $p0 AND region = $p1 AND name = $p2", account, region, name);
                    break;
                case CodeSaved(var sha256, var package):
                    context.Execute("INSERT OR IGNORE INTO function_code (sha256, package) VALUES ($p0, $p1)", sha256, package);
                    break;
                case CodeDeleted(var sha256):
                    context.Execute("DELETE FROM function_code WHERE sha256 = $p0", sha256);
                    break;
                case InvocationSaved(var i):
                    context.Execute("""
                        INSERT OR REPLACE INTO function_invocations (id, account, region, function, request_id, payload, queued_at, attempts, due_at)
                        VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8)
                        """, i.Id, i.Account, i.Region, i.Function, i.RequestId, i.Payload.ToArray(), i.QueuedAt, i.Attempts, i.DueAt);
                    break;
                case InvocationForgotten(var id):
                    context.Execute("DELETE FROM function_invocations WHERE id = $p0", id);
                    break;
                default:
                    throw new InvalidOperationException("Unknown function store change " + change.GetType().Name);
            }
        }
    }
}
