using System.Collections.Concurrent;

namespace Tideway.Queues;

/// <summary>
/// Wakes long-polling receivers when a queue may have messages. A waiter takes the current wait task
/// before it looks at the queue (armed before the check, so no wake-up is missed); a fire completes it
/// and starts a fresh one. Costs nothing while nobody waits.
/// </summary>
internal sealed class QueueSignals
{
    private readonly ConcurrentDictionary<long, Signal> _signals = new();

    public Task Arm(long queueId) => _signals.GetOrAdd(queueId, static _ => new Signal()).Arm();

    public void Fire(long queueId)
    {
        if (_signals.TryGetValue(queueId, out var signal))
        {
            signal.Fire();
        }
    }

    public void FireAll()
    {
        foreach (var signal in _signals.Values)
        {
            signal.Fire();
        }
    }

    public void Forget(long queueId)
    {
        if (_signals.TryRemove(queueId, out var signal))
        {
            signal.Fire();
        }
    }

    private sealed class Signal
    {
        private TaskCompletionSource? _waiters;

        public Task Arm()
        {
            lock (this)
            {
                return (_waiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }

        public void Fire()
        {
            TaskCompletionSource? waiters;
            lock (this)
            {
                waiters = _waiters;
                _waiters = null;
            }
            waiters?.TrySetResult();
        }
    }
}
