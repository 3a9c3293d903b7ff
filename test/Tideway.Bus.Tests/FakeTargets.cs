using System.Collections.Concurrent;
using System.Text;

namespace Tideway.Bus.Tests;

/// <summary>
/// The engine's target ports as a test double: records what each ARN received, fails ARNs the test marks as
/// failing, and can hold an ARN's deliveries until the test releases them.
/// </summary>
internal sealed class FakeTargets : ITargetPorts
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<string>> _received = [];
    private readonly List<(int Count, string Arn, TaskCompletionSource Reached)> _waits = [];

    public ConcurrentDictionary<string, DeliveryError> Failing { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new();

    public List<(string Queue, string Body, IReadOnlyList<KeyValuePair<string, string>> Attributes)> DeadLetters { get; } = [];

    public int Attempts { get; private set; }

    public ValueTask<DeliveryError?[]> InvokeFunctionAsync(string functionArn, IReadOnlyList<ReadOnlyMemory<byte>> payloads) =>
        DeliverAsync(functionArn, payloads, payloads.Count);

    public string? Validate(TargetKind kind, string arn, Target target) =>
        arn.EndsWith(".fifo", StringComparison.Ordinal) && target.SqsParameters?.MessageGroupId is null ? "Parameter(s) SqsParameters must be specified for target: " + target.Id + "." : null;

    public IReadOnlyList<string> Received(string arn)
    {
        lock (_gate)
        {
            return _received.TryGetValue(arn, out var list) ? [.. list] : [];
        }
    }

    /// <summary>A task that completes once <paramref name="arn"/> has received <paramref name="count"/> bodies (arm it before acting).</summary>
    public Task WhenReceived(string arn, int count)
    {
        lock (_gate)
        {
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Received(arn).Count >= count)
            {
                source.SetResult();
            }
            else
            {
                _waits.Add((count, arn, source));
            }
            return source.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private async ValueTask<DeliveryError?[]> DeliverAsync(string arn, IEnumerable<ReadOnlyMemory<byte>> bodies, int count)
    {
        if (Held.TryGetValue(arn, out var hold))
        {
            await hold.Task.ConfigureAwait(false);
        }
        var errors = new DeliveryError?[count];
        lock (_gate)
        {
            Attempts++;
            if (Failing.TryGetValue(arn, out var error))
            {
                Array.Fill(errors, error);
                return errors;
            }
            if (!_received.TryGetValue(arn, out var list))
            {
                _received[arn] = list = [];
            }
            list.AddRange(bodies.Select(b => Encoding.UTF8.GetString(b.Span)));
            foreach (var wait in _waits.Where(w => w.Arn == arn && list.Count >= w.Count).ToList())
            {
                wait.Reached.SetResult();
                _waits.Remove(wait);
            }
        }
        return errors;
    }

    public ValueTask<DeliveryError?[]> SendToQueueAsync(string queueArn, IReadOnlyList<QueueDelivery> messages) =>
        DeliverAsync(queueArn, messages.Select(m => m.Body), messages.Count);

    public ValueTask<DeliveryError?[]> PutLogEventsAsync(string logGroupArn, IReadOnlyList<LogDelivery> events) =>
        DeliverAsync(logGroupArn, events.Select(e => e.Message), events.Count);

    public async ValueTask<DeliveryError?> SendToDeadLetterQueueAsync(string queueArn, byte[] body, IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        lock (_gate)
        {
            DeadLetters.Add((queueArn, Encoding.UTF8.GetString(body), attributes));
        }
        await DeliverAsync(queueArn, [(ReadOnlyMemory<byte>)body], 1).ConfigureAwait(false);
        return null;
    }
}
