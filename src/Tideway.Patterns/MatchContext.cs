using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Tideway.Patterns;

/// <summary>
/// The per-thread scratch state of matching: one pass over an event's bytes walks the trie of
/// paths, tests leaf values, and records condition hits with the array elements they came from.
/// Arrays are reused from event to event and reset by stamping, so steady-state matching does not
/// allocate.
/// </summary>
internal sealed class MatchContext
{
    /// <summary>How deeply an event may nest objects and arrays along the paths that rules mention.</summary>
    public const int MaxDepth = 2048;

    private readonly Automaton _automaton;

    // Stamps: an entry equal to _stamp was written during the current event.
    private int _stamp;
    private int[] _nodeSeen = [];
    private ConditionMark[] _conditionMarks = [];

    // Per clause: the stamp of the event that last counted a hit (high 32 bits) and that event's count (low 32).
    private long[] _clauseState = [];
    private int[] _ruleStamp = [];

    // Snapshot of the automaton's arrays for the current event.
    private long[] _conditionShape = [];
    private int[] _conditionAlias = [];
    private ClauseInfo?[] _clauses = [];

    private int[] _pending = new int[16];
    private int _pendingCount;

    // The array elements on the current path: pairs of (array id, element index).
    private int[] _trail = new int[64];
    private int _trailLength;
    private int _nextArrayId;

    // Hits of multi-condition clauses that came from inside arrays: (condition, trail start, trail length).
    private int[] _hits = new int[48];
    private int _hitCount;
    private int[] _hitTrails = new int[256];
    private int _hitTrailLength;

    private byte[] _scratch = new byte[256];
    private byte[] _keyScratch = new byte[256];
    private byte[] _folded = new byte[256];

    private int[] _matches = new int[16];
    private int _matchCount;

    /// <summary>Trail comparisons one consistency check may make before it gives up (and does not match).</summary>
    public const long MaxConsistencySteps = 20_000_000;

    private const int NotPruned = int.MaxValue;

    // Array elements claimed by forced hits during one consistency check (indexed by array id).
    private int[] _claimedStamp = new int[64];
    private int[] _claimedIndex = new int[64];
    private int _claimStamp;

    private int[] _activeConditions = new int[16];
    private int[] _domainStart = new int[16];
    private int[] _domainItems = new int[64];
    private int[] _prunedAt = new int[64];
    private int[] _choice = new int[16];
    private int _ruleLimit;

    public MatchContext(Automaton automaton)
    {
        _automaton = automaton;
    }

    public Automaton Automaton => _automaton;

    /// <summary>The rule indexes matched by the last event, each once.</summary>
    public ReadOnlySpan<int> Matches => _matches.AsSpan(0, _matchCount);

    /// <summary>Matches one event; the matched rule indexes are then in <see cref="Matches"/>.</summary>
    public void Run(ReadOnlySpan<byte> json, int ruleCount)
    {
        Begin(ruleCount);
        var pos = SkipWhitespace(json, 0);
        if (pos >= json.Length || json[pos] != (byte)'{')
        {
            ThrowInvalid("An event must be a JSON object.");
        }

        ScanObject(json, ref pos, _automaton.Root, 1);
        pos = SkipWhitespace(json, pos);
        if (pos != json.Length)
        {
            ThrowInvalid("Unexpected content after the event's JSON object.");
        }

        Finish();
    }

    private void Begin(int ruleCount)
    {
        _conditionShape = _automaton.ConditionShape;
        _conditionAlias = _automaton.ConditionAlias;
        _clauses = _automaton.Clauses;
        var nodes = _automaton.NodeCount;
        if (_nodeSeen.Length < nodes)
        {
            _nodeSeen = new int[Math.Max(nodes, _nodeSeen.Length * 2)];
        }

        var conditions = _conditionShape.Length;
        if (_conditionMarks.Length < conditions)
        {
            _conditionMarks = new ConditionMark[conditions];
        }

        if (_clauseState.Length < _clauses.Length)
        {
            _clauseState = new long[_clauses.Length];
        }

        _ruleLimit = ruleCount;
        if (_ruleStamp.Length < ruleCount)
        {
            _ruleStamp = new int[Math.Max(ruleCount, _ruleStamp.Length * 2)];
        }

        if (++_stamp == int.MaxValue)
        {
            _stamp = 1;
            Array.Clear(_nodeSeen);
            Array.Clear(_conditionMarks);
            Array.Clear(_clauseState);
            Array.Clear(_ruleStamp);
        }

        _pendingCount = 0;
        _trailLength = 0;
        _nextArrayId = 0;
        _hitCount = 0;
        _hitTrailLength = 0;
        _matchCount = 0;
    }

    // ---- scanning ----------------------------------------------------------------------------

    private void ScanObject(ReadOnlySpan<byte> json, ref int pos, PathNode node, int depth)
    {
        CheckDepth(depth);

        pos++; // '{'
        pos = SkipWhitespace(json, pos);
        if (pos < json.Length && json[pos] == (byte)'}')
        {
            pos++;
            return;
        }

        while (true)
        {
            if (pos >= json.Length || json[pos] != (byte)'"')
            {
                ThrowInvalid("Expected a field name.");
            }

            var keyStart = pos + 1;
            var keyEnd = JsonSkipper.FindKeyEnd(json, keyStart, out var keyEscaped, out var keyDotted);
            pos = SkipWhitespace(json, keyEnd + 1);
            if (pos >= json.Length || json[pos] != (byte)':')
            {
                ThrowInvalid("Expected ':' after a field name.");
            }

            pos = SkipWhitespace(json, pos + 1);
            var key = json[keyStart..keyEnd];
            PathNode? child;
            if (keyEscaped | keyDotted)
            {
                if (keyEscaped)
                {
                    key = Unescape(key, ref _keyScratch);
                }

                child = FindDottedChild(node, key);
            }
            else
            {
                child = node.Find(key);
            }

            if (child is null)
            {
                pos = JsonSkipper.SkipValue(json, pos);
            }
            else
            {
                ScanValue(json, ref pos, child, depth);
            }

            pos = SkipWhitespace(json, pos);
            if (pos >= json.Length)
            {
                ThrowInvalid("Unterminated object.");
            }

            var c = json[pos];
            if (c == (byte)',')
            {
                pos = SkipWhitespace(json, pos + 1);
                continue;
            }

            if (c == (byte)'}')
            {
                pos++;
                return;
            }

            ThrowInvalid("Expected ',' or '}' in an object.");
        }
    }

    /// <summary>Refuses events nested beyond <see cref="MaxDepth"/>, or deeper than the thread's stack allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth || ((depth & 15) == 0 && !RuntimeHelpers.TryEnsureSufficientExecutionStack()))
        {
            ThrowInvalid("The event nests objects and arrays more than " + MaxDepth + " levels deep (or deeper than this thread's stack allows).");
        }
    }

    private static PathNode? FindDottedChild(PathNode node, ReadOnlySpan<byte> key)
    {
        var dot = key.IndexOf((byte)'.');
        if (dot < 0)
        {
            return node.Find(key);
        }

        // "a.b" as one key is the same path as "a" then "b".
        PathNode? current = node;
        while (current is not null)
        {
            current = current.Find(key[..dot]);
            key = key[(dot + 1)..];
            dot = key.IndexOf((byte)'.');
            if (dot < 0)
            {
                return current?.Find(key);
            }
        }

        return null;
    }

    private void ScanValue(ReadOnlySpan<byte> json, ref int pos, PathNode node, int depth)
    {
        if (pos >= json.Length)
        {
            ThrowInvalid("Expected a value.");
        }

        switch (json[pos])
        {
            case (byte)'{':
                if (node.HasChildren)
                {
                    ScanObject(json, ref pos, node, depth + 1);
                }
                else
                {
                    // An object-valued field has no leaf here, so it neither matches nor "exists".
                    pos = JsonSkipper.SkipValue(json, pos);
                }

                break;
            case (byte)'[':
                ScanArray(json, ref pos, node, depth + 1);
                break;
            case (byte)'"':
                {
                    var start = pos + 1;
                    var end = JsonSkipper.FindStringEnd(json, start, out var escaped);
                    pos = end + 1;
                    MarkSeen(node.Id);
                    if (node.Values is { } values)
                    {
                        var text = json[start..end];
                        if (escaped)
                        {
                            text = Unescape(text, ref _scratch);
                        }

                        TestString(values, text);
                    }

                    break;
                }

            case (byte)'t':
                pos = ExpectLiteral(json, pos, "true"u8);
                Leaf(node, LeafKind.True);
                break;
            case (byte)'f':
                pos = ExpectLiteral(json, pos, "false"u8);
                Leaf(node, LeafKind.False);
                break;
            case (byte)'n':
                pos = ExpectLiteral(json, pos, "null"u8);
                Leaf(node, LeafKind.Null);
                break;
            default:
                {
                    var start = pos;
                    pos = JsonSkipper.SkipNumber(json, pos);
                    if (pos == start)
                    {
                        ThrowInvalid("Unexpected character in a value.");
                    }

                    MarkSeen(node.Id);
                    if (node.Values is { } values)
                    {
                        TestNumber(values, json[start..pos]);
                    }

                    break;
                }
        }
    }

    private void ScanArray(ReadOnlySpan<byte> json, ref int pos, PathNode node, int depth)
    {
        CheckDepth(depth);

        pos = SkipWhitespace(json, pos + 1);
        if (pos < json.Length && json[pos] == (byte)']')
        {
            pos++;
            return;
        }

        // Array consistency (as event-ruler tracks it): an element's index joins the trail of the
        // values below it when the element is an object or an array. Scalars directly in an array are
        // just more values of the same field and stay combinable with every element.
        var arrayId = _nextArrayId++;
        var slot = _trailLength;
        var index = 0;
        while (true)
        {
            if (pos < json.Length && (json[pos] == (byte)'{' || json[pos] == (byte)'['))
            {
                if (slot + 2 > _trail.Length)
                {
                    Array.Resize(ref _trail, _trail.Length * 2);
                }

                _trail[slot] = arrayId;
                _trail[slot + 1] = index;
                _trailLength = slot + 2;
                ScanValue(json, ref pos, node, depth);
                _trailLength = slot;
            }
            else
            {
                ScanValue(json, ref pos, node, depth);
            }

            pos = SkipWhitespace(json, pos);
            if (pos >= json.Length)
            {
                ThrowInvalid("Unterminated array.");
            }

            var c = json[pos];
            if (c == (byte)',')
            {
                pos = SkipWhitespace(json, pos + 1);
                index++;
                continue;
            }

            if (c == (byte)']')
            {
                pos++;
                break;
            }

            ThrowInvalid("Expected ',' or ']' in an array.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ExpectLiteral(ReadOnlySpan<byte> json, int pos, ReadOnlySpan<byte> literal)
    {
        if (!json[pos..].StartsWith(literal))
        {
            ThrowInvalid("Unexpected character in a value.");
        }

        return pos + literal.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> json, int pos)
    {
        while (pos < json.Length)
        {
            var c = json[pos];
            if (c > (byte)' ' || (c != (byte)' ' && c != (byte)'\n' && c != (byte)'\r' && c != (byte)'\t'))
            {
                break;
            }

            pos++;
        }

        return pos;
    }

    // ---- leaf tests --------------------------------------------------------------------------

    /// <summary>Records that a path had a leaf; a node added by a writer during this event may be beyond the array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkSeen(int nodeId)
    {
        if ((uint)nodeId >= (uint)_nodeSeen.Length)
        {
            Array.Resize(ref _nodeSeen, Math.Max(nodeId + 1, _nodeSeen.Length * 2));
        }

        _nodeSeen[nodeId] = _stamp;
    }

    private void Leaf(PathNode node, LeafKind kind)
    {
        MarkSeen(node.Id);
        if (node.Values is not { } values)
        {
            return;
        }

        var exact = kind switch
        {
            LeafKind.True => values.True,
            LeafKind.False => values.False,
            _ => values.Null,
        };
        Hit(exact);
        Hit(values.Exists);
        var others = values.Others;
        foreach (var entry in others)
        {
            if (entry.Test.Matches(kind, default, 0, default))
            {
                Hit(entry.Conditions);
            }
        }
    }

    private void TestString(ValueIndex values, ReadOnlySpan<byte> text)
    {
        if (values.HasStrings && values.FindString(text) is { } exact)
        {
            Hit(exact);
        }

        Hit(values.Exists);
        ReadOnlySpan<byte> folded = default;
        if (values.NeedsFolding)
        {
            var need = CaseFolding.MaxFoldedLength(text.Length);
            if (_folded.Length < need)
            {
                _folded = new byte[Math.Max(need, _folded.Length * 2)];
            }

            folded = _folded.AsSpan(0, CaseFolding.FoldUtf8(text, _folded));
            if (values.HasFolded && values.FindFolded(folded) is { } equal)
            {
                Hit(equal);
            }
        }

        if (values.Prefixes is { } prefixes)
        {
            foreach (var length in prefixes.Lengths)
            {
                if (length > text.Length)
                {
                    break;
                }

                if (prefixes.Find(text[..length]) is { } prefix)
                {
                    Hit(prefix.Conditions);
                }
            }
        }

        var others = values.Others;
        foreach (var entry in others)
        {
            if (entry.Test.Matches(LeafKind.String, text, 0, folded))
            {
                Hit(entry.Conditions);
            }
        }
    }

    private void TestNumber(ValueIndex values, ReadOnlySpan<byte> raw)
    {
        Hit(values.Exists);
        var number = double.NaN;
        if (values.NeedsNumber)
        {
            // A quick approximation decides every test unless the number lies next to a bound.
            if (!FastNumber.TryRead(raw, out number, out var isExact) || (!isExact && (values.HasNumbers || values.IsNearBound(number))))
            {
                if (!FastNumber.ParseExact(raw, out number))
                {
                    ThrowInvalid("A number in the event is not valid.");
                }
            }

            if (values.FindNumber(number) is { } exact)
            {
                Hit(exact);
            }

            if (values.Ranges is { } ranges)
            {
                foreach (var range in ranges.Candidates(number))
                {
                    if (range.Test.Range.Contains(number))
                    {
                        Hit(range.Conditions);
                    }
                }
            }
        }

        var others = values.Others;
        foreach (var entry in others)
        {
            if (entry.Test.Matches(LeafKind.Number, raw, number, default))
            {
                Hit(entry.Conditions);
            }
        }
    }

    // ---- hits and clauses --------------------------------------------------------------------

    private void Hit(CondList list)
    {
        var conditions = list.Span;
        var shapes = _conditionShape;
        var clauses = _clauses;
        var marks = _conditionMarks;
        var clauseState = _clauseState;
        var stamp = _stamp;
        foreach (var condition in conditions)
        {
            // A condition id beyond what this event's snapshot knows (or a slot that snapshot never saw
            // written, 0) does not map back to its clause: ignore it, the rule was added during this event.
            if ((uint)condition >= (uint)shapes.Length)
            {
                continue;
            }

            var shape = shapes[condition];
            if (shape == 0)
            {
                continue;
            }

            var clauseId = (int)(shape >> 32);
            var count = (int)(((uint)shape >> 1) & Automaton.CountMask);
            var hasAbsence = (shape & 1) != 0;
            if ((uint)clauseId >= (uint)clauses.Length)
            {
                continue;
            }

            // A clause with conditions of a shared group is decided at the end of the event, as one with several.
            if (count == 1 && !hasAbsence && (shape & Automaton.PassiveBit) == 0)
            {
                // A removed clause's slot is null.
                if (clauses[clauseId] is { } single)
                {
                    Emit(single);
                }

                continue;
            }

            // One array entry per condition and one per clause, each read and written once: with many rules that
            // share a value (500 clauses with the same source), this loop is most of the matching time.
            ref var mark = ref marks[condition];
            if (mark.Hit != stamp)
            {
                mark.Hit = stamp;
                ref var state = ref clauseState[clauseId];
                var counted = (int)(state >> 32) == stamp ? state + 1 : ((long)stamp << 32) + 1;
                state = counted;
                // A clause removed meanwhile may get here too: Finish skips it.
                if ((int)counted == count && !hasAbsence)
                {
                    AddPending(clauseId);
                }
            }

            if (mark.Free == stamp)
            {
                continue;
            }

            if (_trailLength == 0)
            {
                mark.Free = stamp;
            }
            else
            {
                RecordHit(condition);
            }
        }
    }

    private void AddPending(int clauseId)
    {
        if (_pendingCount == _pending.Length)
        {
            Array.Resize(ref _pending, _pending.Length * 2);
        }

        _pending[_pendingCount++] = clauseId;
    }

    private void RecordHit(int condition)
    {
        if (_hitCount * 3 + 3 > _hits.Length)
        {
            Array.Resize(ref _hits, _hits.Length * 2);
        }

        if (_hitTrailLength + _trailLength > _hitTrails.Length)
        {
            Array.Resize(ref _hitTrails, Math.Max(_hitTrails.Length * 2, _hitTrailLength + _trailLength));
        }

        _trail.AsSpan(0, _trailLength).CopyTo(_hitTrails.AsSpan(_hitTrailLength));
        var h = _hitCount * 3;
        _hits[h] = condition;
        _hits[h + 1] = _hitTrailLength;
        _hits[h + 2] = _trailLength;
        _hitTrailLength += _trailLength;
        _hitCount++;
    }

    private void Finish()
    {
        for (var i = 0; i < _pendingCount; i++)
        {
            // The writer may have removed the clause (its slot is then null) since it was hit.
            if (_clauses[_pending[i]] is { Dead: false } clause && IsConsistent(clause))
            {
                Emit(clause);
            }
        }

        foreach (var clause in _automaton.AbsenceClauses)
        {
            // Skip clauses added after this event began: their conditions are beyond this event's arrays.
            if (clause.Dead || (uint)clause.Rule >= (uint)_ruleLimit || _ruleStamp[clause.Rule] == _stamp
                || clause.FirstCondition + clause.ConditionCount > _conditionShape.Length)
            {
                continue;
            }

            if (AbsenceClauseHolds(clause) && IsConsistent(clause))
            {
                Emit(clause);
            }
        }
    }

    private bool AbsenceClauseHolds(ClauseInfo clause)
    {
        var absence = _automaton.ConditionAbsenceNode;
        for (var c = clause.FirstCondition; c < clause.FirstCondition + clause.ConditionCount; c++)
        {
            if (c < _conditionMarks.Length && _conditionMarks[c].Hit == _stamp)
            {
                continue;
            }

            var node = c < absence.Length ? absence[c] : -1;
            if (node < 0 || (node < _nodeSeen.Length && _nodeSeen[node] == _stamp))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether one hit per hit condition can be chosen so that no two come from different elements
    /// of the same array (hits outside arrays agree with everything). A backtracking search with
    /// forward checking: choosing a hit removes, from every later condition, the hits that disagree
    /// with it, and a condition left with none undoes the choice at once. Iterative, so wide clauses
    /// need no stack; bounded by <see cref="MaxConsistencySteps"/>.
    /// </summary>
    private bool IsConsistent(ClauseInfo clause)
    {
        var first = clause.FirstCondition;
        var count = clause.ConditionCount;

        // The conditions that need a choice: hit, but never outside every array.
        var active = 0;
        EnsureLength(ref _activeConditions, count);
        var alias = _conditionAlias;
        for (var c = first; c < first + count; c++)
        {
            // A condition of a shared group stands for its group's condition, which must have been hit.
            var hit = c;
            if (c < alias.Length && alias[c] != 0)
            {
                hit = alias[c] - 1;
                if (hit >= _conditionMarks.Length || _conditionMarks[hit].Hit != _stamp)
                {
                    return false;
                }
            }

            if (_conditionMarks[hit].Hit == _stamp && _conditionMarks[hit].Free != _stamp)
            {
                _activeConditions[active++] = hit;
            }
        }

        if (active == 0)
        {
            return true;
        }

        // Domains: each active condition's hits, in one flat buffer.
        EnsureLength(ref _domainStart, active + 1);
        EnsureLength(ref _domainItems, _hitCount);
        EnsureLength(ref _prunedAt, _hitCount);
        var items = 0;
        for (var i = 0; i < active; i++)
        {
            _domainStart[i] = items;
            var condition = _activeConditions[i];
            for (var h = 0; h < _hitCount; h++)
            {
                if (_hits[h * 3] == condition)
                {
                    _domainItems[items++] = h;
                    _prunedAt[h] = NotPruned;
                }
            }
        }

        _domainStart[active] = items;

        // Conditions with a single hit are forced: claim their array elements, then keep only the
        // other conditions' hits that agree with every claim. Wide clauses collapse here in linear time.
        if (++_claimStamp == int.MaxValue)
        {
            _claimStamp = 1;
            Array.Clear(_claimedStamp);
        }

        EnsureLength(ref _claimedStamp, _nextArrayId);
        EnsureLength(ref _claimedIndex, _nextArrayId);
        for (var i = 0; i < active; i++)
        {
            if (_domainStart[i + 1] - _domainStart[i] == 1 && !Claim(_domainItems[_domainStart[i]]))
            {
                return false;
            }
        }

        var open = 0;
        var kept = 0;
        for (var i = 0; i < active; i++)
        {
            var start = _domainStart[i];
            var end = _domainStart[i + 1];
            if (end - start == 1)
            {
                continue;
            }

            _domainStart[open] = kept;
            for (var k = start; k < end; k++)
            {
                if (AgreesWithClaims(_domainItems[k]))
                {
                    _domainItems[kept++] = _domainItems[k];
                }
            }

            if (_domainStart[open] == kept)
            {
                return false;
            }

            open++;
        }

        _domainStart[open] = kept;
        active = open;
        if (active == 0)
        {
            return true;
        }

        EnsureLength(ref _choice, active);
        _choice[0] = -1;
        var steps = 0L;
        var level = 0;
        while (level >= 0)
        {
            if (level == active)
            {
                return true;
            }

            if (_choice[level] >= 0)
            {
                Restore(level, active);
            }

            // The next hit of this condition that no earlier choice removed.
            var next = _choice[level] < 0 ? _domainStart[level] : _choice[level] + 1;
            while (next < _domainStart[level + 1] && _prunedAt[_domainItems[next]] != NotPruned)
            {
                next++;
            }

            if (next >= _domainStart[level + 1])
            {
                _choice[level] = -1;
                level--;
                continue;
            }

            _choice[level] = next;
            var chosen = _domainItems[next];
            var feasible = true;
            for (var j = level + 1; j < active && feasible; j++)
            {
                var any = false;
                for (var k = _domainStart[j]; k < _domainStart[j + 1]; k++)
                {
                    var hit = _domainItems[k];
                    if (_prunedAt[hit] != NotPruned)
                    {
                        continue;
                    }

                    if (++steps > MaxConsistencySteps)
                    {
                        return false;
                    }

                    if (TrailsAgree(chosen, hit))
                    {
                        any = true;
                    }
                    else
                    {
                        _prunedAt[hit] = level;
                    }
                }

                feasible = any;
            }

            if (feasible)
            {
                level++;
                if (level < active)
                {
                    _choice[level] = -1;
                }
            }
        }

        return false;
    }

    /// <summary>Claims the array elements of a forced hit; false when one is claimed for another element.</summary>
    private bool Claim(int hit)
    {
        var start = _hits[(hit * 3) + 1];
        var end = start + _hits[(hit * 3) + 2];
        for (var t = start; t < end; t += 2)
        {
            var array = _hitTrails[t];
            var index = _hitTrails[t + 1];
            if (_claimedStamp[array] == _claimStamp)
            {
                if (_claimedIndex[array] != index)
                {
                    return false;
                }
            }
            else
            {
                _claimedStamp[array] = _claimStamp;
                _claimedIndex[array] = index;
            }
        }

        return true;
    }

    private bool AgreesWithClaims(int hit)
    {
        var start = _hits[(hit * 3) + 1];
        var end = start + _hits[(hit * 3) + 2];
        for (var t = start; t < end; t += 2)
        {
            var array = _hitTrails[t];
            if (_claimedStamp[array] == _claimStamp && _claimedIndex[array] != _hitTrails[t + 1])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Puts back the hits that the choice at <paramref name="level"/> removed.</summary>
    private void Restore(int level, int active)
    {
        for (var k = _domainStart[level + 1]; k < _domainStart[active]; k++)
        {
            var hit = _domainItems[k];
            if (_prunedAt[hit] == level)
            {
                _prunedAt[hit] = NotPruned;
            }
        }
    }

    private static void EnsureLength(ref int[] array, int length)
    {
        if (array.Length < length)
        {
            array = new int[Math.Max(length, array.Length * 2)];
        }
    }

    private bool TrailsAgree(int a, int b)
    {
        var trailA = _hitTrails.AsSpan(_hits[(a * 3) + 1], _hits[(a * 3) + 2]);
        var trailB = _hitTrails.AsSpan(_hits[(b * 3) + 1], _hits[(b * 3) + 2]);
        var shared = Math.Min(trailA.Length, trailB.Length);
        for (var i = 0; i < shared; i += 2)
        {
            if (trailA[i] != trailB[i])
            {
                return true;
            }

            if (trailA[i + 1] != trailB[i + 1])
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Emit(ClauseInfo clause)
    {
        var rule = clause.Rule;
        if (clause.Dead || (uint)rule >= (uint)_ruleLimit || _ruleStamp[rule] == _stamp)
        {
            return;
        }

        _ruleStamp[rule] = _stamp;
        if (_matchCount == _matches.Length)
        {
            Array.Resize(ref _matches, _matches.Length * 2);
        }

        _matches[_matchCount++] = rule;
    }

    // ---- strings -----------------------------------------------------------------------------

    private static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> source, ref byte[] buffer)
    {
        if (buffer.Length < source.Length)
        {
            buffer = new byte[Math.Max(source.Length, buffer.Length * 2)];
        }

        var written = JsonSkipper.Unescape(source, buffer);
        if (written < 0)
        {
            ThrowInvalid("A string in the event has an invalid escape.");
        }

        return buffer.AsSpan(0, written);
    }

    [DoesNotReturn]
    internal static void ThrowInvalid(string message) => throw new InvalidEventException(message);

    /// <summary>Stamps of one condition: hit during the event, and hit outside every array (agrees with any choice).</summary>
    private struct ConditionMark
    {
        public int Hit;
        public int Free;
    }
}
