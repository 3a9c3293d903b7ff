using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// <see cref="PatternMatcher{TRule}"/>: rules come and go, a rule of several patterns matches when any
/// does, each rule is reported once, and one writer can change the rules while other threads match.
/// </summary>
public sealed class MatcherTests
{
    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void added_rules_match_and_removed_rules_never_match()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.RuleCount.ShouldBe(0);
        matcher.Add("ec2", """{"source":["aws.ec2"]}""");
        matcher.Add("running", """{"detail":{"state":["running"]}}""");
        matcher.Add("absent", """{"detail":{"error":[{"exists":false}]}}""");
        matcher.RuleCount.ShouldBe(3);

        var eventJson = Utf8("""{"source":"aws.ec2","detail":{"state":"running"}}""");
        matcher.Match(eventJson).ShouldBe(["ec2", "running", "absent"], ignoreOrder: true);

        matcher.Remove("running").ShouldBeTrue();
        matcher.Remove("running").ShouldBeFalse();
        matcher.Remove("never added").ShouldBeFalse();
        matcher.RuleCount.ShouldBe(2);
        matcher.Match(eventJson).ShouldBe(["ec2", "absent"], ignoreOrder: true);

        matcher.Remove("absent").ShouldBeTrue();
        matcher.Match(eventJson).ShouldBe(["ec2"]);
        matcher.Match(Utf8("""{"source":"aws.s3"}""")).ShouldBeEmpty();

        matcher.Remove("ec2").ShouldBeTrue();
        matcher.RuleCount.ShouldBe(0);
        matcher.MatchesAny(eventJson).ShouldBeFalse();
        matcher.CountMatches(eventJson).ShouldBe(0);
    }

    [Fact]
    public void a_removed_rule_added_again_matches_only_its_new_patterns()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("r", """{"a":["old"]}""");
        matcher.Remove("r").ShouldBeTrue();
        matcher.Add("r", """{"a":["new"]}""");
        matcher.Match(Utf8("""{"a":"old"}""")).ShouldBeEmpty();
        matcher.Match(Utf8("""{"a":"new"}""")).ShouldBe(["r"]);
        matcher.RuleCount.ShouldBe(1);
    }

    [Fact]
    public void a_rule_with_several_patterns_matches_when_any_of_them_does()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("r", """{"a":["1"]}""");
        matcher.Add("r", """{"b":[{"prefix":"x"}]}""");
        matcher.Add("r", EventPattern.Parse("""{"c":[{"numeric":[">",10]}]}"""));
        matcher.RuleCount.ShouldBe(1);

        matcher.Match(Utf8("""{"a":"1"}""")).ShouldBe(["r"]);
        matcher.Match(Utf8("""{"b":"xyz"}""")).ShouldBe(["r"]);
        matcher.Match(Utf8("""{"c":11}""")).ShouldBe(["r"]);
        matcher.Match(Utf8("""{"a":"2","b":"y","c":10}""")).ShouldBeEmpty();

        matcher.Remove("r").ShouldBeTrue();
        matcher.Match(Utf8("""{"a":"1","b":"xyz","c":11}""")).ShouldBeEmpty();
    }

    [Fact]
    public void a_rule_is_returned_once_even_when_several_of_its_clauses_match()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("or", """{"$or":[{"a":["1"]},{"b":["2"]},{"a":[{"prefix":"1"}]}]}""");
        matcher.Add("twice", """{"a":["1"]}""");
        matcher.Add("twice", """{"a":["1"]}""");
        matcher.Add("twice", """{"b":[{"exists":true}]}""");
        matcher.Add("alone", """{"z":[{"exists":false}]}""");
        matcher.Add("alone", """{"y":[{"exists":false}]}""");

        var eventJson = Utf8("""{"a":["1","1"],"b":"2"}""");
        var matches = matcher.Match(eventJson);
        matches.ShouldBe(["or", "twice", "alone"], ignoreOrder: true);
        matcher.CountMatches(eventJson).ShouldBe(3);
        matcher.MatchesAny(eventJson).ShouldBeTrue();

        var collected = new List<string>();
        matcher.Match(eventJson, collected);
        collected.ShouldBe(["or", "twice", "alone"], ignoreOrder: true);
    }

    [Fact]
    public void rules_are_compared_with_the_given_comparer()
    {
        using var matcher = new PatternMatcher<string>(StringComparer.OrdinalIgnoreCase);
        matcher.Add("Rule", """{"a":["1"]}""");
        matcher.Add("RULE", """{"a":["2"]}""");
        matcher.RuleCount.ShouldBe(1);
        matcher.Match(Utf8("""{"a":"2"}""")).ShouldBe(["Rule"]);
        matcher.Remove("rule").ShouldBeTrue();
        matcher.Match(Utf8("""{"a":"1"}""")).ShouldBeEmpty();
    }

    [Fact]
    public void an_invalid_pattern_leaves_the_matcher_unchanged()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("r", """{"a":["1"]}""");
        Should.Throw<InvalidEventPatternException>(() => matcher.Add("bad", """{"a":[]}"""));
        Should.Throw<InvalidEventPatternException>(() => matcher.Add("r", """{"a":"1"}"""));
        matcher.RuleCount.ShouldBe(1);
        matcher.Match(Utf8("""{"a":"1"}""")).ShouldBe(["r"]);
    }

    [Fact]
    public void one_pattern_can_be_shared_by_several_matchers_and_rules()
    {
        var pattern = EventPattern.Parse("""{"a":[{"wildcard":"x*z"}]}""");
        using var first = new PatternMatcher<int>();
        using var second = new PatternMatcher<int>();
        first.Add(1, pattern);
        first.Add(2, pattern);
        second.Add(3, pattern);
        first.Remove(1).ShouldBeTrue();

        first.Match(Utf8("""{"a":"xyz"}""")).ShouldBe([2]);
        second.Match(Utf8("""{"a":"xyz"}""")).ShouldBe([3]);
        pattern.Matches("""{"a":"xyz"}""").ShouldBeTrue();
    }

    // ---- multi-segment input -------------------------------------------------------------------------

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    /// <summary>Splits bytes into segments of the given lengths (the last takes the rest).</summary>
    private static ReadOnlySequence<byte> Split(byte[] bytes, params int[] lengths)
    {
        var offset = 0;
        var first = new Segment(bytes.AsMemory(0, Math.Min(lengths[0], bytes.Length)));
        offset += first.Memory.Length;
        var last = first;
        for (var i = 1; i < lengths.Length && offset < bytes.Length; i++)
        {
            var length = Math.Min(lengths[i], bytes.Length - offset);
            last = last.Append(bytes.AsMemory(offset, length));
            offset += length;
        }

        if (offset < bytes.Length)
        {
            last = last.Append(bytes.AsMemory(offset));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [Fact]
    public void a_multi_segment_sequence_gives_the_same_result_as_the_span()
    {
        using var matcher = new PatternMatcher<string>();
        matcher.Add("name", """{"detail":{"name":[{"equals-ignore-case":"ÉCOLE ☃"}]}}""");
        matcher.Add("n", """{"detail":{"n":[{"numeric":[">",1234.5]}]}}""");
        matcher.Add("items", """{"detail":{"items":{"k":["b"],"v":[2]}}}""");
        matcher.Add("missing", """{"detail":{"zzz":[{"exists":false}]}}""");
        matcher.Add("never", """{"detail":{"items":{"k":["a"],"v":[2]}}}""");

        var bytes = Utf8("""{"detail":{"name":"école ☃","n":1234.56,"skip":{"x":[1,2,3,"\"}"]},"items":[{"k":"a","v":1},{"k":"b","v":2}]}}""");
        var expected = matcher.Match(bytes);
        expected.ShouldBe(["name", "n", "items", "missing"], ignoreOrder: true);

        // Every split point, including inside the multi-byte "é" and "☃", inside tokens and escapes.
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var sequence = Split(bytes, cut);
            sequence.IsSingleSegment.ShouldBeFalse();
            var actual = new List<string>();
            matcher.Match(sequence, actual);
            actual.ShouldBe(expected, ignoreOrder: true, "split at " + cut);
        }

        var many = Split(bytes, 1, 2, 3, 5, 8, 13, 21, 34);
        var fromMany = new List<string>();
        matcher.Match(many, fromMany);
        fromMany.ShouldBe(expected, ignoreOrder: true);

        var single = new List<string>();
        matcher.Match(new ReadOnlySequence<byte>(bytes), single);
        single.ShouldBe(expected, ignoreOrder: true);

        var noMatch = Utf8("""{"detail":{"name":"ecole","n":1,"zzz":0}}""");
        var none = new List<string>();
        matcher.Match(Split(noMatch, 7, 7, 7), none);
        none.ShouldBeEmpty();
        matcher.Match(noMatch).ShouldBeEmpty();
    }

    // ---- concurrency -----------------------------------------------------------------------------------

    private const int ChurnRules = 2_000;
    private const int Readers = 2;

    private static readonly string[] StableRules =
    [
        """{"source":["aws.test"]}""",
        """{"detail":{"n":[{"numeric":[">=",0]}]}}""",
        """{"detail":{"s":[{"prefix":"he"}]}}""",
        """{"detail":{"missing":[{"exists":false}]}}""",
        """{"$or":[{"source":["aws.test"]},{"x":["y"]}]}""",
        """{"detail":{"items":{"k":["a"],"v":[1]}}}""",
        """{"detail":{"s":[{"equals-ignore-case":"HELLO"}]}}""",
        """{"detail":{"s":[{"wildcard":"h*o"}],"n":[42]}}""",
    ];

    /// <summary>A churn rule: on the paths the stable rules use, and on a path of its own that the event holds.</summary>
    private static string ChurnPattern(int i)
    {
        var n = i.ToString(CultureInfo.InvariantCulture);
        return (i % 6) switch
        {
            0 => """{"source":["aws.test"],"detail":{"n":[{"numeric":[">",""" + n + "]}]}}",
            1 => """{"detail":{"s":["hello""" + n + "\"]}}",
            2 => """{"detail":{"s":[{"prefix":"h"}],"f""" + n + "\":[" + n + "]}}",
            3 => """{"$or":[{"detail":{"items":{"k":["a"],"v":[""" + n + "]}}},{\"detail\":{\"missing\":[\"" + n + "\"]}}]}",
            4 => """{"detail":{"g""" + n + "\":[{\"exists\":false}],\"s\":[{\"anything-but\":\"x" + n + "\"}]}}",
            _ => """{"f""" + n + "\":[{\"equals-ignore-case\":\"V" + n + "\"}]}",
        };
    }

    private static byte[] ConcurrencyEvent()
    {
        var builder = new StringBuilder("""{"source":"aws.test","detail":{"n":42,"s":"hello","items":[{"k":"a","v":1},{"k":"b","v":2}]""");
        for (var i = 0; i < ChurnRules; i += 4)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            builder.Append(",\"f").Append(n).Append("\":").Append(n);
        }

        builder.Append('}');
        for (var i = 1; i < ChurnRules; i += 2)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            builder.Append(",\"f").Append(n).Append("\":\"v").Append(n).Append('"');
        }

        return Encoding.UTF8.GetBytes(builder.Append('}').ToString());
    }

    [Fact]
    public void readers_match_correctly_while_one_writer_adds_and_removes_2000_rules()
    {
        using var matcher = new PatternMatcher<string>();

        // Rule index 0 never matches the event: a reader that confused a new condition with an old
        // one would most likely report it.
        matcher.Add("sentinel", """{"sentinel":["never"]}""");
        for (var i = 0; i < StableRules.Length; i++)
        {
            matcher.Add("stable" + i, StableRules[i]);
        }

        var eventJson = ConcurrencyEvent();
        var stable = Enumerable.Range(0, StableRules.Length).Select(i => "stable" + i).ToArray();
        matcher.Match(eventJson).ShouldBe(stable, ignoreOrder: true);

        var churnNames = Enumerable.Range(0, ChurnRules).Select(i => "churn" + i).ToHashSet();
        var failures = new ConcurrentQueue<string>();
        var iterations = new int[Readers];
        var writerDone = 0;
        using var start = new Barrier(Readers + 1);
        using var readersRunning = new CountdownEvent(Readers);
        var cancellation = TestContext.Current.CancellationToken;

        void Read(int reader)
        {
            try
            {
                start.SignalAndWait(cancellation);
                var first = true;
                var results = new List<string>();
                while (true)
                {
                    var done = Volatile.Read(ref writerDone) == 1;
                    results.Clear();
                    matcher.Match(eventJson, results);
                    iterations[reader]++;
                    foreach (var name in stable)
                    {
                        if (!results.Contains(name))
                        {
                            failures.Enqueue("missing " + name);
                        }
                    }

                    if (results.Count != results.Distinct().Count())
                    {
                        failures.Enqueue("duplicate in " + string.Join(",", results));
                    }

                    foreach (var name in results)
                    {
                        if (!name.StartsWith("stable", StringComparison.Ordinal) && !churnNames.Contains(name))
                        {
                            failures.Enqueue("unexpected " + name);
                        }
                    }

                    if (first)
                    {
                        first = false;
                        readersRunning.Signal();
                    }

                    if (done)
                    {
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e.ToString());
                if (readersRunning.CurrentCount > 0)
                {
                    readersRunning.Signal();
                }
            }
        }

        var threads = new List<Thread>();
        for (var r = 0; r < Readers; r++)
        {
            var reader = r;
            threads.Add(new Thread(() => Read(reader)) { IsBackground = true, Name = "reader " + reader });
        }

        foreach (var thread in threads)
        {
            thread.Start();
        }

        // The writer: add all, removing every other rule a little behind, then remove the rest but a few.
        void Write()
        {
            try
            {
                start.SignalAndWait(cancellation);
                readersRunning.Wait(cancellation);
                for (var i = 0; i < ChurnRules; i++)
                {
                    matcher.Add("churn" + i, ChurnPattern(i));
                    if (i >= 10 && i % 2 == 0 && !matcher.Remove("churn" + (i - 10)))
                    {
                        failures.Enqueue("could not remove churn" + (i - 10));
                    }
                }

                for (var i = 1; i < ChurnRules - 20; i += 2)
                {
                    if (!matcher.Remove("churn" + i))
                    {
                        failures.Enqueue("could not remove churn" + i);
                    }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue("writer: " + e);
            }
            finally
            {
                Volatile.Write(ref writerDone, 1);
            }
        }

        var writer = new Thread(Write) { IsBackground = true, Name = "writer" };
        writer.Start();
        writer.Join();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        failures.ShouldBeEmpty();
        iterations.ShouldAllBe(count => count >= 2);

        // The final state: the stable rules and the churn rules that were never removed.
        var remaining = new List<string>(stable);
        for (var i = 0; i < ChurnRules; i++)
        {
            var removed = (i % 2 == 0 && i < ChurnRules - 10) || (i % 2 == 1 && i < ChurnRules - 20);
            if (!removed && Matches(ChurnPattern(i), eventJson))
            {
                remaining.Add("churn" + i);
            }
        }

        remaining.Count.ShouldBe(StableRules.Length + 5);
        matcher.Match(eventJson).ShouldBe(remaining, ignoreOrder: true);
        matcher.RuleCount.ShouldBe(1 + StableRules.Length + 15);
    }

    private static bool Matches(string pattern, byte[] eventJson) => EventPattern.Parse(pattern).Matches(eventJson);
}
