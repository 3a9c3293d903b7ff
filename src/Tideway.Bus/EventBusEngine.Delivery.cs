using System.Buffers.Binary;
using System.Threading.Channels;
using Tideway.Storage;
using Tideway.Transform;

namespace Tideway.Bus;

public sealed partial class EventBusEngine
{
    /// <summary>First retry delay; each later retry doubles it, up to <see cref="MaxRetryDelayMs"/>, with jitter.</summary>
    public const long FirstRetryDelayMs = 1_000;

    /// <summary>Longest delay between two attempts.</summary>
    public const long MaxRetryDelayMs = 180_000;

    private readonly Channel<EventBatch> _routes = Channel.CreateUnbounded<EventBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _router;
    private readonly Random _jitter;
    private readonly object _retryGate = new();
    private readonly PriorityQueue<PendingDelivery, (long DueAt, long Id)> _retries = new();
    private ITimer? _retryTimer;
    private long _retryTimerDue = long.MaxValue;
    private int _inFlight;
    private volatile bool _stopping;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long _routingFailures;

    /// <summary>Batches the router failed on (a bug: they stay stored and are routed again at the next start).</summary>
    public long RoutingFailures => Interlocked.Read(ref _routingFailures);

    /// <summary>Deliveries started and not finished (for a drain at shutdown and for tests).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Deliveries waiting for a retry.</summary>
    public int PendingRetries
    {
        get
        {
            lock (_retryGate)
            {
                return _retries.Count;
            }
        }
    }

    /// <summary>Raised after a batch's deliveries have all settled (delivered, waiting for a retry, dead-lettered or dropped).</summary>
    public event Action<long>? BatchSettled;

    private void Enqueue(EventBatch batch) => _routes.Writer.TryWrite(batch);

    private void ResumeDeliveries()
    {
        foreach (var batch in _store.PendingBatches())
        {
            Enqueue(batch);
        }
        foreach (var delivery in _store.PendingDeliveries())
        {
            Schedule(delivery);
        }
    }

    /// <summary>
    /// Set in the header of a batch that a rule's event-bus target put on a bus (beside the ingestion time, which
    /// needs 41 bits). As in EventBridge, such events are delivered to the bus's other targets but never forwarded to a
    /// bus again, so a rule that targets its own bus, or two buses that target each other, cannot loop.
    /// </summary>
    private const long ForwardedBatch = 1L << 62;

    /// <summary>One event of a batch: where its JSON sits in the batch bytes.</summary>
    private readonly record struct EventSlice(int Offset, int Length);

    private static List<EventSlice> Slices(ReadOnlySpan<byte> batch)
    {
        var slices = new List<EventSlice>(10);
        var at = 8;
        while (at + 4 <= batch.Length)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(batch[at..]);
            slices.Add(new EventSlice(at + 4, length));
            at += 4 + length;
        }
        return slices;
    }

    private async Task RouteLoopAsync()
    {
        await Task.Yield();
        var matches = new List<RuleState>();
        var groups = new Dictionary<(RuleState, TargetState), List<int>>();
        while (await _routes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_routes.Reader.TryRead(out var batch))
            {
                try
                {
                    Route(batch, matches, groups);
                }
                catch (Exception e) when (e is StoreClosedException or ObjectDisposedException)
                {
                    // Shutting down: the batch stays stored and is routed again at the next start.
                }
#pragma warning disable CA1031 // The router must outlive a bug in one batch: that batch stays stored and is routed again at the next start.
                catch (Exception)
                {
                    Interlocked.Increment(ref _routingFailures);
                }
#pragma warning restore CA1031
            }
        }
    }

    private void Route(EventBatch batch, List<RuleState> matches, Dictionary<(RuleState, TargetState), List<int>> groups)
    {
        BusState? bus;
        lock (_gate)
        {
            _buses.TryGetValue((batch.Account, batch.Region, batch.Bus), out bus);
        }
        DeliveryGroup[] matched;
        try
        {
            matched = bus is null ? [] : Match(bus, batch.Events, matches, groups);
        }
        catch (ObjectDisposedException) when (!_stopping)
        {
            // The bus was deleted (its matcher disposed) since the batch was accepted: no rule of it is left to match.
            matched = [];
        }
        Dispatch(batch.Id, matched);
    }

    /// <summary>One (rule, target) pair and the events of a batch that go to it.</summary>
    private readonly record struct DeliveryGroup(RuleState Rule, TargetState Target, Delivered[] Events);

    /// <summary>
    /// Matches each event of an encoded batch against the enabled rules of its bus, counts MatchedEvents and
    /// TriggeredRules, and groups the matching events by (rule, target). The events point into the batch's bytes.
    /// </summary>
    private DeliveryGroup[] Match(BusState bus, ReadOnlyMemory<byte> batch, List<RuleState> matches, Dictionary<(RuleState, TargetState), List<int>> groups)
    {
        var bytes = batch.Span;
        var header = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var ingestedAt = header & ~ForwardedBatch;
        var forwarded = header != ingestedAt;
        var slices = Slices(bytes);
        groups.Clear();
        for (var i = 0; i < slices.Count; i++)
        {
            matches.Clear();
            try
            {
                bus.Matcher.Match(bytes.Slice(slices[i].Offset, slices[i].Length), matches);
            }
            catch (Patterns.InvalidEventException)
            {
                // An event the matcher cannot read (e.g. forwarded from a transformer as non-JSON) matches no rule.
                continue;
            }
            if (matches.Count == 0)
            {
                continue;
            }
            var busCounters = Metrics.For(bus.Account, bus.Region, bus.Name, string.Empty);
            BusMetrics.Add(ref busCounters.MatchedEvents);
            foreach (var rule in matches)
            {
                var counters = Metrics.For(bus.Account, bus.Region, bus.Name, rule.Name);
                BusMetrics.Add(ref counters.TriggeredRules);
                foreach (var target in rule.Targets)
                {
                    if (forwarded && target.Kind == TargetKind.EventBus)
                    {
                        continue;
                    }
                    if (!groups.TryGetValue((rule, target), out var events))
                    {
                        groups[(rule, target)] = events = new List<int>(slices.Count);
                    }
                    events.Add(i);
                }
            }
        }
        if (groups.Count == 0)
        {
            return [];
        }
        var result = new DeliveryGroup[groups.Count];
        var g = 0;
        foreach (var ((rule, target), indexes) in groups)
        {
            var events = new Delivered[indexes.Count];
            for (var j = 0; j < indexes.Count; j++)
            {
                var slice = slices[indexes[j]];
                events[j] = new Delivered(batch.Slice(slice.Offset, slice.Length), ingestedAt, 0, 0);
            }
            result[g++] = new DeliveryGroup(rule, target, events);
        }
        groups.Clear();
        return result;
    }

    /// <summary>Starts the deliveries of a stored batch; the batch is forgotten once they have all settled.</summary>
    private void Dispatch(long batchId, DeliveryGroup[] groups)
    {
        if (groups.Length == 0)
        {
            Settle(batchId);
            return;
        }
        var settlement = new BatchSettlement(batchId, groups.Length);
        foreach (var group in groups)
        {
            Interlocked.Increment(ref _inFlight);
            _ = DeliverGroupAsync(group.Rule, group.Target, group.Events, settlement);
        }
    }

    private void Settle(long batchId)
    {
        try
        {
            _store.ForgetBatch(batchId);
        }
        catch (StoreClosedException)
        {
        }
        BatchSettled?.Invoke(batchId);
    }

    private sealed class BatchSettlement(long batchId, int groups)
    {
        private int _remaining = groups;

        public long BatchId { get; } = batchId;

        public bool Done() => Interlocked.Decrement(ref _remaining) == 0;
    }

    /// <summary>One event on its way to one target: the event, its ingestion time, and its retry state.</summary>
    private readonly record struct Delivered(ReadOnlyMemory<byte> Event, long IngestedAt, int Attempts, long DeliveryId);

    private async Task DeliverGroupAsync(RuleState rule, TargetState target, Delivered[] events, BatchSettlement? settlement)
    {
        try
        {
            await AttemptAsync(rule, target, events).ConfigureAwait(false);
            if (settlement is not null && settlement.Done())
            {
                Settle(settlement.BatchId);
            }
        }
        catch (Exception e) when (e is StoreClosedException or ObjectDisposedException)
        {
            // Shutting down: what was not settled is delivered again after the restart.
        }
        finally
        {
            DeliveryFinished();
        }
    }

    /// <summary>A delivery started with <c>_inFlight</c> incremented has ended; the last one at shutdown ends the drain.</summary>
    private void DeliveryFinished()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>One attempt for a group of events: the target invoked, then each failure retried later, dead-lettered or dropped (durably).</summary>
    private async Task AttemptAsync(RuleState rule, TargetState target, Delivered[] events)
    {
        var errors = await InvokeAsync(rule, target, events).ConfigureAwait(false);
        for (var i = 0; i < events.Length; i++)
        {
            var delivered = events[i] with { Attempts = events[i].Attempts + 1 };
            if (errors[i] is { } error)
            {
                await FailedAsync(rule, target, delivered, error).ConfigureAwait(false);
            }
            else if (delivered.DeliveryId != 0)
            {
                _store.ForgetDelivery(delivered.DeliveryId);
            }
        }
    }

    /// <summary>Renders each event's input and invokes the target once for the group; one error (or null) per event.</summary>
    private async Task<DeliveryError?[]> InvokeAsync(RuleState rule, TargetState target, Delivered[] events)
    {
        var errors = new DeliveryError?[events.Length];
        var inputs = new ReadOnlyMemory<byte>[events.Length];
        var ready = new List<int>(events.Length);
        var now = Now;
        var counters = Metrics.For(rule.Bus.Account, rule.Bus.Region, rule.Bus.Name, rule.Name);
        var context = new TransformContext(rule.Arn, rule.Name, string.Empty);
        for (var i = 0; i < events.Length; i++)
        {
            BusMetrics.Add(ref counters.Invocations);
            counters.ObserveLatency(now - events[i].IngestedAt);
            if (target.Input.IsWholeEvent)
            {
                // The stored envelope is the input: no copy.
                inputs[i] = events[i].Event;
                ready.Add(i);
                continue;
            }
            // Events of one group usually share their ingestion time: format it once.
            if (context.IngestionTime.Length == 0 || events[i].IngestedAt != events[i - 1].IngestedAt)
            {
                context = context with { IngestionTime = FormatTime(events[i].IngestedAt) };
            }
            byte[]? output = null;
            string? renderError = null;
            try
            {
                target.Input.TryRender(events[i].Event.Span, context, out output, out renderError);
            }
            catch (System.Text.Json.JsonException e)
            {
                renderError = e.Message;
            }
            if (output is not null)
            {
                inputs[i] = output;
                ready.Add(i);
            }
            else
            {
                errors[i] = new DeliveryError("INVALID_JSON", renderError ?? "The target input could not be rendered.", Retryable: false);
            }
        }
        if (ready.Count == 0)
        {
            return errors;
        }
        DeliveryError?[] outcomes;
        try
        {
            outcomes = target.Kind switch
            {
                TargetKind.Queue => await _ports.SendToQueueAsync(target.Arn, [.. ready.Select(i => new QueueDelivery(inputs[i], EventId(events[i].Event.Span), target.Definition.SqsParameters?.MessageGroupId))]).ConfigureAwait(false),
                TargetKind.LogGroup => await _ports.PutLogEventsAsync(target.Arn, [.. ready.Select(i => new LogDelivery(EventTime(events[i].Event.Span, events[i].IngestedAt), EventId(events[i].Event.Span), inputs[i]))]).ConfigureAwait(false),
                TargetKind.Function => await _ports.InvokeFunctionAsync(target.Arn, [.. ready.Select(i => inputs[i])]).ConfigureAwait(false),
                _ => await ForwardAsync(rule, target, [.. ready.Select(i => inputs[i])]).ConfigureAwait(false),
            };
        }
        catch (Exception e) when (e is not StoreClosedException and not ObjectDisposedException)
        {
            outcomes = [.. ready.Select(_ => (DeliveryError?)new DeliveryError("SDK_CLIENT_ERROR", e.Message, Retryable: true))];
        }
        for (var j = 0; j < ready.Count; j++)
        {
            errors[ready[j]] = outcomes[j];
        }
        return errors;
    }

    /// <summary>
    /// Puts events on another bus, or on the rule's own (same or another account; the target bus's policy must allow the
    /// rule's account). The batch is marked forwarded: its events go to no event-bus target.
    /// </summary>
    private async Task<DeliveryError?[]> ForwardAsync(RuleState rule, TargetState target, ReadOnlyMemory<byte>[] inputs)
    {
        var match = BusArnPattern().Match(target.Arn);
        BusState? destination = null;
        if (match.Success)
        {
            lock (_gate)
            {
                _buses.TryGetValue((match.Groups[2].Value, match.Groups[1].Value, match.Groups[3].Value), out destination);
                if (destination is null && match.Groups[3].Value == DefaultBus)
                {
                    destination = BusOrDefault(match.Groups[2].Value, match.Groups[1].Value, DefaultBus);
                }
            }
        }
        if (destination is null)
        {
            return Fill(inputs.Length, new DeliveryError("NO_RESOURCE", $"Event bus {target.Arn} does not exist.", Retryable: false));
        }
        if (!MayPutEvents(destination, rule.Bus.Account))
        {
            return Fill(inputs.Length, new DeliveryError("NO_PERMISSIONS", $"Account {rule.Bus.Account} is not authorized to put events on {destination.Arn}.", Retryable: false));
        }
        var bytes = new System.Buffers.ArrayBufferWriter<byte>(8 + inputs.Sum(i => i.Length + 4));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.GetSpan(8), Now | ForwardedBatch);
        bytes.Advance(8);
        foreach (var input in inputs)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.GetSpan(4), input.Length);
            bytes.Advance(4);
            System.Buffers.BuffersExtensions.Write(bytes, input.Span);
        }
        var encoded = bytes.WrittenSpan.ToArray();
        var id = await _store.AppendBatchAsync(destination.Account, destination.Region, destination.Name, encoded).ConfigureAwait(false);
        Enqueue(new EventBatch(id, destination.Account, destination.Region, destination.Name, encoded));
        return new DeliveryError?[inputs.Length];
    }

    private static DeliveryError?[] Fill(int count, DeliveryError error)
    {
        var errors = new DeliveryError?[count];
        Array.Fill(errors, error);
        return errors;
    }

    /// <summary>A failed attempt: schedule a retry, or (retries exhausted, or an error retrying cannot fix) dead-letter or drop it.</summary>
    private async Task FailedAsync(RuleState rule, TargetState target, Delivered delivered, DeliveryError error)
    {
        var now = Now;
        string? exhausted = null;
        if (!error.Retryable)
        {
            exhausted = null;
        }
        else if (delivered.Attempts > target.MaximumRetryAttempts)
        {
            exhausted = "MaximumRetryAttempts";
        }
        else if (now - delivered.IngestedAt >= target.MaximumEventAgeMs)
        {
            exhausted = "MaximumEventAgeInSeconds";
        }
        else
        {
            var delay = RetryDelay(delivered.Attempts);
            if (now + delay - delivered.IngestedAt < target.MaximumEventAgeMs)
            {
                var saved = await _store.SaveDeliveryAsync(new PendingDelivery(delivered.DeliveryId, rule.Bus.Account, rule.Bus.Region, rule.Bus.Name, rule.Name, target.Id,
                    delivered.Event, delivered.IngestedAt, delivered.Attempts, now + delay, error.Code, error.Message)).ConfigureAwait(false);
                Schedule(saved);
                return;
            }
            exhausted = "MaximumEventAgeInSeconds";
        }
        var counters = Metrics.For(rule.Bus.Account, rule.Bus.Region, rule.Bus.Name, rule.Name);
        BusMetrics.Add(ref counters.FailedInvocations);
        if (target.DeadLetterArn is { } dlq)
        {
            var attributes = new List<KeyValuePair<string, string>>
            {
                new("RULE_ARN", rule.Arn),
                new("TARGET_ARN", target.Arn),
                new("ERROR_CODE", error.Code),
                new("ERROR_MESSAGE", error.Message),
                new("RETRY_ATTEMPTS", (delivered.Attempts - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            };
            if (exhausted is not null)
            {
                attributes.Add(new("EXHAUSTED_RETRY_CONDITION", exhausted));
            }
            var sent = await _ports.SendToDeadLetterQueueAsync(dlq, delivered.Event.ToArray(), attributes).ConfigureAwait(false);
            BusMetrics.Add(ref sent is null ? ref counters.InvocationsSentToDlq : ref counters.InvocationsFailedToBeSentToDlq);
        }
        else
        {
            BusMetrics.Add(ref counters.DroppedEvents);
        }
        if (delivered.DeliveryId != 0)
        {
            _store.ForgetDelivery(delivered.DeliveryId);
        }
    }

    /// <summary>The delay before the next attempt after <paramref name="attempts"/> attempts: exponential, capped, with jitter (between half and all of it).</summary>
    internal long RetryDelay(int attempts)
    {
        var shift = Math.Min(attempts - 1, 20);
        var delay = Math.Min(FirstRetryDelayMs << shift, MaxRetryDelayMs);
        double factor;
        lock (_jitter)
        {
            factor = 0.5 + (_jitter.NextDouble() / 2);
        }
        return Math.Max(1, (long)(delay * factor));
    }

    private void Schedule(PendingDelivery delivery)
    {
        lock (_retryGate)
        {
            if (_stopping)
            {
                return;
            }
            _retries.Enqueue(delivery, (delivery.DueAt, delivery.Id));
            ArmRetryTimer();
        }
    }

    private void ArmRetryTimer()
    {
        if (!_retries.TryPeek(out _, out var first) || first.DueAt >= _retryTimerDue)
        {
            return;
        }
        _retryTimerDue = first.DueAt;
        var dueIn = TimeSpan.FromMilliseconds(Math.Max(0, first.DueAt - Now));
        _retryTimer ??= _time.CreateTimer(_ => RunDueRetries(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _retryTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
    }

    private void RunDueRetries()
    {
        var due = new List<PendingDelivery>();
        lock (_retryGate)
        {
            _retryTimerDue = long.MaxValue;
            var now = Now;
            while (_retries.TryPeek(out var delivery, out var key) && key.DueAt <= now)
            {
                _retries.Dequeue();
                due.Add(delivery);
            }
            if (!_stopping)
            {
                ArmRetryTimer();
            }
        }
        foreach (var delivery in due)
        {
            RuleState? rule;
            TargetState? target = null;
            lock (_gate)
            {
                rule = _buses.TryGetValue((delivery.Account, delivery.Region, delivery.Bus), out var bus) && bus.Rules.TryGetValue(delivery.Rule, out var r) ? r : null;
                if (rule is not null)
                {
                    foreach (var t in rule.Targets)
                    {
                        if (t.Id == delivery.TargetId)
                        {
                            target = t;
                        }
                    }
                }
            }
            if (rule is null || target is null)
            {
                // The rule or target is gone: nothing to deliver to any more.
                _store.ForgetDelivery(delivery.Id);
                continue;
            }
            Interlocked.Increment(ref _inFlight);
            _ = DeliverGroupAsync(rule, target, [new Delivered(delivery.Event, delivery.IngestedAt, delivery.Attempts, delivery.Id)], null);
        }
    }

    /// <summary>The <c>id</c> of an envelope.</summary>
    private static string EventId(ReadOnlySpan<byte> json) => Field(json, "id"u8) ?? string.Empty;

    /// <summary>The <c>time</c> of an envelope in Unix milliseconds (the ingestion time when unreadable).</summary>
    private static long EventTime(ReadOnlySpan<byte> json, long fallback) =>
        Field(json, "time"u8) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUnixTimeMilliseconds() : fallback;

    private static string? Field(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        var reader = new System.Text.Json.Utf8JsonReader(json, new System.Text.Json.JsonReaderOptions { MaxDepth = MaxDetailDepth + 2 });
        if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
        {
            return null;
        }
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            var isName = reader.ValueTextEquals(name);
            reader.Read();
            if (isName)
            {
                return reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
            }
            reader.Skip();
        }
        return null;
    }

    /// <summary>Stops routing and retrying; waits briefly for deliveries in flight. What is not settled is stored and resumes at the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_retryGate)
        {
            _stopping = true;
            _retryTimer?.Dispose();
        }
        _routes.Writer.TryComplete();
        await _router.ConfigureAwait(false);
        if (InFlight > 0)
        {
            // A target that does not answer must not hold the shutdown: its events stay stored and are delivered again.
            await _drained.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }
}
