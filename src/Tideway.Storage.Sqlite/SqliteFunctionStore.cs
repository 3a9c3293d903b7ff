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
                default:
                    throw new InvalidOperationException("Unknown function store change " + change.GetType().Name);
            }
        }
    }
}
