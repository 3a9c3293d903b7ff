using Shouldly;
using Tideway.Primitives;
using Tideway.Storage;
using Tideway.Storage.Memory;
using Tideway.Testing;

namespace Tideway.Queues.Tests;

/// <summary>
/// An <see cref="SqsEngine"/> over the in-memory store with a hand-moved clock: no test sleeps, and
/// every wait is armed (a long poll parked on a fake timer) before the action that should end it.
/// </summary>
public abstract class EngineTests : IDisposable
{
    protected static readonly RequestScope Scope = new(RequestScope.DefaultAccount, RequestScope.DefaultRegion);

    private static readonly Dictionary<string, string> None = [];

    protected EngineTests()
    {
        Engine = new SqsEngine(Store.Queues, Time);
        Start = Time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    protected ManualTimeProvider Time { get; } = new();

    protected MemoryStore Store { get; } = new();

    protected SqsEngine Engine { get; }

    /// <summary>The clock at the start of the test, Unix milliseconds.</summary>
    protected long Start { get; }

    public void Dispose()
    {
        Engine.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static Dictionary<string, string> Attributes(params (string Name, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);

    protected Task<QueueRecord> CreateAsync(string name, params (string Name, string Value)[] attributes) =>
        Engine.CreateQueueAsync(Scope, name, Attributes(attributes), None);

    protected Task<QueueRecord> CreateFifoAsync(string name, params (string Name, string Value)[] attributes) =>
        Engine.CreateQueueAsync(Scope, name, Attributes([("FifoQueue", "true"), .. attributes]), None);

    protected Task<SendMessageResult> SendAsync(QueueRecord queue, string body, int? delaySeconds = null,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null, string? groupId = null, string? deduplicationId = null) =>
        Engine.SendMessageAsync(Scope, queue, new SendMessageEntry(null, body, delaySeconds, attributes, null, deduplicationId, groupId));

    protected Task<SendMessageResult> SendAsync(QueueRecord queue, SendMessageEntry entry) =>
        Engine.SendMessageAsync(Scope, queue, entry);

    /// <summary>A short poll (WaitTimeSeconds 0) unless the request says otherwise.</summary>
    protected async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(QueueRecord queue, int max = 10, int? visibilityTimeout = null,
        IReadOnlyList<string>? attributeNames = null, IReadOnlyList<string>? messageAttributeNames = null) =>
        await Engine.ReceiveMessageAsync(queue, new ReceiveMessageRequest(max, visibilityTimeout, 0, attributeNames, messageAttributeNames), TestContext.Current.CancellationToken);

    protected async Task<ReceivedMessage> ReceiveOneAsync(QueueRecord queue, int? visibilityTimeout = null, IReadOnlyList<string>? attributeNames = null)
    {
        var messages = await ReceiveAsync(queue, 1, visibilityTimeout, attributeNames);
        messages.Count.ShouldBe(1);
        return messages[0];
    }

    protected static string SystemAttribute(ReceivedMessage message, string name) =>
        message.Attributes.Single(a => a.Key == name).Value;

    protected QueueCounts Counts(QueueRecord queue) => Store.Queues.Count(queue.Id, Time.GetUtcNow().ToUnixTimeMilliseconds());

    protected void Advance(double seconds) => Time.Advance(TimeSpan.FromSeconds(seconds));

    protected IReadOnlyDictionary<string, string> QueueAttributesOf(QueueRecord queue, params string[] names) =>
        Engine.GetQueueAttributes(queue, names).ToDictionary(a => a.Key, a => a.Value);

    /// <summary>Waits (without time passing) until <paramref name="receive"/> is parked on a timer of the fake clock.</summary>
    protected async Task ShouldBeParkedAsync(Task receive)
    {
        for (var i = 0; i < 1_000 && !receive.IsCompleted && Time.PendingTimers == 0; i++)
        {
            await Task.Yield();
        }
        receive.IsCompleted.ShouldBeFalse();
        Time.PendingTimers.ShouldBeGreaterThan(0);
    }

    /// <summary>Lets queued continuations run, then checks that <paramref name="task"/> is still waiting.</summary>
    protected static async Task ShouldStillWaitAsync(Task task)
    {
        for (var i = 0; i < 50; i++)
        {
            await Task.Yield();
        }
        task.IsCompleted.ShouldBeFalse();
    }

    protected static MessageAttributeValue Text(string value) => new("String", value, null);

    protected static MessageAttributeValue Number(string value) => new("Number", value, null);

    protected static MessageAttributeValue Binary(params byte[] value) => new("Binary", null, value);
}

/// <summary>Asserts on the AWS error an engine call reports.</summary>
public static class ServiceErrors
{
    public static async Task<ServiceException> ShouldFailWithAsync(this Task task, string code, string message)
    {
        var error = await Should.ThrowAsync<ServiceException>(task);
        error.Code.ShouldBe(code);
        error.Message.ShouldContain(message);
        return error;
    }

    public static async Task<ServiceException> ShouldFailWithAsync<T>(this Task<T> task, string code, string message) =>
        await ((Task)task).ShouldFailWithAsync(code, message);

    public static ServiceException ShouldFailWith(this Action action, string code, string message)
    {
        var error = Should.Throw<ServiceException>(action);
        error.Code.ShouldBe(code);
        error.Message.ShouldContain(message);
        return error;
    }
}
