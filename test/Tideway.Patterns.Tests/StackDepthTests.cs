using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>The deepest events and patterns the engine accepts fit in a small thread stack; deeper ones fail cleanly.</summary>
public sealed class StackDepthTests
{
    private static string Nested(int depth, string leaf) =>
        new StringBuilder().Insert(0, "{\"k\":", depth).Append(leaf).Append('}', depth).ToString();

    private static T OnSmallStack<T>(Func<T> action, int stackSize = 512 * 1024)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        }, maxStackSize: stackSize);
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw error;
        }

        return result;
    }

    // 1 MB in the Release build that CI and the server run; unoptimized Debug frames are larger, and the
    // same depth needs about twice the stack there.
#if DEBUG
    private const int DeepStack = 2 * 1024 * 1024;
#else
    private const int DeepStack = 1024 * 1024;
#endif

    [Fact]
    public void patterns_and_events_1100_levels_deep_match_on_a_1_mb_stack()
    {
        const int depth = 1100;
        var pattern = OnSmallStack(() => EventPattern.Parse(Nested(depth, "[\"x\"]")), DeepStack);
        var @event = Encoding.UTF8.GetBytes(Nested(depth, "\"x\""));
        OnSmallStack(() => pattern.Matches(@event), DeepStack).ShouldBeTrue();
    }

    [Fact]
    public void a_stack_too_small_for_the_event_gives_invalid_event_not_a_crash()
    {
        var depth = MatchContext.MaxDepth - 1;
        var pattern = EventPattern.Parse(Nested(depth, "[\"x\"]"));
        var @event = Encoding.UTF8.GetBytes(Nested(depth, "\"x\""));
        Should.Throw<InvalidEventException>(() => OnSmallStack(() => pattern.Matches(@event), 160 * 1024));
    }

    [Fact]
    public void a_subtree_100000_levels_deep_that_no_rule_mentions_is_skipped_without_recursion()
    {
        var pattern = EventPattern.Parse("{\"s\":[\"x\"]}");
        var @event = Encoding.UTF8.GetBytes("{\"deep\":" + Nested(100_000, "1") + ",\"s\":\"x\"}");
        OnSmallStack(() => pattern.Matches(@event)).ShouldBeTrue();
    }

    [Fact]
    public void a_pattern_nested_100000_levels_is_refused_not_overflowed()
    {
        var error = Should.Throw<InvalidEventPatternException>(() => OnSmallStack(() => EventPattern.Parse(Nested(100_000, "[\"x\"]"))));
        error.Message.ShouldStartWith(InvalidEventPatternException.MessagePrefix);
        Should.Throw<InvalidEventPatternException>(() => OnSmallStack(() => EventPattern.Parse(new string('[', 100_000))));
    }
}
