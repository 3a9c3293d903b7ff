namespace Tideway.Patterns;

/// <summary>
/// Decides whether a wildcard pattern would make the matching automaton explode. The measure is the
/// largest number of positions of the pattern that can be live at once while reading some input
/// (the size of the largest reachable subset of the pattern's NFA), found by exploring the subset
/// construction over the pattern's own characters plus one stand-in for every other character.
/// </summary>
internal static class WildcardComplexity
{
    /// <summary>The most live positions a wildcard may have at once.</summary>
    public const int MaxLivePositions = 5;

    private const int MaxSubsets = 4096;

    public static bool IsTooComplex(WildcardPattern pattern)
    {
        if (pattern.WildcardCount <= 1)
        {
            return false;
        }

        // Positions: one per literal byte; loop[p] says a star precedes position p.
        var literal = new List<int>();
        var loop = new List<bool>();
        for (var s = 0; s < pattern.Segments.Count; s++)
        {
            var segment = pattern.Segments[s];
            for (var i = 0; i < segment.Length; i++)
            {
                literal.Add(segment[i]);
                loop.Add(i == 0 && s > 0);
            }
        }

        var finalLoop = pattern.Segments.Count > 1 && pattern.Segments[^1].Length == 0;
        var n = literal.Count;
        var alphabet = literal.Distinct().Append(-1).ToArray();
        var start = Closure([0], loop, n);
        var seen = new HashSet<string> { Key(start) };
        var queue = new Queue<SortedSet<int>>();
        queue.Enqueue(start);
        var most = start.Count;
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var c in alphabet)
            {
                var next = new SortedSet<int>();
                foreach (var p in current)
                {
                    if (p < n && literal[p] == c)
                    {
                        next.Add(p + 1);
                    }

                    // A star before position p (or after the last literal) lets p absorb any byte.
                    if ((p < n && loop[p]) || (p == n && finalLoop))
                    {
                        next.Add(p);
                    }
                }

                next = Closure(next, loop, n);
                if (next.Count == 0 || !seen.Add(Key(next)))
                {
                    continue;
                }

                most = Math.Max(most, next.Count);
                if (most > MaxLivePositions || seen.Count > MaxSubsets)
                {
                    return true;
                }

                queue.Enqueue(next);
            }
        }

        return false;
    }

    private static SortedSet<int> Closure(IEnumerable<int> states, List<bool> loop, int n)
    {
        _ = loop;
        _ = n;
        return new SortedSet<int>(states);
    }

    private static string Key(SortedSet<int> set) => string.Join(",", set);
}
