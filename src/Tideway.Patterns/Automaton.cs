using System.Text;

namespace Tideway.Patterns;

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
        var clauseId = _clauseCount;
        var first = _conditionCount;
        var count = conditions.Count;
        var nodes = new PathNode[count];
        var hasAbsence = false;
        for (var i = 0; i < count; i++)
        {
            nodes[i] = GetOrAddPath(conditions[i].Path);
            hasAbsence |= conditions[i].AllowsAbsence;
        }

        EnsureCapacity(first + count, clauseId + 1);
        var conditionShape = ConditionShape;
        var conditionAbsence = ConditionAbsenceNode;
        var shape = ((long)clauseId << 32) | ((long)(uint)count << 1) | (hasAbsence ? 1L : 0L);
        for (var i = 0; i < count; i++)
        {
            conditionShape[first + i] = shape;
            conditionAbsence[first + i] = conditions[i].AllowsAbsence ? nodes[i].Id : -1;
        }

        var info = new ClauseInfo(rule, first, count, hasAbsence);
        Clauses[clauseId] = info;
        _conditionCount = first + count;
        _clauseCount = clauseId + 1;
        _clauseConditions[clauseId] = [.. conditions];

        // Publish the tests last: from here on, readers can hit the new conditions.
        for (var i = 0; i < count; i++)
        {
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
        if (leaf.Values is { } values)
        {
            foreach (var test in condition.Tests)
            {
                values.Remove(test, conditionId);
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
            ConditionShape.AsSpan().CopyTo(shapes);
            ConditionAbsenceNode.AsSpan().CopyTo(absence);
            ConditionShape = shapes;
            ConditionAbsenceNode = absence;
        }

        if (clauses > Clauses.Length)
        {
            var copy = new ClauseInfo?[Math.Max(clauses, Clauses.Length * 2)];
            Clauses.AsSpan().CopyTo(copy);
            Clauses = copy;
        }
    }
}
