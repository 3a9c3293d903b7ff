using Shouldly;
using Tideway.Primitives;
using Tideway.Storage;
using Tideway.Storage.Memory;
using Tideway.Testing;

namespace Tideway.Logs.Tests;

/// <summary>An engine over the in-memory store with a hand-moved clock.</summary>
public abstract class EngineTestBase
{
    protected const long Minute = 60_000;
    protected const long Hour = 60 * Minute;
    protected const long Day = 24 * Hour;

    protected EngineTestBase()
    {
        Store = new MemoryStore().Logs;
        Engine = new LogsEngine(Store, Clock);
    }

    protected static RequestScope Scope { get; } = new("123456789012", "us-east-1");

    protected ManualTimeProvider Clock { get; } = new();

    protected ILogStore Store { get; }

    protected LogsEngine Engine { get; }

    protected long Now => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    protected async Task GroupAsync(string name = "g", IReadOnlyDictionary<string, string>? tags = null) =>
        await Engine.CreateLogGroupAsync(Scope, new CreateLogGroupRequest(name, tags));

    protected async Task StreamAsync(string group = "g", string stream = "s") =>
        await Engine.CreateLogStreamAsync(Scope, new CreateLogStreamRequest(group, stream));

    protected async Task<PutLogEventsResponse> PutAsync(string group, string stream, params (long Timestamp, string Message)[] events)
    {
        var input = new InputLogEvent[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            input[i] = new InputLogEvent(events[i].Timestamp, events[i].Message);
        }
        return await Engine.PutLogEventsAsync(Scope, new PutLogEventsRequest(group, stream, input));
    }

    protected static async Task<ServiceException> FailsAsync(Func<ValueTask> action) =>
        await Should.ThrowAsync<ServiceException>(async () => await action());

    protected static async Task<ServiceException> FailsAsync<T>(Func<ValueTask<T>> action) =>
        await Should.ThrowAsync<ServiceException>(async () => await action());

    protected static ServiceException Fails(Action action) => Should.Throw<ServiceException>(action);

    protected static void ShouldBe(ServiceException e, string code, string message)
    {
        e.Code.ShouldBe(code);
        e.Message.ShouldBe(message);
    }
}
