namespace Tideway.Patterns;

/// <summary>
/// Decides whether a rule's wildcard patterns would make the matching automaton explode, the way
/// EventBridge does: for each field, the wildcard patterns on it run as one NFA over the quoted
/// value's bytes, and the measure is the largest number of pattern positions that some input keeps
/// live at once (summed over the field's patterns). A rule is too complex when that exceeds
/// <see cref="MaxComplexity"/>. The model reproduces event-ruler's MachineComplexityEvaluator test
/// expectations; the threshold is inferred from what EventBridge accepts and rejects.
/// </summary>
internal static class WildcardComplexity
{
    public const int MaxComplexity = 10;

    private const int StarToken = -1;
    private const int OtherByte = -2;
    private const int MaxExplored = 50_000;

    /// <summary>Whether the wildcard patterns of one field, together, are too complex.</summary>
    public static bool IsTooComplex(IReadOnlyCollection<WildcardPattern> patterns)
    {
        if (patterns.Count == 0)
        {
            return false;
        }

        var tokens = patterns.Select(Tokens).ToArray();
        var alphabet = tokens.SelectMany(t => t).Where(t => t != StarToken).Distinct().Append(OtherByte).ToArray();
        var start = tokens.Select(t => Closure(t, [0])).ToArray();
        var seen = new HashSet<string> { Key(start) };
        var queue = new Queue<SortedSet<int>[]>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var c in alphabet)
            {
                var next = new SortedSet<int>[tokens.Length];
                var size = 0;
                for (var p = 0; p < tokens.Length; p++)
                {
                    next[p] = Step(tokens[p], current[p], c);
                    size += next[p].Count;
                }

                if (size > MaxComplexity)
                {
                    return true;
                }

                if (size > 0 && seen.Add(Key(next)))
                {
                    if (seen.Count > MaxExplored)
                    {
                        return true;
                    }

                    queue.Enqueue(next);
                }
            }
        }

        return false;
    }

    /// <summary>The pattern as tokens: the bytes of the quoted value, with <see cref="StarToken"/> for each wildcard.</summary>
    private static int[] Tokens(WildcardPattern pattern)
    {
        var tokens = new List<int> { '"' };
        for (var s = 0; s < pattern.Segments.Count; s++)
        {
            if (s > 0)
            {
                tokens.Add(StarToken);
            }

            foreach (var b in pattern.Segments[s])
            {
                tokens.Add(b);
            }
        }

        tokens.Add('"');
        return [.. tokens];
    }

    private static SortedSet<int> Step(int[] tokens, SortedSet<int> states, int c)
    {
        var next = new SortedSet<int>();
        foreach (var s in states)
        {
            if (s > 0 && tokens[s - 1] == StarToken)
            {
                next.Add(s);
            }

            if (s < tokens.Length && tokens[s] == c)
            {
                next.Add(s + 1);
            }
        }

        return Closure(tokens, next);
    }

    private static SortedSet<int> Closure(int[] tokens, IEnumerable<int> states)
    {
        var set = new SortedSet<int>(states);
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var s in set.ToArray())
            {
                if (s < tokens.Length && tokens[s] == StarToken && set.Add(s + 1))
                {
                    changed = true;
                }
            }
        }

        return set;
    }

    private static string Key(SortedSet<int>[] sets) => string.Join("|", sets.Select(s => string.Join(",", s)));
}
