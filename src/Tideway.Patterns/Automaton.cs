using System.Text;

namespace Tideway.Patterns;

/// <summary>
/// Writer only: the conditions that test one value of one field: indexed ones (<see cref="Users"/>), those of its shared
/// group (<see cref="Passive"/>), and the group's condition (-1 until made; it goes with the group's last member).
/// </summary>
internal sealed class SharedTest
{
    public int Users;
    public int Passive;
    public int Group = -1;
    public int GroupClause = -1;
    public ValueTest? GroupTest;

    public int Total => Users + Passive;
}

/// <summary>One clause of a rule: all its conditions must hold (array-consistently).</summary>
internal sealed class ClauseInfo(int rule, int firstCondition, int conditionCount, bool hasAbsence)
{
    public int Rule { get; } = rule;

    public int FirstCondition { get; } = firstCondition;

    public int ConditionCount { get; } = conditionCount;

    /// <summary>Some condition holds when its field is absent, so the clause is checked after every event.</summary>
    public bool HasAbsence { get; } = hasAbsence;

    public volatile bool Dead;
}

/// <summary>
/// The compiled form of many patterns: a trie of the field paths they mention, each path with an
/// index of the tests on its leaf values, and the clause bookkeeping that turns test hits into rule
/// matches. Changed by one writer at a time (under <see cref="_writeLock"/>), read by any number of
/// matching threads without locks: every structure a reader can reach is either immutable or a
/// concurrent dictionary, and arrays only grow by being replaced.
/// </summary>
internal sealed class Automaton
{
    private readonly Lock _writeLock = new();
    private int _nextNodeId = 1;
    private int _conditionCount;
    private int _clauseCount;

    public Automaton()
    {
        Root = new PathNode(0, []);
    }

    public PathNode Root { get; }

    /// <summary>
    /// Condition id → its clause in one word, for the hot loop of matching: clause id (high 32 bits), the clause's
    /// condition count (bits 1–31) and whether it has an absence condition (bit 0). 0 for a slot not written.
    /// </summary>
    public volatile long[] ConditionShape = new long[64];

    /// <summary>Condition id → id of its path's node when the condition allows absence, else -1.</summary>
    public volatile int[] ConditionAbsenceNode = new int[64];

    /// <summary>
    /// Condition id → 1 + the id of the shared group's condition that is hit in its place, or 0 when the condition is
    /// hit itself. See <see cref="SharedGroups"/>.
    /// </summary>
    public volatile int[] ConditionAlias = new int[64];

    /// <summary>Set in a condition's shape when its clause has conditions of a shared group (they are checked at the end of the event).</summary>
    public const long PassiveBit = 1L << 31;

    /// <summary>The mask of a shape's count of conditions counted by hits (bits 1–30).</summary>
    public const uint CountMask = 0x3FFF_FFFF;

    /// <summary>Clauses that test the same value of the same field from which a further one joins the value's shared group.</summary>
    public const int ShareThreshold = 4;

    public volatile ClauseInfo?[] Clauses = new ClauseInfo?[64];

    /// <summary>Clauses with a condition that holds on absence; they are checked after every event.</summary>
    public volatile ClauseInfo[] AbsenceClauses = [];

    public int NodeCount => Volatile.Read(ref _nextNodeId);

    /// <summary>Per clause id, the conditions (for removal).</summary>
    private readonly Dictionary<int, Condition[]> _clauseConditions = [];

    /// <summary>Adds a parsed pattern for a rule index; returns the clause ids it created.</summary>
    public int[] Add(int rule, ParsedPattern pattern)
    {
        lock (_writeLock)
        {
            var clauseIds = new int[pattern.Clauses.Count];
            for (var c = 0; c < pattern.Clauses.Count; c++)
            {
                clauseIds[c] = AddClause(rule, pattern.Clauses[c]);
            }

            return clauseIds;
        }
    }

    private int AddClause(int rule, IReadOnlyList<Condition> conditions)
    {
        var count = conditions.Count;
        var nodes = new PathNode[count];
        var hasAbsence = false;
        for (var i = 0; i < count; i++)
        {
            nodes[i] = GetOrAddPath(conditions[i].Path);
            hasAbsence |= conditions[i].AllowsAbsence;
        }

        // Shared tests first: a group's condition takes its ids before the clause's block of conditions.
        var groups = SharedGroups(conditions, nodes, hasAbsence);
        var clauseId = _clauseCount;
        var first = _conditionCount;
        EnsureCapacity(first + count, clauseId + 1);
        var conditionShape = ConditionShape;
        var conditionAbsence = ConditionAbsenceNode;
        var conditionAlias = ConditionAlias;
        var passive = 0;
        for (var i = 0; i < count; i++)
        {
            passive += groups[i] >= 0 ? 1 : 0;
        }

        var shape = ((long)clauseId << 32) | ((long)(uint)(count - passive) << 1) | (passive > 0 ? PassiveBit : 0L) | (hasAbsence ? 1L : 0L);
        for (var i = 0; i < count; i++)
        {
            conditionShape[first + i] = shape;
            conditionAbsence[first + i] = conditions[i].AllowsAbsence ? nodes[i].Id : -1;
            conditionAlias[first + i] = groups[i] + 1;
        }

        var info = new ClauseInfo(rule, first, count, hasAbsence);
        Clauses[clauseId] = info;
        _conditionCount = first + count;
        _clauseCount = clauseId + 1;
        _clauseConditions[clauseId] = [.. conditions];

        // Publish the tests last: from here on, readers can hit the new conditions. A condition of a shared group
        // publishes nothing: its group's condition is hit for it.
        for (var i = 0; i < count; i++)
        {
            if (SharedKey(conditions[i]) is { } key)
            {
                var shared = Shared(nodes[i], key);
                if (groups[i] >= 0)
                {
                    shared.Passive++;
                    continue;
                }

                shared.Users++;
            }

            var values = nodes[i].Values ??= new ValueIndex();
            foreach (var test in conditions[i].Tests)
            {
                values.Add(test, first + i);
            }
        }

        if (hasAbsence || count == 0)
        {
            AbsenceClauses = [.. AbsenceClauses, info];
        }

        return clauseId;
    }

    /// <summary>
    /// Which conditions of a new clause join a shared group (the group's condition id per condition, or -1). When many
    /// clauses test the same value of the same field (500 rules on one <c>source</c>, each with a field of its own),
    /// counting each of them on every event that has the value was most of the matching time. Past
    /// <see cref="ShareThreshold"/> such clauses, a new clause's condition on that value is not indexed itself: one
    /// group condition is hit for all of them, and a clause whose other conditions are all hit checks its group
    /// conditions at the end of the event (<see cref="MatchContext"/>). Only a condition with one test that needs its
    /// field joins, only in a clause with no condition that holds on absence, and a clause keeps at least one condition
    /// of its own (the least shared), which is what brings it to the end-of-event check.
    /// </summary>
    private int[] SharedGroups(IReadOnlyList<Condition> conditions, PathNode[] nodes, bool hasAbsence)
    {
        var count = conditions.Count;
        var groups = new int[count];
        Array.Fill(groups, -1);
        if (hasAbsence || count < 2)
        {
            return groups;
        }

        var joining = new bool[count];
        var joined = 0;
        for (var i = 0; i < count; i++)
        {
            if (SharedKey(conditions[i]) is not { } key || (nodes[i].Shared?.GetValueOrDefault(key) is not { } shared)
                || (shared.Group < 0 && shared.Users < ShareThreshold))
            {
                continue;
            }

            var repeated = false;
            for (var j = 0; j < i; j++)
            {
                repeated |= nodes[j] == nodes[i] && SharedKey(conditions[j]) == key;
            }

            if (!repeated)
            {
                joining[i] = true;
                joined++;
            }
        }

        if (joined == count)
        {
            // Every condition is shared: the least shared stays the clause's own.
            var own = 0;
            for (var i = 1; i < count; i++)
            {
                if (Shared(nodes[i], SharedKey(conditions[i])!).Total < Shared(nodes[own], SharedKey(conditions[own])!).Total)
                {
                    own = i;
                }
            }

            joining[own] = false;
        }

        for (var i = 0; i < count; i++)
        {
            if (joining[i])
            {
                groups[i] = GroupOf(nodes[i], conditions[i].Tests[0]);
            }
        }

        return groups;
    }

    /// <summary>The shared group's condition of a test on a node, made on first use: indexed like a condition, in a clause that never completes.</summary>
    private int GroupOf(PathNode node, ValueTest test)
    {
        var shared = Shared(node, test.Key);
        if (shared.Group >= 0)
        {
            return shared.Group;
        }

        var condition = _conditionCount;
        var clause = _clauseCount;
        EnsureCapacity(condition + 1, clause + 1);
        // Counted like any condition of a two-condition clause, it never completes its clause of one.
        ConditionShape[condition] = ((long)clause << 32) | (2L << 1);
        ConditionAbsenceNode[condition] = -1;
        ConditionAlias[condition] = 0;
        Clauses[clause] = new ClauseInfo(-1, condition, 1, false) { Dead = true };
        _conditionCount = condition + 1;
        _clauseCount = clause + 1;
        (node.Values ??= new ValueIndex()).Add(test, condition);
        shared.Group = condition;
        shared.GroupClause = clause;
        shared.GroupTest = test;
        return condition;
    }

    private static string? SharedKey(Condition condition) =>
        condition.Tests.Count == 1 && !condition.AllowsAbsence ? condition.Tests[0].Key : null;

    private static SharedTest Shared(PathNode node, string key)
    {
        var table = node.Shared ??= new Dictionary<string, SharedTest>(StringComparer.Ordinal);
        if (!table.TryGetValue(key, out var shared))
        {
            shared = new SharedTest();
            table[key] = shared;
        }

        return shared;
    }

    public void Remove(IEnumerable<int> clauseIds)
    {
        lock (_writeLock)
        {
            foreach (var clauseId in clauseIds)
            {
                var info = Clauses[clauseId];
                if (info is null || info.Dead)
                {
                    continue;
                }

                info.Dead = true;
                var conditions = _clauseConditions[clauseId];
                _clauseConditions.Remove(clauseId);
                for (var i = 0; i < conditions.Length; i++)
                {
                    RemovePath(conditions[i], info.FirstCondition + i);
                }

                if (info.HasAbsence || info.ConditionCount == 0)
                {
                    AbsenceClauses = Array.FindAll(AbsenceClauses, c => c != info);
                }

                // Readers treat a missing clause like a dead one; the slot itself is not reused.
                Clauses[clauseId] = null;
            }
        }
    }

    private PathNode GetOrAddPath(string[] path)
    {
        var node = Root;
        node.UseCount++;
        foreach (var segment in path)
        {
            node = node.GetOrAdd(Encoding.UTF8.GetBytes(segment), key => new PathNode(_nextNodeId++, key));
            node.UseCount++;
        }

        return node;
    }

    private void RemovePath(Condition condition, int conditionId)
    {
        var chain = new PathNode[condition.Path.Length + 1];
        chain[0] = Root;
        for (var i = 0; i < condition.Path.Length; i++)
        {
            chain[i + 1] = chain[i].Find(Encoding.UTF8.GetBytes(condition.Path[i]))!;
        }

        var leaf = chain[^1];
        var passive = ConditionAlias[conditionId] != 0;
        if (!passive && leaf.Values is { } values)
        {
            foreach (var test in condition.Tests)
            {
                values.Remove(test, conditionId);
            }
        }

        if (SharedKey(condition) is { } key && leaf.Shared?.GetValueOrDefault(key) is { } shared)
        {
            if (passive)
            {
                shared.Passive--;
            }
            else
            {
                shared.Users--;
            }

            if (shared.Passive == 0 && shared.Group >= 0)
            {
                // The group's last member is gone: so is its condition (ids are not reused).
                leaf.Values?.Remove(shared.GroupTest!, shared.Group);
                Clauses[shared.GroupClause] = null;
                shared.Group = -1;
                shared.GroupClause = -1;
                shared.GroupTest = null;
            }

            if (shared.Total == 0)
            {
                leaf.Shared!.Remove(key);
            }
        }

        for (var i = chain.Length - 1; i >= 0; i--)
        {
            chain[i].UseCount--;
            if (i > 0 && chain[i].UseCount == 0)
            {
                chain[i - 1].Remove(chain[i]);
            }
        }

        if (leaf.Values is { IsEmpty: true })
        {
            leaf.Values = null;
        }
    }

    private void EnsureCapacity(int conditions, int clauses)
    {
        if (conditions > ConditionShape.Length)
        {
            var size = Math.Max(conditions, ConditionShape.Length * 2);
            var shapes = new long[size];
            var absence = new int[size];
            var alias = new int[size];
            ConditionShape.AsSpan().CopyTo(shapes);
            ConditionAbsenceNode.AsSpan().CopyTo(absence);
            ConditionAlias.AsSpan().CopyTo(alias);
            // The aliases and absence nodes before the shapes: a reader that sees the new shapes sees them too.
            ConditionAlias = alias;
            ConditionAbsenceNode = absence;
            ConditionShape = shapes;
        }

        if (clauses > Clauses.Length)
        {
            var copy = new ClauseInfo?[Math.Max(clauses, Clauses.Length * 2)];
            Clauses.AsSpan().CopyTo(copy);
            Clauses = copy;
        }
    }
}
