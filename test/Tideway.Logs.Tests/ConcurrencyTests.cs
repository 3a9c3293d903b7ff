using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class ConcurrencyTests : EngineTestBase
{
    [Fact]
    public async Task parallel_uploads_to_one_stream_keep_every_event()
    {
        await GroupAsync();
        await StreamAsync();
        var now = Now;
        await Parallel.ForAsync(0, 8, TestContext.Current.CancellationToken, async (writer, _) =>
        {
            for (var batch = 0; batch < 50; batch++)
            {
                var events = Enumerable.Range(0, 20).Select(i => new InputLogEvent(now - 1000 + i, $"w{writer} b{batch} e{i}")).ToArray();
                await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest("g", "s", events));
            }
        });

        var all = new List<FilteredLogEvent>();
        string? token = null;
        do
        {
            var page = Engine.FilterLogEvents(Scope, new FilterLogEventsRequest("g", Limit: 1000, NextToken: token));
            all.AddRange(page.Events);
            token = page.NextToken;
        }
        while (token is not null);
        all.Count.ShouldBe(8 * 50 * 20);
        all.Select(e => e.EventId).Distinct().Count().ShouldBe(all.Count);
        all.Select(e => e.Timestamp).ShouldBeInOrder();
    }
}
