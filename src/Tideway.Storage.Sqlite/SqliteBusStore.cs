using Microsoft.Data.Sqlite;
using Tideway.Storage.Memory;

namespace Tideway.Storage.Sqlite;

/// <summary>
/// The SQLite bus store: the working set lives in the in-memory store it derives from; each change is
/// appended, in order, to the group-commit writer. At open the tables are read back.
/// </summary>
internal sealed class SqliteBusStore : MemoryBusStore
{
    private readonly GroupCommitWriter _writer;

    private SqliteBusStore(GroupCommitWriter writer)
    {
        _writer = writer;
    }

    public static SqliteBusStore Open(SqliteConnection connection, GroupCommitWriter writer)
    {
        var store = new SqliteBusStore(writer);
        store.Load(connection);
        return store;
    }

    private void Load(SqliteConnection connection)
    {
        foreach (var row in Rows(connection, "SELECT account, region, name, document FROM event_buses"))
        {
            Restore(new EventBusRecord(row.GetString(0), row.GetString(1), row.GetString(2), row.GetString(3)));
        }
        foreach (var row in Rows(connection, "SELECT account, region, bus, name, document FROM event_rules"))
        {
            Restore(new EventRuleRecord(row.GetString(0), row.GetString(1), row.GetString(2), row.GetString(3), row.GetString(4)));
        }
        foreach (var row in Rows(connection, "SELECT id, account, region, bus, events FROM event_batches ORDER BY id"))
        {
            Restore(new EventBatch(row.GetInt64(0), row.GetString(1), row.GetString(2), row.GetString(3), (byte[])row.GetValue(4)));
        }
        foreach (var row in Rows(connection, """
            SELECT id, account, region, bus, rule, target_id, event, ingested_at, attempts, due_at, error_code, error_message
            FROM event_deliveries ORDER BY id
            """))
        {
            Restore(new PendingDelivery(row.GetInt64(0), row.GetString(1), row.GetString(2), row.GetString(3), row.GetString(4), row.GetString(5),
                (byte[])row.GetValue(6), row.GetInt64(7), row.GetInt32(8), row.GetInt64(9),
                row.IsDBNull(10) ? null : row.GetString(10), row.IsDBNull(11) ? null : row.GetString(11)));
        }
        // Ids are never reused, even those of batches and deliveries already forgotten.
        long nextBatch = 1, nextDelivery = 1;
        foreach (var row in Rows(connection, "SELECT name, seq FROM sqlite_sequence WHERE name IN ('event_batches', 'event_deliveries')"))
        {
            if (row.GetString(0) == "event_batches")
            {
                nextBatch = row.GetInt64(1) + 1;
            }
            else
            {
                nextDelivery = row.GetInt64(1) + 1;
            }
        }
        RestoreCounters(nextBatch, nextDelivery);
    }

    private static IEnumerable<SqliteDataReader> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return reader;
        }
    }

    private protected override Task Persist(Change change) => _writer.Append(new Write(change));

    private sealed class Write(Change change) : WriteOp
    {
        public override void Execute(WriteContext context)
        {
            switch (change)
            {
                case BusSaved(var bus):
                    context.Execute("INSERT OR REPLACE INTO event_buses (account, region, name, document) VALUES ($p0, $p1, $p2, $p3)",
                        bus.Account, bus.Region, bus.Name, bus.Document);
                    break;
                case BusDeleted(var account, var region, var name):
                    context.Execute("DELETE FROM event_rules WHERE account = $p0 AND region = $p1 AND bus = $p2", account, region, name);
                    context.Execute("DELETE FROM event_buses WHERE account = $p0 AND region = $p1 AND name = $p2", account, region, name);
                    break;
                case RuleSaved(var rule):
                    context.Execute("INSERT OR REPLACE INTO event_rules (account, region, bus, name, document) VALUES ($p0, $p1, $p2, $p3, $p4)",
                        rule.Account, rule.Region, rule.Bus, rule.Name, rule.Document);
                    break;
                case RuleDeleted(var account, var region, var bus, var name):
                    context.Execute("DELETE FROM event_rules WHERE account = $p0 AND region = $p1 AND bus = $p2 AND name = $p3", account, region, bus, name);
                    break;
                case BatchAppended(var batch):
                    {
                        var statement = context.Statement("INSERT INTO event_batches (id, account, region, bus, events) VALUES (?1, ?2, ?3, ?4, ?5)");
                        WriteContext.Bind(statement, 1, batch.Id);
                        WriteContext.Bind(statement, 2, batch.Account);
                        WriteContext.Bind(statement, 3, batch.Region);
                        WriteContext.Bind(statement, 4, batch.Bus);
                        SQLitePCL.raw.sqlite3_bind_blob(statement, 5, batch.Events.Span);
                        context.Run(statement);
                        break;
                    }
                case BatchForgotten(var id):
                    {
                        var statement = context.Statement("DELETE FROM event_batches WHERE id = ?1");
                        WriteContext.Bind(statement, 1, id);
                        context.Run(statement);
                        break;
                    }
                case DeliverySaved(var d):
                    context.Execute("""
                        INSERT OR REPLACE INTO event_deliveries (id, account, region, bus, rule, target_id, event, ingested_at, attempts, due_at, error_code, error_message)
                        VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11)
                        """,
                        d.Id, d.Account, d.Region, d.Bus, d.Rule, d.TargetId, d.Event.ToArray(), d.IngestedAt, d.Attempts, d.DueAt, d.LastErrorCode, d.LastErrorMessage);
                    break;
                case DeliveryForgotten(var id):
                    context.Execute("DELETE FROM event_deliveries WHERE id = $p0", id);
                    break;
                default:
                    throw new InvalidOperationException("Unknown bus store change " + change.GetType().Name);
            }
        }
    }
}
