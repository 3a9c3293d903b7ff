using System.Threading.Channels;
using Tideway.Functions;
using Tideway.Logs;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Targets;

/// <summary>
/// Function logs into the CloudWatch Logs engine: lines are queued by the invoke path and written by one
/// background loop, which creates the log group and stream on first use.
/// </summary>
public sealed class FunctionLogWriter : IFunctionLogs, IAsyncDisposable
{
    private readonly LogsEngine _logs;
    private readonly Channel<(string Account, string Region, string Group, string Stream, IReadOnlyList<FunctionLogLine> Lines)> _queue =
        Channel.CreateUnbounded<(string, string, string, string, IReadOnlyList<FunctionLogLine>)>(new UnboundedChannelOptions { SingleReader = true });
    // Streams known to exist; the writes of one drain run concurrently, so this is shared between them.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string, string, string), bool> _known = new();
    private readonly Task _loop;
    private long _pending;

    /// <summary>Starts the writer.</summary>
    public FunctionLogWriter(LogsEngine logs)
    {
        _logs = logs;
        _loop = WriteLoopAsync();
    }

    /// <inheritdoc />
    public void Append(string account, string region, string group, string stream, IReadOnlyList<FunctionLogLine> lines)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite((account, region, group, stream, lines)))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Batches queued and not yet written (tests wait for zero).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Under load many invocations end between two writes: one PutLogEvents per stream takes all of them.
            var batches = new Dictionary<(string Account, string Region, string Group, string Stream), List<FunctionLogLine>>();
            var taken = 0;
            while (taken < 1000 && reader.TryRead(out var item))
            {
                taken++;
                var key = (item.Account, item.Region, item.Group, item.Stream);
                if (!batches.TryGetValue(key, out var lines))
                {
                    batches[key] = lines = [];
                }
                lines.AddRange(item.Lines);
            }
            // The streams are written together, so that their lines share one commit of the store (one after the
            // other, eight busy environments cost eight commits per drain). Each stream is in one write per drain,
            // and the next drain waits for this one: the order within a stream holds.
            var writes = new Task[batches.Count];
            var i = 0;
            foreach (var ((account, region, group, stream), lines) in batches)
            {
                writes[i++] = WriteAsync(account, region, group, stream, lines);
            }
            await Task.WhenAll(writes).ConfigureAwait(false);
            Interlocked.Add(ref _pending, -taken);
        }
    }

    private async Task WriteAsync(string account, string region, string group, string stream, List<FunctionLogLine> lines)
    {
        try
        {
            var scope = new RequestScope(account, region);
            if (_known.TryAdd((account, region, group, stream), true))
            {
                await Ensure(() => _logs.CreateLogGroupAsync(scope, new CreateLogGroupRequest(group))).ConfigureAwait(false);
                await Ensure(() => _logs.CreateLogStreamAsync(scope, new CreateLogStreamRequest(group, stream))).ConfigureAwait(false);
            }
            var events = lines.OrderBy(l => l.Timestamp).Select(l => new InputLogEvent(l.Timestamp, l.Message)).ToList();
            // PutLogEvents takes 10,000 events and 1 MB at most: a large drain goes in several calls.
            var start = 0;
            while (start < events.Count)
            {
                var end = start;
                var bytes = 0;
                while (end < events.Count && end - start < LogsEngine.MaxBatchEvents)
                {
                    var size = System.Text.Encoding.UTF8.GetByteCount(events[end].Message) + LogsEngine.EventOverheadBytes;
                    if (end > start && bytes + size > LogsEngine.MaxBatchBytes)
                    {
                        break;
                    }
                    bytes += size;
                    end++;
                }
                await _logs.PutLogEventsAsync(scope, new PutLogEventsRequest(group, stream, events.GetRange(start, end - start))).ConfigureAwait(false);
                start = end;
            }
        }
        // KeyNotFoundException: the stream was deleted between finding it and appending to it.
        catch (Exception e) when (e is ServiceException or StoreClosedException or IOException or InvalidOperationException or KeyNotFoundException)
        {
            // The group or stream was deleted meanwhile, a batch was refused, or the store is closing: these lines are
            // lost, the loop goes on (and creates the group and stream again next time).
            _known.TryRemove((account, region, group, stream), out _);
        }
    }

    private static async Task Ensure(Func<ValueTask> create)
    {
        try
        {
            await create().ConfigureAwait(false);
        }
        catch (ServiceException e) when (e.Code == "ResourceAlreadyExistsException")
        {
        }
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
