using Shouldly;
using Tideway.Storage.Memory;

namespace Tideway.Storage.ContractTests;

public sealed class ColdHeapTests
{
    // skew: the engine reads the clock for the visible-at time before the store reads it for the enqueue time.
    private static QueueIndex.ColdMessage Message(long sequence, long enqueuedAt, long delay = 0, long skew = 0) => new()
    {
        Sequence = sequence,
        EnqueuedAt = enqueuedAt,
        SentAt = enqueuedAt - skew,
        VisibleAt = enqueuedAt + delay - skew,
    };

    private static List<long> Drain(ColdHeap heap)
    {
        var sequences = new List<long>();
        while (heap.TryDequeue(out var message))
        {
            sequences.Add(message.Sequence);
        }
        return sequences;
    }

    [Fact]
    public void messages_sent_without_a_delay_are_kept_in_the_run_across_segments_and_come_out_in_sequence_order()
    {
        var heap = new ColdHeap();
        const int count = ColdHeap.SegmentLength * 3 + 5;
        for (var i = 1; i <= count; i++)
        {
            heap.Enqueue(Message(i, 1_000 + i / 100));
        }
        heap.RunCount.ShouldBe(count);
        heap.Count.ShouldBe(count);
        heap.Items.Count().ShouldBe(count);
        Drain(heap).ShouldBe(Enumerable.Range(1, count).Select(i => (long)i));
        heap.Count.ShouldBe(0);
        heap.TryPeek(out _).ShouldBeFalse();
    }

    [Fact]
    public void a_send_whose_clock_reading_is_a_millisecond_behind_the_last_comes_out_in_visible_at_order()
    {
        var heap = new ColdHeap();
        heap.Enqueue(Message(1, 1_001));
        heap.Enqueue(Message(2, 1_000));
        heap.Enqueue(Message(3, 1_001));
        heap.RunCount.ShouldBe(2);
        Drain(heap).ShouldBe([2, 1, 3]);
    }

    [Fact]
    public void after_the_clock_steps_back_new_sends_are_not_held_behind_an_older_message()
    {
        var heap = new ColdHeap();
        heap.Enqueue(Message(1, 100_000));
        heap.Enqueue(Message(2, 50_000));
        heap.Enqueue(Message(3, 50_001));
        heap.TryPeek(out var head).ShouldBeTrue();
        head.Sequence.ShouldBe(2);
        Drain(heap).ShouldBe([2, 3, 1]);
    }

    [Fact]
    public void delayed_messages_go_to_runs_of_their_delay_and_out_of_sequence_ones_to_the_heap_and_all_come_out_by_visible_at_then_sequence()
    {
        var heap = new ColdHeap();
        heap.Enqueue(Message(10, 1_000));
        heap.Enqueue(Message(11, 1_000, delay: 5_000));
        heap.Enqueue(Message(12, 1_100, skew: 1));
        heap.Enqueue(Message(5, 900));
        heap.Enqueue(Message(13, 1_200, delay: 1_000, skew: 2));
        heap.Enqueue(Message(14, 1_600));
        heap.RunCount.ShouldBe(5);
        heap.Runs.ShouldBe(3);
        heap.TryPeek(out var head).ShouldBeTrue();
        head.Sequence.ShouldBe(5);
        Drain(heap).ShouldBe([5, 10, 12, 14, 13, 11]);
    }

    [Fact]
    public void it_claims_in_the_order_of_a_single_heap_under_random_sends_and_claims()
    {
        var random = new Random(20261205);
        var heap = new ColdHeap();
        var reference = new PriorityQueue<long, (long, long)>();
        long clock = 1_000;
        long sequence = 0;
        long sentToRuns = 0;
        var emptied = 0;
        for (var step = 0; step < 50_000; step++)
        {
            clock += random.Next(0, 2);
            // For 3,000 of every 10,000 steps the consumers catch up: the runs empty, keep a segment, and may change hands.
            var drain = step % 10_000 >= 7_000;
            if (!drain && random.Next(0, 3) > 0)
            {
                // Mostly no delay; some with one of two usual delays; a few with any delay (more delays than runs).
                var delay = random.Next(0, 10) switch { 0 => random.Next(1, 200) * 1_000, 1 => 5_000, 2 => 12_000, _ => 0 };
                // The store's clock reading may come a millisecond after the engine's.
                var skew = random.Next(0, 2);
                var message = Message(++sequence, clock + skew, delay, skew);
                var inRuns = heap.RunCount;
                heap.Enqueue(message);
                sentToRuns += heap.RunCount - inRuns;
                reference.Enqueue(message.Sequence, (message.VisibleAt, message.Sequence));
            }
            else
            {
                var had = reference.TryDequeue(out var expected, out _);
                heap.TryDequeue(out var taken).ShouldBe(had);
                if (had)
                {
                    taken.Sequence.ShouldBe(expected);
                }
            }
            heap.Count.ShouldBe(reference.Count);
            emptied += step % 10_000 == 9_999 && heap.Count == 0 ? 1 : 0;
        }
        emptied.ShouldBe(5);
        // Every message of no delay (seven in ten) went to a run, in spite of the skew; the heap took the one-off delays,
        // and a usual one when one-offs took the runs first.
        sentToRuns.ShouldBeGreaterThan(sequence * 7 / 10);
        heap.Items.Select(m => m.Sequence).Order().ShouldBe(reference.UnorderedItems.Select(i => i.Element).Order());
        var rest = new List<long>();
        while (reference.TryDequeue(out var expected, out _))
        {
            rest.Add(expected);
        }
        Drain(heap).ShouldBe(rest);
    }

    [Fact]
    public void items_lists_each_message_once_when_the_head_is_inside_a_segment()
    {
        var heap = new ColdHeap();
        for (var i = 1; i <= 100; i++)
        {
            heap.Enqueue(Message(i, 1_000, delay: i % 10 == 0 ? 50 : 0));
        }
        for (var i = 0; i < 20; i++)
        {
            heap.TryDequeue(out _).ShouldBeTrue();
        }
        var listed = heap.Items.Select(m => m.Sequence).ToList();
        listed.Count.ShouldBe(80);
        listed.Distinct().Count().ShouldBe(80);
        listed.Order().ShouldBe(Drain(heap).Order());
    }

    [Fact]
    public void remove_all_drops_the_matching_messages_and_keeps_the_order_of_the_others()
    {
        var heap = new ColdHeap();
        for (var i = 1; i <= 3_000; i++)
        {
            heap.Enqueue(Message(i, 1_000 + i, delay: i % 7 == 0 ? 10 : 0));
        }
        heap.TryDequeue(out _).ShouldBeTrue();
        heap.RemoveAll(m => m.Sequence % 3 == 0).ShouldBe(1_000);
        heap.RemoveAll(m => m.Sequence < 0).ShouldBe(0);
        var expected = Enumerable.Range(2, 2_999).Where(i => i % 3 != 0)
            .Select(i => (Sequence: (long)i, VisibleAt: 1_000L + i + (i % 7 == 0 ? 10 : 0)))
            .OrderBy(m => m.VisibleAt).ThenBy(m => m.Sequence).Select(m => m.Sequence);
        Drain(heap).ShouldBe(expected);
    }

    [Fact]
    public void a_run_that_empties_starts_again_with_a_small_segment()
    {
        var heap = new ColdHeap();
        for (var i = 1; i <= ColdHeap.SegmentLength * 2; i++)
        {
            heap.Enqueue(Message(i, 1_000));
        }
        heap.TailSegmentLength.ShouldBe(ColdHeap.SegmentLength);
        Drain(heap).Count.ShouldBe(ColdHeap.SegmentLength * 2);
        heap.TailSegmentLength.ShouldBe(0);
        heap.Enqueue(Message(1_000_000, 2_000));
        heap.RunCount.ShouldBe(1);
        heap.TailSegmentLength.ShouldBe(ColdHeap.FirstSegmentLength);
        heap.TryDequeue(out var last).ShouldBeTrue();
        last.Sequence.ShouldBe(1_000_000);
    }

    [Fact]
    public void a_run_that_empties_keeps_its_small_segment_for_the_next_send()
    {
        var heap = new ColdHeap();
        for (var i = 1; i <= 10; i++)
        {
            heap.Enqueue(Message(i, 1_000));
        }
        Drain(heap).Count.ShouldBe(10);
        heap.TailSegmentLength.ShouldBe(ColdHeap.FirstSegmentLength);
        heap.Items.ShouldBeEmpty();
        heap.Enqueue(Message(11, 999));
        heap.RunCount.ShouldBe(1);
        Drain(heap).ShouldBe([11]);
    }

    [Fact]
    public void count_visible_and_the_earliest_enqueue_bound_agree_with_a_walk_of_every_message()
    {
        var random = new Random(20261206);
        var heap = new ColdHeap();
        long clock = 1_000;
        long sequence = 0;
        for (var step = 0; step < 20_000; step++)
        {
            // Mostly sends (the run crosses several segments), some with a delay, a few after the clock stepped back.
            clock += random.Next(0, 3) - (random.Next(0, 500) == 0 ? 40 : 0);
            if (random.Next(0, 5) > 0)
            {
                // The store's clock reading may come a millisecond after the engine's.
                var skew = random.Next(0, 2);
                heap.Enqueue(Message(++sequence, clock + skew, random.Next(0, 10) == 0 ? random.Next(1, 300) * 100 : 0, skew));
            }
            else
            {
                heap.TryDequeue(out _);
            }
            if (step % 97 == 0)
            {
                // The retention sweep's bound: never after the earliest enqueue time, and within a second of it.
                var earliest = heap.Items.Select(m => m.EnqueuedAt).DefaultIfEmpty(long.MaxValue).Min();
                heap.EnqueuedNoEarlierThan().ShouldBeLessThanOrEqualTo(earliest);
                heap.EnqueuedNoEarlierThan().ShouldBeGreaterThan(earliest == long.MaxValue ? long.MaxValue - 1 : earliest - 1_000);
                foreach (var now in new[] { clock - 5_000, clock - 300, clock - 7, clock, clock + 150, clock + 5_000 })
                {
                    heap.CountVisible(now).ShouldBe(heap.Items.Count(m => m.VisibleAt <= now), $"step {step}, now {now - clock} from the clock");
                }
            }
        }
        heap.RunCount.ShouldBeGreaterThan(ColdHeap.SegmentLength * 2);
        Drain(heap);
        heap.CountVisible(clock).ShouldBe(0);
    }

    [Fact]
    public void messages_of_a_queue_with_a_default_delay_are_kept_in_a_run_and_counted_without_a_walk()
    {
        var heap = new ColdHeap();
        const int count = ColdHeap.SegmentLength * 2 + 7;
        static long VisibleAt(int i) => 31_000 + i - (i % 3);
        for (var i = 1; i <= count; i++)
        {
            // Visible up to 2 ms before 30 s after the enqueue time (the engine's clock reading comes first).
            heap.Enqueue(Message(i, 1_000 + i, delay: 30_000, skew: i % 3));
        }
        heap.Enqueue(Message(count + 1, 1_000 + count, skew: 1));
        heap.RunCount.ShouldBe(count + 1);
        heap.Runs.ShouldBe(2);
        // The first message was enqueued at 1,001: the retention sweep's bound is at most that, and within a second.
        heap.EnqueuedNoEarlierThan().ShouldBeInRange(2, 1_001);
        foreach (var now in new long[] { 1_000 + count, 31_100, 31_000 + (ColdHeap.SegmentLength * 3 / 2), 31_000 + count })
        {
            heap.CountVisible(now).ShouldBe(1 + Enumerable.Range(1, count).Count(i => VisibleAt(i) <= now));
        }
        Drain(heap).ShouldBe(new long[] { count + 1 }.Concat(Enumerable.Range(1, count).Select(i => (long)i)));
    }

    [Fact]
    public void delays_past_the_runs_go_to_the_heap_and_an_empty_run_passes_to_another_delay_only_once_idle()
    {
        var heap = new ColdHeap();
        for (var delay = 0; delay <= ColdHeap.MaxRuns; delay++)
        {
            heap.Enqueue(Message(delay + 1, 1_000, delay: delay * 1_000));
        }
        heap.Runs.ShouldBe(ColdHeap.MaxRuns);
        heap.RunCount.ShouldBe(ColdHeap.MaxRuns);
        heap.Count.ShouldBe(ColdHeap.MaxRuns + 1);
        heap.TryDequeue(out var first).ShouldBeTrue();
        first.Sequence.ShouldBe(1);

        // The run of no delay is empty, but its delay was sent a moment ago: a new delay goes to the heap.
        heap.Enqueue(Message(100, 2_000, delay: 60_000));
        heap.RunCount.ShouldBe(ColdHeap.MaxRuns - 1);
        // Once idle, the empty run passes to the new delay, and the delay it had goes to the heap.
        heap.Enqueue(Message(100 + ColdHeap.IdleSequences + 1, 2_000, delay: 60_000));
        heap.RunCount.ShouldBe(ColdHeap.MaxRuns);
        heap.Enqueue(Message(100 + ColdHeap.IdleSequences + 2, 2_000));
        heap.RunCount.ShouldBe(ColdHeap.MaxRuns);
        heap.Runs.ShouldBe(ColdHeap.MaxRuns);
        Drain(heap).ShouldBe([2, 100 + ColdHeap.IdleSequences + 2, 3, 4, 5, 100, 100 + ColdHeap.IdleSequences + 1]);
    }
}
