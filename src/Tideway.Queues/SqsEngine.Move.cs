using System.Collections.Concurrent;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Queues;

public sealed partial class SqsEngine
{
    private readonly ConcurrentDictionary<string, MoveTaskState> _moveTasks = new(StringComparer.Ordinal);

    /// <summary>StartMessageMoveTask: moves a dead-letter queue's messages back to their sources (or to a destination).</summary>
    public MessageMoveTask StartMessageMoveTask(RequestScope scope, string sourceArn, string? destinationArn, int? maxNumberOfMessagesPerSecond)
    {
        var source = FindByArn(sourceArn);
        if (source is null || source.Account != scope.Account)
        {
            throw new ServiceException("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.");
        }
        var (sources, _) = ListDeadLetterSourceQueues(source, null, null);
        if (sources.Count == 0)
        {
            throw new ServiceException("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.");
        }
        QueueRecord? destination = null;
        if (!string.IsNullOrEmpty(destinationArn))
        {
            destination = FindByArn(destinationArn) ?? throw new ServiceException("ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.");
            if (destination.IsFifo != source.IsFifo || destination.Id == source.Id)
            {
                throw new ServiceException("InvalidParameterValue", "Destination queue must be of the same type as the source queue and different from it.");
            }
        }
        if (maxNumberOfMessagesPerSecond is < 1 or > 500)
        {
            throw new ServiceException("InvalidParameterValue",
                $"Value {maxNumberOfMessagesPerSecond} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.");
        }
        foreach (var running in _moveTasks.Values)
        {
            if (running.SourceArn == sourceArn && running.Status == "RUNNING")
            {
                throw new ServiceException("InvalidParameterValue", "There is already a task running. Only one active task is allowed for a source queue arn at a given time.");
            }
        }
        // The messages a move can take (visible ones): those in flight or delayed at the start stay where they are.
        var counts = _store.Count(source.Id, Now);
        var state = new MoveTaskState(Guid.NewGuid().ToString("N"), sourceArn, destinationArn, maxNumberOfMessagesPerSecond,
            counts.Visible, Now);
        _moveTasks[state.Handle] = state;
        // Taken before the run starts: a small move can finish synchronously, and the caller still needs the handle.
        var started = state.ToTask();
        _ = RunMoveAsync(state, source.Id, destination?.Id ?? 0);
        return started;
    }

    private async Task RunMoveAsync(MoveTaskState state, long sourceId, long destinationId)
    {
        try
        {
            var perStep = state.Rate ?? 100;
            while (!state.Cancelling && !_stopping.IsCancellationRequested && state.Moved < state.ToMove)
            {
                var step = (int)Math.Min(perStep, state.ToMove - state.Moved);
                var moved = await _store.MoveAsync(sourceId, destinationId, step, Now).ConfigureAwait(false);
                state.Moved += moved;
                if (moved < step)
                {
                    break;
                }
                if (state.Rate is not null)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, _stopping.Token).ConfigureAwait(false);
                }
            }
            state.Status = state.Cancelling ? "CANCELLED" : "COMPLETED";
        }
        catch (OperationCanceledException)
        {
            state.Status = "CANCELLED";
        }
        catch (KeyNotFoundException)
        {
            state.Status = "FAILED";
            state.FailureReason = "AWS.SimpleQueueService.NonExistentQueue";
        }
        catch (StoreClosedException e)
        {
            state.Status = "FAILED";
            state.FailureReason = e.Message;
        }
        finally
        {
            state.Done.TrySetResult();
        }
    }

    /// <summary>ListMessageMoveTasks: the most recent tasks of a source queue, newest first.</summary>
    public IReadOnlyList<MessageMoveTask> ListMessageMoveTasks(string sourceArn, int? maxResults)
    {
        if (maxResults is < 1 or > 10)
        {
            throw new ServiceException("InvalidParameterValue", $"Value {maxResults} for parameter MaxResults is invalid. Reason: Must be between 1 and 10.");
        }
        if (FindByArn(sourceArn) is null)
        {
            throw new ServiceException("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.");
        }
        var tasks = _moveTasks.Values.Where(t => t.SourceArn == sourceArn).OrderByDescending(t => t.Started).Take(maxResults ?? 1);
        return [.. tasks.Select(t => t.ToTask())];
    }

    /// <summary>CancelMessageMoveTask: returns the number of messages moved so far.</summary>
    public long CancelMessageMoveTask(string taskHandle)
    {
        if (!_moveTasks.TryGetValue(taskHandle, out var state) || state.Status != "RUNNING")
        {
            throw new ServiceException("ResourceNotFoundException", "Task does not exist.");
        }
        state.Cancelling = true;
        state.Status = "CANCELLING";
        return state.Moved;
    }

    /// <summary>Completes when the move task has finished (for tests and shutdown).</summary>
    internal Task MoveTaskDone(string taskHandle) => _moveTasks.TryGetValue(taskHandle, out var state) ? state.Done.Task : Task.CompletedTask;

    private sealed class MoveTaskState(string handle, string sourceArn, string? destinationArn, int? rate, long toMove, long started)
    {
        public string Handle { get; } = handle;

        public string SourceArn { get; } = sourceArn;

        public string? DestinationArn { get; } = destinationArn;

        public int? Rate { get; } = rate;

        public long ToMove { get; } = toMove;

        public long Started { get; } = started;

        public long Moved { get; set; }

        public volatile bool Cancelling;

        public string Status { get; set; } = "RUNNING";

        public string? FailureReason { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MessageMoveTask ToTask() => new(
            Status == "RUNNING" ? Handle : string.Empty, Status, SourceArn, DestinationArn, Rate, Moved, ToMove, FailureReason, Started);
    }
}
