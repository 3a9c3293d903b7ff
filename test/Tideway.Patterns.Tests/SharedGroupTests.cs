using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// Clauses that test the same value of the same field join a shared group past a few of them (Automaton.SharedGroups):
/// one group condition is hit for all, and each clause checks it at the end of the event. Every outcome must be what
/// each rule alone gives.
/// </summary>
public sealed class SharedGroupTests
{
    private const int Copies = Automaton.ShareThreshold + 2;

    private static readonly string Folder = SharedData.PathOf("conformance", "eventbridge-patterns", "templates");

    private static List<(string Pattern, string Event)> Corpus()
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 4096 };
        var corpus = new List<(string, string)>();
        foreach (var file in Directory.GetFiles(Folder, "*.json5").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileNameWithoutExtension(file).EndsWith("_EXC", StringComparison.Ordinal))
            {
                continue;
            }

            using var template = JsonDocument.Parse(File.ReadAllBytes(file), options);
            corpus.Add((ConformanceTests.Compact(template.RootElement.GetProperty("EventPattern")), ConformanceTests.Compact(template.RootElement.GetProperty("Event"))));
        }

        foreach (var rule in new[] { "arrayRule1.json", "arrayRule2.json", "arrayRule3.json", "arrayRule4.json" })
        {
            corpus.Add((File.ReadAllText(SharedData.PathOf("bench-data", rule)), "{}"));
        }

        foreach (var @event in new[] { "arrayEvent1.json", "arrayEvent2.json", "arrayEvent3.json", "arrayEvent4.json" })
        {
            corpus.Add(("{\"never-a-field\":[\"x\"]}", File.ReadAllText(SharedData.PathOf("bench-data", @event))));
        }

        return corpus;
    }

    private static void ShouldAgreeWithEachRuleAlone(PatternMatcher<(int Pattern, int Copy)> matcher, List<(string Pattern, string Event)> corpus, EventPattern[] alone, Func<int, int, bool> present)
    {
        foreach (var (_, eventJson) in corpus)
        {
            var bytes = Encoding.UTF8.GetBytes(eventJson);
            var expected = new List<(int, int)>();
            for (var p = 0; p < alone.Length; p++)
            {
                if (alone[p].Matches(bytes))
                {
                    for (var c = 0; c < Copies; c++)
                    {
                        if (present(p, c))
                        {
                            expected.Add((p, c));
                        }
                    }
                }
            }

            matcher.Match(bytes).OrderBy(m => m).ShouldBe(expected.OrderBy(m => m), eventJson);
        }
    }

    [Fact]
    public void every_corpus_rule_added_many_times_matches_every_corpus_event_as_it_does_alone_also_after_removals()
    {
        var corpus = Corpus();
        var alone = corpus.Select(c => EventPattern.Parse(c.Pattern)).ToArray();
        using var matcher = new PatternMatcher<(int Pattern, int Copy)>();
        for (var c = 0; c < Copies; c++)
        {
            for (var p = 0; p < alone.Length; p++)
            {
                matcher.Add((p, c), alone[p]);
            }
        }

        ShouldAgreeWithEachRuleAlone(matcher, corpus, alone, (_, _) => true);

        // The first copies were added before their values were shared, so they are the groups' indexed users.
        for (var p = 0; p < alone.Length; p++)
        {
            for (var c = 0; c < Automaton.ShareThreshold; c++)
            {
                matcher.Remove((p, c)).ShouldBeTrue();
            }
        }

        ShouldAgreeWithEachRuleAlone(matcher, corpus, alone, (_, c) => c >= Automaton.ShareThreshold);

        for (var p = 0; p < alone.Length; p++)
        {
            matcher.Add((p, 0), alone[p]);
            matcher.Remove((p, Copies - 1)).ShouldBeTrue();
        }

        ShouldAgreeWithEachRuleAlone(matcher, corpus, alone, (_, c) => c == 0 || (c >= Automaton.ShareThreshold && c < Copies - 1));
    }

    [Fact]
    public void a_shared_value_inside_an_array_must_still_come_from_the_element_of_the_other_field()
    {
        using var matcher = new PatternMatcher<int>();
        for (var i = 1; i <= Copies; i++)
        {
            matcher.Add(i, $$$"""{"items":{"k":["x"],"v":[{{{i}}}]}}""");
        }

        matcher.Match("""{"items":[{"k":"x","v":1},{"k":"y","v":2}]}"""u8).ShouldBe([1]);
        matcher.Match("""{"items":[{"k":"y","v":1},{"k":"x","v":2}]}"""u8).ShouldBe([2]);
        matcher.Match("""{"items":[{"k":"x","v":3},{"k":"x","v":6}]}"""u8).ShouldBe([3, 6], ignoreOrder: true);
        matcher.Match("""{"items":[{"k":"y","v":3}]}"""u8).ShouldBeEmpty();
    }

    [Fact]
    public void identical_rules_all_match_though_every_value_they_test_is_shared()
    {
        using var matcher = new PatternMatcher<int>();
        for (var i = 0; i < Copies * 2; i++)
        {
            matcher.Add(i, """{"source":["a"],"detail-type":["b"]}""");
        }

        matcher.Match("""{"source":"a","detail-type":"b"}"""u8).Count.ShouldBe(Copies * 2);
        matcher.Match("""{"source":"a","detail-type":"c"}"""u8).ShouldBeEmpty();
        matcher.Match("""{"source":"c","detail-type":"b"}"""u8).ShouldBeEmpty();
    }

    [Fact]
    public void rules_that_share_a_source_match_only_on_their_own_field()
    {
        using var matcher = new PatternMatcher<int>();
        for (var i = 0; i < 1_000; i++)
        {
            matcher.Add(i, i % 2 == 0
                ? $$$"""{"source":["bench.app"],"detail":{"customer":["c{{{i}}}"]}}"""
                : $$$"""{"source":["bench.app"],"detail":{"amount":[{"numeric":[">",{{{100_000 + i}}}]}]}}""");
        }

        matcher.Add(-1, """{"source":["bench.app"],"detail-type":["OrderPlaced"]}""");
        matcher.Match("""{"source":"bench.app","detail-type":"OrderPlaced","detail":{"customer":"c1","amount":5}}"""u8).ShouldBe([-1]);
        matcher.Match("""{"source":"bench.app","detail-type":"Other","detail":{"customer":"c998","amount":100002}}"""u8).ShouldBe([998, 1], ignoreOrder: true);
        matcher.Match("""{"source":"other.app","detail-type":"OrderPlaced","detail":{"customer":"c998","amount":100002}}"""u8).ShouldBeEmpty();
    }

    /// <summary>One rule can form a group by itself: its $or makes a clause per branch, all on the same source.</summary>
    [Fact]
    public void a_rule_whose_or_makes_many_clauses_on_one_value_matches_as_written()
    {
        var pattern = EventPattern.Parse("""{"source":["a"],"$or":[{"x":["1"]},{"x":["2"]},{"x":["3"]},{"x":["4"]},{"x":["5"]},{"x":["6"]}]}""");
        pattern.Matches("""{"source":"a","x":"6"}""").ShouldBeTrue();
        pattern.Matches("""{"source":"a","x":"1"}""").ShouldBeTrue();
        pattern.Matches("""{"source":"b","x":"6"}""").ShouldBeFalse();
        pattern.Matches("""{"source":"a","x":"7"}""").ShouldBeFalse();
        pattern.Matches("""{"x":"6"}""").ShouldBeFalse();
    }

    [Fact]
    public void a_group_goes_with_its_last_member_and_a_later_one_starts_afresh()
    {
        var automaton = new Automaton();
        var clauses = new List<int[]>();
        for (var i = 0; i < Copies; i++)
        {
            clauses.Add(automaton.Add(i, EventPattern.Parse($$$"""{"source":["a"],"x":["{{{i}}}"]}""").Parsed));
        }

        var source = automaton.Root.Find("source"u8)!;
        var shared = source.Shared!["s:a"];
        shared.Users.ShouldBe(Automaton.ShareThreshold);
        shared.Passive.ShouldBe(Copies - Automaton.ShareThreshold);
        shared.Group.ShouldBeGreaterThanOrEqualTo(0);
        source.Values!.FindString("a"u8)!.Count.ShouldBe(Automaton.ShareThreshold + 1);

        // The group's members go: its condition leaves the index; the indexed users stay.
        for (var i = Automaton.ShareThreshold; i < Copies; i++)
        {
            automaton.Remove(clauses[i]);
        }

        shared.Passive.ShouldBe(0);
        shared.Group.ShouldBe(-1);
        source.Values!.FindString("a"u8)!.Count.ShouldBe(Automaton.ShareThreshold);

        // The next clause on the value makes a new group, which matches.
        automaton.Add(99, EventPattern.Parse("""{"source":["a"],"x":["99"]}""").Parsed);
        shared.Group.ShouldBeGreaterThanOrEqualTo(0);
        var context = new MatchContext(automaton);
        context.Run("""{"source":"a","x":"99"}"""u8, 100);
        context.Matches.ToArray().ShouldBe([99]);
        context.Run("""{"source":"b","x":"99"}"""u8, 100);
        context.Matches.ToArray().ShouldBeEmpty();

        for (var i = 0; i < Automaton.ShareThreshold; i++)
        {
            automaton.Remove(clauses[i]);
        }

        shared.Users.ShouldBe(0);
        source.Shared!.ContainsKey("s:a").ShouldBeTrue();
    }
}
