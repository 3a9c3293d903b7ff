namespace Tideway.Storage.Memory;

/// <summary>
/// A standard queue's never-received messages in claim order, (visible-at, sequence). Messages sent with the same delay
/// in whole seconds (none, or the queue's default) usually come after the last one of that delay in that order: each is
/// appended to the run of segments kept for its delay, which never copies what it holds and reuses the segment its head
/// leaves. Up to <see cref="MaxRuns"/> delays have runs. The other messages (a delay with no run, a clock reading a
/// millisecond behind the last send's, a wall clock stepped back, a message restored out of order) go to a binary heap,
/// and a peek takes the smallest of the heads, so the order is exactly the single heap's. Segments start small and
/// double up to <see cref="SegmentLength"/>; a run that empties keeps a small segment only, so an idle queue holds
/// little.
/// <para>
/// It replaced a single heap: in <c>bench sqs</c>'s send-only phase that heap's growth (a doubled array copied for each
/// doubling, and its first writes to memory this VM had never given the process) took about a twentieth of the server's
/// CPU (docs/perf/sqs.md). A run in visible-at order also counts its visible messages without walking them.
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

    /// <summary>Delays with a run of their own at most.</summary>
    internal const int MaxRuns = 4;

    /// <summary>
    /// An empty run passes to another delay only when its own delay has gone unsent for this many sequences, so that the
    /// run of a queue's usual delay, which empties whenever the consumers catch up, is not taken by a one-off delay.
    /// </summary>
    internal const long IdleSequences = 4096;

    private readonly List<Run> _runs = new(1);
    private readonly PriorityQueue<QueueIndex.ColdMessage, (long VisibleAt, long Sequence)> _heap = new();
    private int _runCount;

    public int Count => _runCount + _heap.Count;

    /// <summary>Messages held in runs (the rest are in the heap; for tests).</summary>
    internal int RunCount => _runCount;

    /// <summary>Delays that have a run (for tests).</summary>
    internal int Runs => _runs.Count;

    /// <summary>The length of the segment that the run of messages sent without a delay appends to, 0 with none (for tests).</summary>
    internal int TailSegmentLength => _runs.Find(static run => run.Delay == 0)?.TailSegmentLength ?? 0;

    private static (long VisibleAt, long Sequence) Key(in QueueIndex.ColdMessage message) => (message.VisibleAt, message.Sequence);

    /// <summary>
    /// The delay of a message in whole seconds, the key of its run. The engine reads the clock for the visible-at time
    /// before the store reads it for the enqueue time, so a message sent with a delay of D seconds is usually visible a
    /// millisecond or so before D seconds after its enqueue time (before it, with no delay): rounding up puts it with the
    /// others of its delay. Which run a message joins decides only speed; a run takes only messages that keep its order.
    /// </summary>
    internal static long DelayOf(in QueueIndex.ColdMessage message) =>
        Math.Max(0, (message.VisibleAt - message.EnqueuedAt + 999) / 1000);

    public void Enqueue(in QueueIndex.ColdMessage message)
    {
        var delay = DelayOf(message);
        Run? run = null;
        Run? idle = null;
        foreach (var candidate in _runs)
        {
            if (candidate.Delay == delay)
            {
                run = candidate;
                break;
            }
            if (candidate.Count == 0 && message.Sequence - candidate.TailSequence > IdleSequences)
            {
                idle ??= candidate;
            }
        }
        if (run is null)
        {
            if (idle is not null)
            {
                run = idle;
                run.Delay = delay;
            }
            else if (_runs.Count < MaxRuns)
            {
                run = new Run(delay);
                _runs.Add(run);
            }
        }
        if (run is null || !run.Accepts(message))
        {
            _heap.Enqueue(message, Key(message));
            return;
        }
        run.Append(message);
        _runCount++;
    }

    /// <summary>The run whose head comes next, or null when the heap's does (or nothing is held).</summary>
    private Run? FirstRun()
    {
        if (_runCount == 0)
        {
            return null;
        }
        Run? first = null;
        foreach (var run in _runs)
        {
            if (run.Count > 0 && (first is null || Key(run.Head).CompareTo(Key(first.Head)) < 0))
            {
                first = run;
            }
        }
        return first is not null && (!_heap.TryPeek(out _, out var heapKey) || Key(first.Head).CompareTo(heapKey) < 0) ? first : null;
    }

    public bool TryPeek(out QueueIndex.ColdMessage message)
    {
        if (FirstRun() is { } run)
        {
            message = run.Head;
            return true;
        }
        return _heap.TryPeek(out message, out _);
    }

    public bool TryDequeue(out QueueIndex.ColdMessage message)
    {
        if (FirstRun() is { } run)
        {
            message = run.TakeHead();
            _runCount--;
            return true;
        }
        return _heap.TryDequeue(out message, out _);
    }

    /// <summary>
    /// How many messages are visible at <paramref name="now"/>, the rest being delayed. Each run is in visible-at order,
    /// so it is counted by its segments' last messages and one binary search; only the heap's messages are walked. A
    /// GetQueueAttributes on a backlog of a million sends thus reads a few hundred entries, not a million.
    /// </summary>
    public int CountVisible(long now)
    {
        var visible = 0;
        foreach (var run in _runs)
        {
            visible += run.CountVisible(now);
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

    /// <summary>
    /// A time no message was enqueued before, so that the retention sweep need not walk a backlog none of which has
    /// expired. A run's messages were enqueued no earlier than their visible-at time less the run's delay (the delay
    /// rounds up), and its head is visible first; the heap's messages are walked.
    /// </summary>
    public long EnqueuedNoEarlierThan()
    {
        var bound = long.MaxValue;
        foreach (var run in _runs)
        {
            if (run.Count > 0)
            {
                bound = Math.Min(bound, run.Head.VisibleAt - (run.Delay * 1000));
            }
        }
        foreach (var (message, _) in _heap.UnorderedItems)
        {
            bound = Math.Min(bound, message.EnqueuedAt);
        }
        return bound;
    }

    /// <summary>Every message, each run's in order, then the heap's in no particular order.</summary>
    public IEnumerable<QueueIndex.ColdMessage> Items
    {
        get
        {
            foreach (var run in _runs)
            {
                foreach (var message in run.Items)
                {
                    yield return message;
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
        // Each run's messages come in order; each goes back where it was.
        foreach (var message in kept)
        {
            Enqueue(message);
        }
        return removed;
    }

    public void Clear()
    {
        _runs.Clear();
        _heap.Clear();
        _runCount = 0;
    }

    /// <summary>The messages of one delay in (visible-at, sequence) order, in segments.</summary>
    private sealed class Run(long delay)
    {
        private readonly Queue<QueueIndex.ColdMessage[]> _segments = new();
        private QueueIndex.ColdMessage[]? _tail;
        private QueueIndex.ColdMessage[]? _spare;
        private int _head;
        private int _tailCount;
        private long _tailSequence;
        private long _tailVisibleAt;

        /// <summary>The delay of every message in the run, in whole seconds (<see cref="DelayOf"/>).</summary>
        public long Delay { get; set; } = delay;

        public int Count { get; private set; }

        public int TailSegmentLength => _tail?.Length ?? 0;

        /// <summary>The sequence of the message last appended (kept when the run empties).</summary>
        public long TailSequence => _tailSequence;

        public ref QueueIndex.ColdMessage Head => ref _segments.Peek()[_head];

        public bool Accepts(in QueueIndex.ColdMessage message) =>
            Count == 0 || (message.VisibleAt >= _tailVisibleAt && message.Sequence > _tailSequence);

        public void Append(in QueueIndex.ColdMessage message)
        {
            if (_tail is null || _tailCount == _tail.Length)
            {
                var length = _tail is null ? FirstSegmentLength : Math.Min(SegmentLength, _tail.Length * 2);
                _tail = _spare is { } spare && spare.Length == length ? spare : new QueueIndex.ColdMessage[length];
                _spare = null;
                _tailCount = 0;
                _segments.Enqueue(_tail);
            }
            _tail[_tailCount++] = message;
            Count++;
            _tailSequence = message.Sequence;
            _tailVisibleAt = message.VisibleAt;
        }

        public QueueIndex.ColdMessage TakeHead()
        {
            var segment = _segments.Peek();
            var message = segment[_head];
            segment[_head] = default;
            _head++;
            Count--;
            if (Count == 0)
            {
                // Empty: a small segment is kept for the next send (a queue whose consumers keep up allocates nothing), a
                // large one goes.
                var keep = segment.Length <= KeptSegmentLength ? segment : null;
                _segments.Clear();
                _tail = keep;
                _spare = null;
                _head = 0;
                _tailCount = 0;
                if (keep is not null)
                {
                    _segments.Enqueue(keep);
                }
            }
            else if (_head == segment.Length)
            {
                // Kept for the tail's next segment, which has its length once the run is past its first segments.
                _spare = _segments.Dequeue();
                _head = 0;
            }
            return message;
        }

        public int CountVisible(long now)
        {
            if (Count == 0)
            {
                return 0;
            }
            if (_tailVisibleAt <= now)
            {
                return Count;
            }
            var visible = 0;
            var left = Count;
            var first = true;
            foreach (var segment in _segments)
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
                // The run's first message not yet visible is in this segment; none after it is visible.
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
                return visible + low - start;
            }
            return visible;
        }

        public IEnumerable<QueueIndex.ColdMessage> Items
        {
            get
            {
                var first = true;
                var left = Count;
                foreach (var segment in _segments)
                {
                    var start = first ? _head : 0;
                    first = false;
                    for (var i = start; i < segment.Length && left > 0; i++, left--)
                    {
                        yield return segment[i];
                    }
                }
            }
        }
    }
}
