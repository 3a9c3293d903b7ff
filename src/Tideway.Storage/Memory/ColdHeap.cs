namespace Tideway.Storage.Memory;

/// <summary>
/// A standard queue's never-received messages in claim order, (visible-at, sequence). A message sent without a delay
/// usually comes after the last one in that order: it is appended to a run of segments, which never copies what it holds
/// and reuses the segment its head leaves. The other messages (a delay, a clock reading a millisecond behind the last
/// send's, a wall clock stepped back, a message restored out of order) go to a binary heap, and a peek takes the smaller
/// of the two heads, so the order is exactly the single heap's. Segments start small and double up to
/// <see cref="SegmentLength"/>; a run that empties keeps a small segment only, so an idle queue holds little.
/// <para>
/// It replaced a single heap: in <c>bench sqs</c>'s send-only phase that heap's growth (a doubled array copied for each
/// doubling, and its first writes to memory this VM had never given the process) took about a twentieth of the server's
/// CPU (docs/perf/sqs.md).
/// </para>
/// </summary>
internal sealed class ColdHeap
{
    /// <summary>Messages per segment at most: 2,048 of 80 bytes is one large-object allocation, which the GC never copies.</summary>
    internal const int SegmentLength = 2048;

    /// <summary>Messages in the first segment of a run.</summary>
    internal const int FirstSegmentLength = 16;

    /// <summary>The longest segment that a run which empties keeps.</summary>
    internal const int KeptSegmentLength = 64;

    private readonly Queue<QueueIndex.ColdMessage[]> _run = new();
    private readonly PriorityQueue<QueueIndex.ColdMessage, (long VisibleAt, long Sequence)> _heap = new();
    private QueueIndex.ColdMessage[]? _tail;
    private QueueIndex.ColdMessage[]? _spare;
    private int _head;
    private int _tailCount;
    private int _runCount;
    private long _tailSequence;
    private long _tailVisibleAt;

    public int Count => _runCount + _heap.Count;

    /// <summary>Messages held in the run (the rest are in the heap; for tests).</summary>
    internal int RunCount => _runCount;

    /// <summary>The length of the segment the run appends to, 0 with none (for tests).</summary>
    internal int TailSegmentLength => _tail?.Length ?? 0;

    private static (long VisibleAt, long Sequence) Key(in QueueIndex.ColdMessage message) => (message.VisibleAt, message.Sequence);

    public void Enqueue(in QueueIndex.ColdMessage message)
    {
        if (message.VisibleAt > message.EnqueuedAt || (_runCount > 0 && (message.VisibleAt < _tailVisibleAt || message.Sequence <= _tailSequence)))
        {
            _heap.Enqueue(message, Key(message));
            return;
        }
        if (_tail is null || _tailCount == _tail.Length)
        {
            var length = _tail is null ? FirstSegmentLength : Math.Min(SegmentLength, _tail.Length * 2);
            _tail = _spare is { } spare && spare.Length == length ? spare : new QueueIndex.ColdMessage[length];
            _spare = null;
            _tailCount = 0;
            _run.Enqueue(_tail);
        }
        _tail[_tailCount++] = message;
        _runCount++;
        _tailSequence = message.Sequence;
        _tailVisibleAt = message.VisibleAt;
    }

    /// <summary>Whether the next message is the run's head (the smaller of the two heads).</summary>
    private bool RunHeadFirst() =>
        _runCount > 0 && (!_heap.TryPeek(out _, out var heapKey) || Key(_run.Peek()[_head]).CompareTo(heapKey) < 0);

    public bool TryPeek(out QueueIndex.ColdMessage message)
    {
        if (RunHeadFirst())
        {
            message = _run.Peek()[_head];
            return true;
        }
        return _heap.TryPeek(out message, out _);
    }

    public bool TryDequeue(out QueueIndex.ColdMessage message)
    {
        if (RunHeadFirst())
        {
            message = TakeRunHead();
            return true;
        }
        return _heap.TryDequeue(out message, out _);
    }

    private QueueIndex.ColdMessage TakeRunHead()
    {
        var segment = _run.Peek();
        var message = segment[_head];
        segment[_head] = default;
        _head++;
        _runCount--;
        if (_runCount == 0)
        {
            // Empty: a small segment is kept for the next send (a queue whose consumers keep up allocates nothing), a
            // large one goes.
            var keep = segment.Length <= KeptSegmentLength ? segment : null;
            ClearRun();
            if (keep is not null)
            {
                _run.Enqueue(keep);
                _tail = keep;
            }
        }
        else if (_head == segment.Length)
        {
            // Kept for the tail's next segment, which has its length once the run is past its first segments.
            _spare = _run.Dequeue();
            _head = 0;
        }
        return message;
    }

    /// <summary>
    /// How many messages are visible at <paramref name="now"/>, the rest being delayed. The run is in visible-at order, so
    /// it is counted by its segments' last messages and one binary search; only the heap's messages are walked. A
    /// GetQueueAttributes on a backlog of a million sends thus reads a few hundred entries, not a million.
    /// </summary>
    public int CountVisible(long now)
    {
        var visible = 0;
        if (_runCount > 0 && _tailVisibleAt <= now)
        {
            visible = _runCount;
        }
        else if (_runCount > 0)
        {
            var first = true;
            var left = _runCount;
            foreach (var segment in _run)
            {
                if (left == 0)
                {
                    break;
                }
                var start = first ? _head : 0;
                first = false;
                var end = Math.Min(segment.Length, start + left);
                left -= end - start;
                if (segment[end - 1].VisibleAt <= now)
                {
                    visible += end - start;
                    continue;
                }
                // The first message of the run not yet visible is in this segment; none after it is visible.
                var low = start;
                var high = end - 1;
                while (low < high)
                {
                    var middle = low + ((high - low) / 2);
                    if (segment[middle].VisibleAt <= now)
                    {
                        low = middle + 1;
                    }
                    else
                    {
                        high = middle;
                    }
                }
                visible += low - start;
                break;
            }
        }
        foreach (var (message, _) in _heap.UnorderedItems)
        {
            if (message.VisibleAt <= now)
            {
                visible++;
            }
        }
        return visible;
    }

    /// <summary>Every message, in no particular order.</summary>
    public IEnumerable<QueueIndex.ColdMessage> Items
    {
        get
        {
            var first = true;
            var left = _runCount;
            foreach (var segment in _run)
            {
                var start = first ? _head : 0;
                first = false;
                for (var i = start; i < segment.Length && left > 0; i++, left--)
                {
                    yield return segment[i];
                }
            }
            foreach (var (message, _) in _heap.UnorderedItems)
            {
                yield return message;
            }
        }
    }

    /// <summary>Removes the messages that match; the others keep their order.</summary>
    public int RemoveAll(Predicate<QueueIndex.ColdMessage> match)
    {
        var kept = new List<QueueIndex.ColdMessage>(Count);
        var removed = 0;
        foreach (var message in Items)
        {
            if (match(message))
            {
                removed++;
            }
            else
            {
                kept.Add(message);
            }
        }
        if (removed == 0)
        {
            return 0;
        }
        Clear();
        // The run's messages come first and in order; each goes back where it was.
        foreach (var message in kept)
        {
            Enqueue(message);
        }
        return removed;
    }

    public void Clear()
    {
        ClearRun();
        _heap.Clear();
    }

    private void ClearRun()
    {
        _run.Clear();
        _tail = null;
        _spare = null;
        _head = 0;
        _tailCount = 0;
        _runCount = 0;
    }
}
