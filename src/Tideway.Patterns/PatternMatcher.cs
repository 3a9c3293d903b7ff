using System.Buffers;

namespace Tideway.Patterns;

/// <summary>
/// Matches events against many event patterns at once: one pass over an event's UTF-8 bytes
/// answers which rules match. Rules can be added and removed at any time, one writer at a time,
/// while other threads match; matching takes no lock and, in steady state, allocates nothing.
/// </summary>
/// <typeparam name="TRule">The rule identifier returned for matches (a name, an ARN, an object).</typeparam>
public sealed class PatternMatcher<TRule> : IDisposable
    where TRule : notnull
{
    private readonly Automaton _automaton = new();
    private readonly Dictionary<TRule, RuleRecord> _records;
    private readonly Lock _writeLock = new();
    private readonly ThreadLocal<MatchContext> _contexts;
    [ThreadStatic]
    private static MatchContext? _lastContextOnThread;

    private volatile TRule[] _rules = new TRule[16];
    private int _nextRule;

    /// <summary>Creates an empty matcher.</summary>
    public PatternMatcher()
        : this(null)
    {
    }

    /// <summary>Creates an empty matcher that compares rule identifiers with a given comparer.</summary>
    /// <param name="comparer">Compares rule identifiers; null for the default.</param>
    public PatternMatcher(IEqualityComparer<TRule>? comparer)
    {
        _records = new Dictionary<TRule, RuleRecord>(comparer);
        _contexts = new ThreadLocal<MatchContext>(() => new MatchContext(_automaton));
    }

    /// <summary>How many rules the matcher holds.</summary>
    public int RuleCount
    {
        get
        {
            lock (_writeLock)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Adds a pattern for a rule. A rule given several patterns matches when any of them does.</summary>
    /// <param name="rule">The rule's identifier.</param>
    /// <param name="pattern">The pattern.</param>
    public void Add(TRule rule, EventPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(pattern);
        lock (_writeLock)
        {
            if (!_records.TryGetValue(rule, out var record))
            {
                var index = _nextRule++;
                if (index == _rules.Length)
                {
                    var grown = new TRule[_rules.Length * 2];
                    _rules.AsSpan().CopyTo(grown);
                    _rules = grown;
                }

                _rules[index] = rule;
                record = new RuleRecord(index);
                _records.Add(rule, record);
            }

            record.Clauses.AddRange(_automaton.Add(record.Index, pattern.Parsed));
        }
    }

    /// <summary>Parses a pattern and adds it for a rule.</summary>
    /// <param name="rule">The rule's identifier.</param>
    /// <param name="patternJson">The pattern's JSON text.</param>
    /// <exception cref="InvalidEventPatternException">The pattern is not valid.</exception>
    public void Add(TRule rule, string patternJson) => Add(rule, EventPattern.Parse(patternJson));

    /// <summary>Removes a rule and all its patterns.</summary>
    /// <param name="rule">The rule's identifier.</param>
    /// <returns>Whether the rule was there.</returns>
    public bool Remove(TRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_writeLock)
        {
            if (!_records.Remove(rule, out var record))
            {
                return false;
            }

            _automaton.Remove(record.Clauses);
            return true;
        }
    }

    /// <summary>Adds to <paramref name="matches"/> every rule that matches the event, each once.</summary>
    /// <param name="utf8Event">The event's JSON as UTF-8; it must be a JSON object.</param>
    /// <param name="matches">Receives the matching rules.</param>
    /// <exception cref="InvalidEventException">The event is not a JSON object.</exception>
    public void Match(ReadOnlySpan<byte> utf8Event, ICollection<TRule> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var context = Run(utf8Event, out var rules);
        foreach (var index in context.Matches)
        {
            matches.Add(rules[index]);
        }
    }

    /// <summary>Adds to <paramref name="matches"/> every rule that matches the event, each once.</summary>
    /// <param name="utf8Event">The event's JSON as UTF-8, possibly in several segments.</param>
    /// <param name="matches">Receives the matching rules.</param>
    /// <exception cref="InvalidEventException">The event is not a JSON object.</exception>
    public void Match(in ReadOnlySequence<byte> utf8Event, ICollection<TRule> matches)
    {
        if (utf8Event.IsSingleSegment)
        {
            Match(utf8Event.FirstSpan, matches);
            return;
        }

        var length = checked((int)utf8Event.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            utf8Event.CopyTo(buffer);
            Match(buffer.AsSpan(0, length), matches);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Returns the rules that match the event.</summary>
    /// <param name="utf8Event">The event's JSON as UTF-8; it must be a JSON object.</param>
    /// <returns>The matching rules, each once.</returns>
    public IReadOnlyList<TRule> Match(ReadOnlySpan<byte> utf8Event)
    {
        var result = new List<TRule>();
        Match(utf8Event, result);
        return result;
    }

    /// <summary>Whether any rule matches the event.</summary>
    /// <param name="utf8Event">The event's JSON as UTF-8; it must be a JSON object.</param>
    /// <returns>True when at least one rule matches.</returns>
    public bool MatchesAny(ReadOnlySpan<byte> utf8Event) => Run(utf8Event, out _).Matches.Length != 0;

    /// <summary>Counts the rules that match the event without collecting them.</summary>
    /// <param name="utf8Event">The event's JSON as UTF-8; it must be a JSON object.</param>
    /// <returns>How many rules match.</returns>
    public int CountMatches(ReadOnlySpan<byte> utf8Event) => Run(utf8Event, out _).Matches.Length;

    private MatchContext Run(ReadOnlySpan<byte> utf8Event, out TRule[] rules)
    {
        rules = _rules;

        // A thread usually matches against one matcher: keep its context at hand without the ThreadLocal lookup.
        var context = _lastContextOnThread;
        if (context is null || !ReferenceEquals(context.Automaton, _automaton))
        {
            context = _contexts.Value!;
            _lastContextOnThread = context;
        }

        context.Run(utf8Event, Math.Min(Volatile.Read(ref _nextRule), rules.Length));
        return context;
    }

    /// <summary>Releases the per-thread matching state.</summary>
    public void Dispose() => _contexts.Dispose();

    private sealed class RuleRecord(int index)
    {
        public int Index { get; } = index;

        public List<int> Clauses { get; } = [];
    }
}
