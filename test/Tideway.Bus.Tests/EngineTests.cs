using System.Text.Json;
using Shouldly;
using Tideway.Primitives;
using Tideway.Storage.Memory;
using Tideway.Testing;

namespace Tideway.Bus.Tests;

public sealed class EngineTests : IAsyncDisposable
{
    private const string Queue = "arn:aws:sqs:us-east-1:000000000000:orders";
    private const string OtherQueue = "arn:aws:sqs:us-east-1:000000000000:audit";
    private const string Dlq = "arn:aws:sqs:us-east-1:000000000000:dlq";
    private const string Function = "arn:aws:lambda:us-east-1:000000000000:function:on-order";
    private static readonly RequestScope Scope = new("000000000000", "us-east-1");
    private readonly ManualTimeProvider _time = new();
    private readonly MemoryStore _store = new();
    private readonly FakeTargets _targets = new();
    private EventBusEngine _engine;

    public EngineTests()
    {
        _engine = new EventBusEngine(_store.Bus, _targets, _time, new Random(7));
    }

    public async ValueTask DisposeAsync() => await _engine.DisposeAsync();

    private static PutEventsRequestEntry Entry(string source = "my.app", string detail = "{\"orderId\":\"1\",\"amount\":10}", string? bus = null) =>
        new() { Source = source, DetailType = "OrderPlaced", Detail = detail, EventBusName = bus };

    private async Task RuleWithTarget(string target, RetryPolicy? retry = null, string? dlq = null, string pattern = "{\"source\":[\"my.app\"]}", string rule = "r1", string? bus = null)
    {
        await _engine.PutRuleAsync(Scope, rule, pattern, null, null, null, null, null, bus);
        var failures = await _engine.PutTargetsAsync(Scope, rule, bus, [new Target { Id = "t-" + target.Split(':', '/')[^1], Arn = target, RetryPolicy = retry, DeadLetterConfig = dlq is null ? null : new DeadLetterConfig(dlq) }]);
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_matching_event_reaches_the_target_as_the_aws_envelope()
    {
        await RuleWithTarget(Queue);
        var delivered = _targets.WhenReceived(Queue, 1);

        var results = await _engine.PutEventsAsync(Scope, [Entry(detail: "{ \"orderId\" : \"1\",\n \"amount\": 10 }")]);
        await delivered;

        var id = results.ShouldHaveSingleItem().EventId.ShouldNotBeNull();
        _targets.Received(Queue).ShouldHaveSingleItem().ShouldBe(
            $"{{\"version\":\"0\",\"id\":\"{id}\",\"detail-type\":\"OrderPlaced\",\"source\":\"my.app\",\"account\":\"000000000000\",\"time\":\"2026-11-25T12:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{{\"orderId\":\"1\",\"amount\":10}}}}");
    }

    [Fact]
    public async Task a_function_target_is_invoked_with_the_target_input()
    {
        await _engine.PutRuleAsync(Scope, "r1", "{\"source\":[\"my.app\"]}", null, null, null, null, null, null);
        (await _engine.PutTargetsAsync(Scope, "r1", null, [new Target { Id = "f", Arn = Function, InputPath = "$.detail" }])).ShouldBeEmpty();
        var invoked = _targets.WhenReceived(Function, 1);

        await _engine.PutEventsAsync(Scope, [Entry(detail: "{\"orderId\":\"1\"}")]);
        await invoked;

        _targets.Received(Function).ShouldHaveSingleItem().ShouldBe("{\"orderId\":\"1\"}");
    }

    [Fact]
    public async Task entries_fail_alone_with_their_error_codes()
    {
        await RuleWithTarget(Queue);
        var delivered = _targets.WhenReceived(Queue, 1);

        var results = await _engine.PutEventsAsync(Scope, [
            Entry(source: ""),
            new PutEventsRequestEntry { Source = "my.app", Detail = "{}" },
            new PutEventsRequestEntry { Source = "my.app", DetailType = "x" },
            Entry(detail: "[]"),
            Entry(detail: "{\"a\":"),
            Entry(bus: "missing"),
            Entry(),
        ]);
        await delivered;

        results.Select(r => r.ErrorCode).ShouldBe(["InvalidArgument", "InvalidArgument", "InvalidArgument", "MalformedDetail", "MalformedDetail", "ResourceNotFoundException", null]);
        results[0].ErrorMessage.ShouldBe("Parameter Source is not valid. Reason: Source is a required argument.");
        results[3].ErrorMessage.ShouldBe("Detail is malformed.");
        results[6].EventId.ShouldNotBeNull();
        _targets.Received(Queue).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_detail_given_as_utf8_bytes_makes_the_same_event_as_the_same_text()
    {
        await RuleWithTarget(Queue);
        var delivered = _targets.WhenReceived(Queue, 2);
        const string Detail = "{ \"name\" : \"caf\u00e9 \\\"q\\\" \\u00e9\", \"n\": [1, 2.5e3] }";

        var results = await _engine.PutEventsAsync(Scope, [
            Entry(detail: Detail),
            new PutEventsRequestEntry { Source = "my.app", DetailType = "OrderPlaced", DetailUtf8 = System.Text.Encoding.UTF8.GetBytes(Detail) },
        ]);
        await delivered;

        var events = _targets.Received(Queue).Select(text => JsonDocument.Parse(text)).ToList();
        events[0].RootElement.GetProperty("detail").GetRawText().ShouldBe(events[1].RootElement.GetProperty("detail").GetRawText());
        events[1].RootElement.GetProperty("detail").GetProperty("name").GetString().ShouldBe("caf\u00e9 \"q\" \u00e9");
        EventBusEngine.EntrySize(new PutEventsRequestEntry { Source = "s", DetailUtf8 = "{\"é\":1}"u8.ToArray() }).ShouldBe(1 + 8);
        results.ShouldAllBe(r => r.ErrorCode == null);
    }

    [Fact]
    public async Task a_utf8_detail_that_is_not_utf8_or_not_text_is_malformed_not_a_failure()
    {
        var results = await _engine.PutEventsAsync(Scope, [
            new PutEventsRequestEntry { Source = "my.app", DetailType = "x", DetailUtf8 = new byte[] { (byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)':', (byte)'1', (byte)'}' } },
            new PutEventsRequestEntry { Source = "my.app", DetailType = "x", DetailUtf8 = "{\"a\":\"\\ud800\"}"u8.ToArray() },
            Entry(detail: "{\"a\":\"\\ud800\"}"),
            new PutEventsRequestEntry { Source = "my.app", DetailType = "x", DetailUtf8 = Array.Empty<byte>() },
        ]);

        results.Select(r => r.ErrorCode).ShouldBe(["MalformedDetail", "MalformedDetail", "MalformedDetail", "InvalidArgument"]);
    }

    [Fact]
    public async Task a_request_over_256_kb_as_aws_counts_it_is_refused_whole()
    {
        var detail = "{\"a\":\"" + new string('x', 262_144) + "\"}";
        var error = await Should.ThrowAsync<ServiceException>(() => _engine.PutEventsAsync(Scope, [Entry(detail: detail)]));
        error.Code.ShouldBe("ValidationException");
        error.Message.ShouldBe("Total size of the entries in the request is over the limit.");
        EventBusEngine.EntrySize(new PutEventsRequestEntry { Time = DateTimeOffset.UnixEpoch, Source = "é", DetailType = "d", Detail = "{}", Resources = ["r"] }).ShouldBe(14 + 2 + 1 + 2 + 1);
    }

    [Fact]
    public async Task more_than_ten_entries_or_none_are_a_validation_error()
    {
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutEventsAsync(Scope, [.. Enumerable.Repeat(Entry(), 11)]))).Code.ShouldBe("ValidationException");
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutEventsAsync(Scope, []))).Code.ShouldBe("ValidationException");
    }

    [Fact]
    public async Task a_disabled_rule_delivers_nothing_and_an_enabled_one_does_again()
    {
        await RuleWithTarget(Queue);
        await RuleWithTarget(OtherQueue, rule: "r2");
        await _engine.SetRuleStateAsync(Scope, "r1", null, enabled: false);
        var other = _targets.WhenReceived(OtherQueue, 1);

        await _engine.PutEventsAsync(Scope, [Entry()]);
        await other;
        _targets.Received(Queue).ShouldBeEmpty();

        await _engine.SetRuleStateAsync(Scope, "r1", null, enabled: true);
        var delivered = _targets.WhenReceived(Queue, 1);
        await _engine.PutEventsAsync(Scope, [Entry()]);
        await delivered;
    }

    [Fact]
    public async Task a_failing_target_is_retried_with_backoff_until_it_succeeds()
    {
        _targets.Failing[Queue] = new DeliveryError("THROTTLING", "slow down", Retryable: true);
        await RuleWithTarget(Queue);
        await _engine.PutEventsAsync(Scope, [Entry()]);
        await WaitUntil(() => _engine.PendingRetries == 1);
        _targets.Attempts.ShouldBe(1);

        _time.Advance(TimeSpan.FromMilliseconds(EventBusEngine.FirstRetryDelayMs));
        _targets.Attempts.ShouldBe(2);
        _engine.PendingRetries.ShouldBe(1);

        _targets.Failing.Clear();
        _time.Advance(TimeSpan.FromMilliseconds(2 * EventBusEngine.FirstRetryDelayMs));
        _targets.Received(Queue).Count.ShouldBe(1);
        _engine.PendingRetries.ShouldBe(0);
        _store.Bus.PendingDeliveries().ShouldBeEmpty();
    }

    [Fact]
    public async Task exhausted_retries_send_the_original_event_to_the_dead_letter_queue_with_the_error_attributes()
    {
        _targets.Failing[Queue] = new DeliveryError("THROTTLING", "slow down", Retryable: true);
        await RuleWithTarget(Queue, retry: new RetryPolicy(2, null), dlq: Dlq);
        var results = await _engine.PutEventsAsync(Scope, [Entry()]);
        await WaitUntil(() => _engine.PendingRetries == 1);

        _time.Advance(TimeSpan.FromMinutes(5));

        _targets.Attempts.ShouldBe(4); // three attempts at the target, one at the queue
        var (queue, body, attributes) = _targets.DeadLetters.ShouldHaveSingleItem();
        queue.ShouldBe(Dlq);
        JsonDocument.Parse(body).RootElement.GetProperty("id").GetString().ShouldBe(results[0].EventId);
        var map = attributes.ToDictionary(p => p.Key, p => p.Value);
        map["RULE_ARN"].ShouldBe("arn:aws:events:us-east-1:000000000000:rule/r1");
        map["TARGET_ARN"].ShouldBe(Queue);
        map["ERROR_CODE"].ShouldBe("THROTTLING");
        map["ERROR_MESSAGE"].ShouldBe("slow down");
        map["EXHAUSTED_RETRY_CONDITION"].ShouldBe("MaximumRetryAttempts");
        map["RETRY_ATTEMPTS"].ShouldBe("2");
        _engine.Metrics.Snapshot().Single(m => m.Rule == "r1").InvocationsSentToDlq.ShouldBe(1);
    }

    [Fact]
    public async Task an_error_that_retrying_cannot_fix_skips_the_retries()
    {
        _targets.Failing[Queue] = new DeliveryError("NO_RESOURCE", "The queue does not exist.", Retryable: false);
        var dead = _targets.WhenReceived(Dlq, 1);
        await RuleWithTarget(Queue, dlq: Dlq);

        await _engine.PutEventsAsync(Scope, [Entry()]);
        await dead;

        var map = _targets.DeadLetters.ShouldHaveSingleItem().Attributes.ToDictionary(p => p.Key, p => p.Value);
        map["RETRY_ATTEMPTS"].ShouldBe("0");
        map["ERROR_CODE"].ShouldBe("NO_RESOURCE");
        map.ShouldNotContainKey("EXHAUSTED_RETRY_CONDITION");
        _engine.PendingRetries.ShouldBe(0);
    }

    [Fact]
    public async Task an_event_older_than_the_maximum_age_is_dropped_and_counted_without_a_dead_letter_queue()
    {
        _targets.Failing[Queue] = new DeliveryError("THROTTLING", "slow down", Retryable: true);
        await RuleWithTarget(Queue, retry: new RetryPolicy(185, 60));
        await _engine.PutEventsAsync(Scope, [Entry()]);
        await WaitUntil(() => _engine.PendingRetries == 1);

        _time.Advance(TimeSpan.FromMinutes(2));

        _engine.PendingRetries.ShouldBe(0);
        _targets.DeadLetters.ShouldBeEmpty();
        var metrics = _engine.Metrics.Snapshot().Single(m => m.Rule == "r1");
        metrics.FailedInvocations.ShouldBe(1);
        metrics.DroppedEvents.ShouldBe(1);
    }

    [Fact]
    public async Task a_slow_target_does_not_delay_another_target_and_its_batch_stays_stored_until_it_has_it()
    {
        // A target other than a queue: the batch is stored and delivered behind the answer.
        var hold = new TaskCompletionSource();
        _targets.Held[Function] = hold;
        await RuleWithTarget(Function);
        await RuleWithTarget(Queue, rule: "r2");
        var queued = _targets.WhenReceived(Queue, 1);

        await _engine.PutEventsAsync(Scope, [Entry()]);
        await queued;
        _targets.Received(Function).ShouldBeEmpty();
        _store.Bus.PendingBatches().Count.ShouldBe(1);

        var slow = _targets.WhenReceived(Function, 1);
        hold.SetResult();
        await slow;
        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
    }

    [Fact]
    public async Task events_not_settled_before_a_restart_are_delivered_after_it()
    {
        _targets.Held[Function] = new TaskCompletionSource();
        await RuleWithTarget(Function);
        await _engine.PutEventsAsync(Scope, [Entry(), Entry()]);
        _store.Bus.PendingBatches().Count.ShouldBe(1);

        // The old engine's held delivery never completes; a new engine over the same store routes the batch again.
        _targets.Held.Clear();
        var delivered = _targets.WhenReceived(Function, 2);
        _engine = new EventBusEngine(_store.Bus, _targets, _time, new Random(7));
        await delivered;
        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
    }

    [Fact]
    public async Task a_stored_batch_of_a_bus_deleted_before_a_restart_is_forgotten_undelivered()
    {
        await _engine.CreateEventBusAsync(Scope, "gone", null, null, null, null, null);
        _targets.Held[Function] = new TaskCompletionSource();
        await RuleWithTarget(Function, bus: "gone");
        await _engine.PutEventsAsync(Scope, [Entry(bus: "gone")]);
        // Routed, its delivery held (a batch the router reaches after the deletion is forgotten at once).
        await WaitUntil(() => _engine.InFlight == 1);
        await _engine.DeleteEventBusAsync(Scope, "gone");
        // The old engine's delivery is held: the batch is still stored when the new engine starts.
        _store.Bus.PendingBatches().ShouldHaveSingleItem();

        _targets.Held.Clear();
        _engine = new EventBusEngine(_store.Bus, _targets, _time, new Random(7));
        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
        _targets.Received(Function).ShouldBeEmpty();
    }

    [Fact]
    public async Task put_events_answers_once_the_batch_is_stored_without_waiting_for_a_queue_target()
    {
        var hold = new TaskCompletionSource();
        _targets.Held[Queue] = hold;
        await RuleWithTarget(Queue);
        await RuleWithTarget(OtherQueue, rule: "r2");
        var other = _targets.WhenReceived(OtherQueue, 1);

        // The held queue has not got its event when the answer comes: the batch is the durable copy until it has.
        (await _engine.PutEventsAsync(Scope, [Entry(), Entry(source: "matches.nothing")]).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).ShouldAllBe(r => r.EventId != null);
        _store.Bus.PendingBatches().ShouldHaveSingleItem();
        await other;
        _targets.Received(Queue).ShouldBeEmpty();

        var held = _targets.WhenReceived(Queue, 1);
        hold.SetResult();
        await held;
        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
        var metrics = _engine.Metrics.Snapshot().Single(m => m.Rule == "r1");
        metrics.TriggeredRules.ShouldBe(1);
        metrics.Invocations.ShouldBe(1);
    }

    [Fact]
    public async Task a_failed_queue_delivery_is_saved_for_its_retry_and_its_batch_forgotten()
    {
        _targets.Failing[Queue] = new DeliveryError("THROTTLING", "slow down", Retryable: true);
        await RuleWithTarget(Queue);

        await _engine.PutEventsAsync(Scope, [Entry()]);

        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
        _engine.PendingRetries.ShouldBe(1);
        _store.Bus.PendingDeliveries().ShouldHaveSingleItem().Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task pending_retries_survive_a_restart()
    {
        _targets.Failing[Queue] = new DeliveryError("THROTTLING", "slow down", Retryable: true);
        await RuleWithTarget(Queue);
        await _engine.PutEventsAsync(Scope, [Entry()]);
        await WaitUntil(() => _engine.PendingRetries == 1);
        await _engine.DisposeAsync();

        _targets.Failing.Clear();
        _engine = new EventBusEngine(_store.Bus, _targets, _time, new Random(7));
        _engine.PendingRetries.ShouldBe(1);
        _time.Advance(TimeSpan.FromSeconds(2));
        _targets.Received(Queue).Count.ShouldBe(1);
    }

    [Fact]
    public async Task the_input_transformer_shapes_what_the_target_receives()
    {
        await _engine.PutRuleAsync(Scope, "r1", "{\"source\":[\"my.app\"]}", null, null, null, null, null, null);
        await _engine.PutTargetsAsync(Scope, "r1", null, [new Target
        {
            Id = "t1",
            Arn = Queue,
            InputTransformer = new InputTransformer(new Dictionary<string, string> { ["order"] = "$.detail.orderId" }, "\"Order <order> by <aws.events.rule-name>\""),
        }]);
        var delivered = _targets.WhenReceived(Queue, 1);
        await _engine.PutEventsAsync(Scope, [Entry()]);
        await delivered;
        _targets.Received(Queue).ShouldHaveSingleItem().ShouldBe("\"Order 1 by r1\"");
    }

    [Fact]
    public async Task rules_and_targets_follow_the_aws_limits_and_rules()
    {
        await RuleWithTarget(Queue);
        (await Should.ThrowAsync<ServiceException>(() => _engine.DeleteRuleAsync(Scope, "r1", null, false))).Message.ShouldBe("Rule can't be deleted since it has targets.");
        var six = Enumerable.Range(0, 6).Select(i => new Target { Id = "x" + i, Arn = Queue }).ToList();
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutTargetsAsync(Scope, "r1", null, six))).Code.ShouldBe("LimitExceededException");
        var destination = await Should.ThrowAsync<ServiceException>(() => _engine.PutTargetsAsync(Scope, "r1", null, [new Target { Id = "d", Arn = "arn:aws:events:us-east-1:000000000000:api-destination/d/1" }]));
        destination.Code.ShouldBe("ValidationException");
        destination.Message.ShouldContain("API destinations are not a supported target yet");
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutTargetsAsync(Scope, "r1", null, [new Target { Id = "q", Arn = Queue + ".fifo" }]))).Message
            .ShouldBe("Parameter(s) SqsParameters must be specified for target: q.");
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutTargetsAsync(Scope, "nope", null, [new Target { Id = "q", Arn = Queue }]))).Message
            .ShouldBe("Rule nope does not exist on EventBus default.");
        (await Should.ThrowAsync<ServiceException>(() => _engine.DeleteEventBusAsync(Scope, "default"))).Message.ShouldBe("Cannot delete event bus default.");
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutRuleAsync(Scope, "s", null, "rate(1 minutes)", null, null, null, null, null))).Message.ShouldBe("Parameter ScheduleExpression is not valid.");
        await _engine.PutRuleAsync(Scope, "s", null, "rate(5 minutes)", null, null, null, null, null);
        (await _engine.RemoveTargetsAsync(Scope, "r1", null, ["t-orders", "ghost"], false)).ShouldHaveSingleItem().TargetId.ShouldBe("ghost");
        await _engine.DeleteRuleAsync(Scope, "r1", null, false);
    }

    [Fact]
    public async Task another_account_may_put_events_on_a_bus_only_when_its_policy_allows_it()
    {
        await _engine.CreateEventBusAsync(Scope, "shared", null, null, null, null, null);
        await RuleWithTarget(Queue, bus: "shared");
        var other = new RequestScope("111111111111", "us-east-1");
        var arn = "arn:aws:events:us-east-1:000000000000:event-bus/shared";

        (await _engine.PutEventsAsync(other, [Entry(bus: arn)])).Single().ErrorCode.ShouldBe("AccessDeniedException");

        await _engine.PutPermissionAsync(Scope, "shared", "events:PutEvents", "111111111111", "allow-other", null, null);
        var delivered = _targets.WhenReceived(Queue, 1);
        (await _engine.PutEventsAsync(other, [Entry(bus: arn)])).Single().ErrorCode.ShouldBeNull();
        await delivered;
        JsonDocument.Parse(_targets.Received(Queue)[0]).RootElement.GetProperty("account").GetString().ShouldBe("111111111111");
        _engine.DescribeEventBus(Scope, "shared").Policy!.ShouldContain("arn:aws:iam::111111111111:root");

        await _engine.RemovePermissionAsync(Scope, "shared", "allow-other", false);
        (await _engine.PutEventsAsync(other, [Entry(bus: arn)])).Single().ErrorCode.ShouldBe("AccessDeniedException");
    }

    [Fact]
    public async Task an_event_bus_target_forwards_the_event_and_its_rules_deliver_it()
    {
        await _engine.CreateEventBusAsync(Scope, "downstream", null, null, null, null, null);
        await RuleWithTarget(Queue, bus: "downstream");
        await RuleWithTarget("arn:aws:events:us-east-1:000000000000:event-bus/downstream");
        var delivered = _targets.WhenReceived(Queue, 1);

        var id = (await _engine.PutEventsAsync(Scope, [Entry()]))[0].EventId;
        await delivered;

        JsonDocument.Parse(_targets.Received(Queue)[0]).RootElement.GetProperty("id").GetString().ShouldBe(id);
    }

    [Fact]
    public async Task a_rule_that_targets_its_own_bus_delivers_the_forwarded_event_once_more_and_stops()
    {
        // As in EventBridge, an event that arrived through an event-bus target is never forwarded to a bus again (a
        // fuzzing run had this rule fill a queue with 65 million messages).
        await _engine.PutRuleAsync(Scope, "r1", "{\"source\":[\"my.app\"]}", null, null, null, null, null, null);
        (await _engine.PutTargetsAsync(Scope, "r1", null, [
            new Target { Id = "self", Arn = "arn:aws:events:us-east-1:000000000000:event-bus/default" },
            new Target { Id = "q", Arn = Queue },
        ])).ShouldBeEmpty();

        await _engine.PutEventsAsync(Scope, [Entry()]);

        // A forward is stored before the batch it came from settles, so once none is left no forward is on its way.
        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
        _targets.Received(Queue).Count.ShouldBe(2);
    }

    [Fact]
    public async Task two_buses_that_target_each_other_pass_an_event_across_once()
    {
        await _engine.CreateEventBusAsync(Scope, "b", null, null, null, null, null);
        await _engine.PutRuleAsync(Scope, "to-b", "{\"source\":[\"my.app\"]}", null, null, null, null, null, null);
        (await _engine.PutTargetsAsync(Scope, "to-b", null, [
            new Target { Id = "b", Arn = "arn:aws:events:us-east-1:000000000000:event-bus/b" },
            new Target { Id = "q", Arn = Queue },
        ])).ShouldBeEmpty();
        await _engine.PutRuleAsync(Scope, "to-a", "{\"source\":[\"my.app\"]}", null, null, null, null, null, "b");
        (await _engine.PutTargetsAsync(Scope, "to-a", "b", [
            new Target { Id = "a", Arn = "arn:aws:events:us-east-1:000000000000:event-bus/default" },
            new Target { Id = "q", Arn = OtherQueue },
        ])).ShouldBeEmpty();

        await _engine.PutEventsAsync(Scope, [Entry()]);

        await WaitUntil(() => _store.Bus.PendingBatches().Count == 0);
        _targets.Received(Queue).Count.ShouldBe(1);
        _targets.Received(OtherQueue).Count.ShouldBe(1);
    }

    [Fact]
    public void test_event_pattern_answers_like_the_api()
    {
        const string Event = "{\"id\":\"1\",\"source\":\"my.app\",\"detail-type\":\"x\",\"account\":\"000000000000\",\"region\":\"us-east-1\",\"time\":\"2026-11-25T12:00:00Z\",\"resources\":[],\"detail\":{}}";
        EventBusEngine.TestEventPattern("{\"source\":[\"my.app\"]}\n", Event).ShouldBeTrue();
        EventBusEngine.TestEventPattern("{\"source\":[\"other\"]}", Event).ShouldBeFalse();
        Should.Throw<ServiceException>(() => EventBusEngine.TestEventPattern("{\"int\": 42}", Event)).Code.ShouldBe("InvalidEventPatternException");
        Should.Throw<ServiceException>(() => EventBusEngine.TestEventPattern("{\"source\":[\"a\"]}", "\"plain\"")).Message.ShouldBe("Parameter Event is not valid.");
    }

    [Fact]
    public async Task strings_that_are_not_unicode_text_in_a_condition_or_a_test_event_are_invalid_input()
    {
        // Escaped surrogates with no pair: reading them threw, and the APIs answered 500 (a review finding).
        using var condition = JsonDocument.Parse("{\"Type\":\"\\ud800\",\"Key\":\"aws:PrincipalOrgID\",\"Value\":\"o-1\"}");
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutPermissionAsync(Scope, null, "events:PutEvents", "111111111111", "s1", condition.RootElement, null)))
            .Code.ShouldBe("ValidationException");

        const string Fields = "\"account\":\"000000000000\",\"source\":\"my.app\",\"time\":\"2026-11-25T12:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail-type\":\"x\"";
        // Without "id" the look-up for it reads every member name, the unreadable one too.
        Should.Throw<ServiceException>(() => EventBusEngine.TestEventPattern("{\"source\":[\"my.app\"]}", "{\"\\ud800\":1," + Fields + ",\"detail\":{}}"))
            .Message.ShouldBe("Parameter Event is not valid.");
        EventBusEngine.TestEventPattern("{\"source\":[\"my.app\"]}", "{\"\\ud800\":1,\"id\":\"1\"," + Fields + ",\"detail\":{}}").ShouldBeTrue();
        EventBusEngine.TestEventPattern("{\"source\":[\"my.app\"]}", "{\"id\":\"1\"," + Fields + ",\"detail\":{\"a\":\"\\ud800\"}}").ShouldBeTrue();
    }

    [Theory]
    [InlineData("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"events:PutEvents\",\"Resource\":\"\\ud800\"}}")]
    [InlineData("{\"Version\":\"2012-10-17\",\"\\udc00\":1,\"Statement\":[]}")]
    public async Task a_policy_holding_a_string_that_is_not_unicode_text_is_refused_before_it_is_stored(string policy)
    {
        // Reading it threw (a 500), or, stored, made every later PutPermission and RemovePermission on the bus throw.
        (await Should.ThrowAsync<ServiceException>(() => _engine.PutPermissionAsync(Scope, null, null, null, null, null, policy)))
            .Message.ShouldContain("not Unicode text");
    }

    [Fact]
    public async Task statements_added_to_a_policy_set_whole_keep_its_statements_whatever_their_shape()
    {
        // One statement as an object, with a Sid that is not a string: PutPermission dropped the first and threw on the second.
        await _engine.PutPermissionAsync(Scope, null, null, null, null, null,
            "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":5,\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:root\"},\"Action\":\"events:PutEvents\",\"Resource\":\"*\"}}");
        await _engine.PutPermissionAsync(Scope, null, "events:PutEvents", "111111111111", "allow-other", null, null);

        var policy = _engine.DescribeEventBus(Scope, null).Policy!;
        policy.ShouldContain("222222222222");
        policy.ShouldContain("allow-other");
        await _engine.RemovePermissionAsync(Scope, null, "allow-other", false);
        _engine.DescribeEventBus(Scope, null).Policy!.ShouldContain("222222222222");
        (await Should.ThrowAsync<ServiceException>(() => _engine.RemovePermissionAsync(Scope, null, "5", false))).Code.ShouldBe("ResourceNotFoundException");
    }

    [Fact]
    public void retry_delays_grow_exponentially_with_jitter_and_a_cap()
    {
        for (var attempt = 1; attempt < 30; attempt++)
        {
            var full = Math.Min(EventBusEngine.FirstRetryDelayMs << Math.Min(attempt - 1, 20), EventBusEngine.MaxRetryDelayMs);
            _engine.RetryDelay(attempt).ShouldBeInRange(full / 2, full);
        }
    }

    /// <summary>Waits for background delivery (which runs on the thread pool) to reach a state; fails after 10 s.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!condition())
        {
            Environment.TickCount64.ShouldBeLessThan(deadline, "the engine did not reach the expected state");
            await Task.Yield();
        }
    }
}
