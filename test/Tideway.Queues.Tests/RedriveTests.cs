using Shouldly;
using Tideway.Storage;

namespace Tideway.Queues.Tests;

/// <summary>Dead-letter queues: redrive on receive, ListDeadLetterSourceQueues, message move tasks.</summary>
public sealed class RedriveTests : EngineTests
{
    private static string Redrive(QueueRecord deadLetters, int maxReceiveCount) =>
        $"{{\"deadLetterTargetArn\":\"{SqsEngine.Arn(deadLetters)}\",\"maxReceiveCount\":{maxReceiveCount}}}";

    /// <summary>A source queue whose messages are visible again at once, redriving to a dead-letter queue after two receives.</summary>
    private async Task<(QueueRecord Source, QueueRecord DeadLetters)> PairAsync(params (string Name, string Value)[] deadLetterAttributes)
    {
        var deadLetters = await CreateAsync("orders-dlq", deadLetterAttributes);
        var source = await CreateAsync("orders", ("VisibilityTimeout", "0"), ("RedrivePolicy", Redrive(deadLetters, 2)));
        return (source, deadLetters);
    }

    /// <summary>Receives until the source gives nothing back (the message moved), at most five times.</summary>
    private async Task<int> ReceiveUntilRedrivenAsync(QueueRecord source)
    {
        for (var receives = 0; receives < 5; receives++)
        {
            if ((await ReceiveAsync(source)).Count == 0)
            {
                return receives;
            }
        }
        throw new ShouldAssertException("the message was never moved to the dead-letter queue");
    }

    [Fact]
    public async Task after_max_receive_count_receives_the_next_receive_moves_the_message_to_the_dead_letter_queue()
    {
        var (source, deadLetters) = await PairAsync();
        var sent = await SendAsync(source, "poison", attributes: new Dictionary<string, MessageAttributeValue> { ["kind"] = Text("order") });

        SystemAttribute(await ReceiveOneAsync(source, attributeNames: ["ApproximateReceiveCount"]), "ApproximateReceiveCount").ShouldBe("1");
        SystemAttribute(await ReceiveOneAsync(source, attributeNames: ["ApproximateReceiveCount"]), "ApproximateReceiveCount").ShouldBe("2");
        (await ReceiveAsync(source)).ShouldBeEmpty();

        Counts(source).ShouldBe(new QueueCounts(0, 0, 0));
        Counts(deadLetters).Visible.ShouldBe(1);
        var moved = (await ReceiveAsync(deadLetters, attributeNames: ["All"], messageAttributeNames: ["All"])).Single();
        moved.MessageId.ShouldBe(sent.MessageId);
        moved.Body.ShouldBe("poison");
        SystemAttribute(moved, "DeadLetterQueueSourceArn").ShouldBe(SqsEngine.Arn(source));
        SystemAttribute(moved, "ApproximateReceiveCount").ShouldBe("1");
        SystemAttribute(moved, "SentTimestamp").ShouldBe(Start.ToString(System.Globalization.CultureInfo.InvariantCulture));
        moved.MessageAttributes.ShouldBe([new KeyValuePair<string, MessageAttributeValue>("kind", Text("order"))]);
    }

    [Fact]
    public async Task a_message_received_fewer_times_is_not_moved()
    {
        var (source, deadLetters) = await PairAsync();
        await SendAsync(source, "fine");

        await ReceiveOneAsync(source);
        var second = await ReceiveOneAsync(source);
        await Engine.DeleteMessageAsync(source, second.ReceiptHandle);

        Counts(source).ShouldBe(new QueueCounts(0, 0, 0));
        Counts(deadLetters).ShouldBe(new QueueCounts(0, 0, 0));
    }

    [Fact]
    public async Task a_long_poll_on_the_dead_letter_queue_wakes_when_a_message_is_moved_there()
    {
        var (source, deadLetters) = await PairAsync();
        await SendAsync(source, "poison");
        await ReceiveOneAsync(source);
        await ReceiveOneAsync(source);
        var poll = Engine.ReceiveMessageAsync(deadLetters, new ReceiveMessageRequest(WaitTimeSeconds: 20), TestContext.Current.CancellationToken);
        await ShouldBeParkedAsync(poll);

        (await ReceiveAsync(source)).ShouldBeEmpty();

        (await poll).Single().Body.ShouldBe("poison");
        Time.GetUtcNow().ToUnixTimeMilliseconds().ShouldBe(Start);
    }

    [Fact]
    public async Task lists_the_source_queues_of_a_dead_letter_queue()
    {
        var (source, deadLetters) = await PairAsync();
        var second = await CreateAsync("payments", ("RedrivePolicy", Redrive(deadLetters, 5)));
        await CreateAsync("unrelated");

        Engine.ListDeadLetterSourceQueues(deadLetters, null, null).Queues.Select(q => q.Id).ShouldBe([source.Id, second.Id]);
        Engine.ListDeadLetterSourceQueues(source, null, null).Queues.ShouldBeEmpty();

        var (page, token) = Engine.ListDeadLetterSourceQueues(deadLetters, 1, null);
        page.Single().Id.ShouldBe(source.Id);
        var (next, last) = Engine.ListDeadLetterSourceQueues(deadLetters, 1, token);
        next.Single().Id.ShouldBe(second.Id);
        last.ShouldBeNull();
    }

    [Fact]
    public async Task a_standard_dead_letter_queue_keeps_the_original_enqueue_time_for_retention()
    {
        var (source, deadLetters) = await PairAsync(("MessageRetentionPeriod", "60"));
        await SendAsync(source, "poison");
        Advance(50);
        (await ReceiveUntilRedrivenAsync(source)).ShouldBe(2);
        Counts(deadLetters).Visible.ShouldBe(1);

        Advance(10.001);

        (await Engine.SweepAsync()).ShouldBe(1);
        Counts(deadLetters).Visible.ShouldBe(0);
    }

    [Fact]
    public async Task a_fifo_dead_letter_queue_restarts_the_enqueue_time_for_retention()
    {
        var deadLetters = await CreateFifoAsync("orders-dlq.fifo", ("MessageRetentionPeriod", "60"));
        var source = await CreateFifoAsync("orders.fifo", ("VisibilityTimeout", "0"), ("RedrivePolicy", Redrive(deadLetters, 1)));
        await SendAsync(source, "poison", groupId: "g", deduplicationId: "d");
        Advance(50);
        (await ReceiveUntilRedrivenAsync(source)).ShouldBe(1);

        Advance(59.999);
        (await Engine.SweepAsync()).ShouldBe(0);
        SystemAttribute((await ReceiveAsync(deadLetters, attributeNames: ["All"])).Single(), "DeadLetterQueueSourceArn").ShouldBe(SqsEngine.Arn(source));
    }

    // ---------------------------------------------------------------- message move tasks

    private async Task<(QueueRecord Source, QueueRecord DeadLetters)> DeadLetteredAsync(int count)
    {
        var (source, deadLetters) = await PairAsync();
        for (var i = 0; i < count; i++)
        {
            await SendAsync(source, $"m{i}");
        }
        for (var receive = 0; receive < 3; receive++)
        {
            await ReceiveAsync(source);
        }
        Counts(deadLetters).Visible.ShouldBe(count);
        return (source, deadLetters);
    }

    /// <summary>Advances the clock one second at a time while the move task waits on it, until it is done.</summary>
    private async Task RunToEndAsync(Task done)
    {
        for (var i = 0; i < 10_000 && !done.IsCompleted; i++)
        {
            if (Time.PendingTimers > 0)
            {
                Advance(1);
            }
            else
            {
                await Task.Yield();
            }
        }
        await done;
    }

    [Fact]
    public async Task a_move_task_moves_messages_back_to_their_source_queue()
    {
        var (source, deadLetters) = await DeadLetteredAsync(3);
        var arn = SqsEngine.Arn(deadLetters);

        var task = Engine.StartMessageMoveTask(Scope, arn, null, null);
        task.TaskHandle.ShouldNotBeNullOrEmpty();
        task.Status.ShouldBe("RUNNING");
        task.ApproximateNumberOfMessagesToMove.ShouldBe(3);
        await Engine.MoveTaskDone(task.TaskHandle);

        var listed = Engine.ListMessageMoveTasks(arn, null).Single();
        listed.Status.ShouldBe("COMPLETED");
        listed.TaskHandle.ShouldBeEmpty();
        listed.SourceArn.ShouldBe(arn);
        listed.DestinationArn.ShouldBeNull();
        listed.ApproximateNumberOfMessagesMoved.ShouldBe(3);
        listed.ApproximateNumberOfMessagesToMove.ShouldBe(3);
        listed.StartedTimestamp.ShouldBe(Start);

        Counts(deadLetters).Visible.ShouldBe(0);
        var back = await ReceiveAsync(source, attributeNames: ["All"]);
        back.Select(m => m.Body).Order(StringComparer.Ordinal).ShouldBe(["m0", "m1", "m2"]);
        back.ShouldAllBe(m => m.Attributes.Any(a => a.Key == "ApproximateReceiveCount" && a.Value == "1"));
        back.ShouldAllBe(m => !m.Attributes.Any(a => a.Key == "DeadLetterQueueSourceArn"));
    }

    [Fact]
    public async Task a_move_task_leaves_a_dead_letter_in_flight_and_counts_only_what_it_can_move()
    {
        var (source, deadLetters) = await DeadLetteredAsync(3);
        var inFlight = (await ReceiveAsync(deadLetters, max: 1, visibilityTimeout: 300)).Single();

        var task = Engine.StartMessageMoveTask(Scope, SqsEngine.Arn(deadLetters), null, null);
        task.ApproximateNumberOfMessagesToMove.ShouldBe(2);
        await Engine.MoveTaskDone(task.TaskHandle);

        var listed = Engine.ListMessageMoveTasks(SqsEngine.Arn(deadLetters), null).Single();
        listed.Status.ShouldBe("COMPLETED");
        listed.ApproximateNumberOfMessagesMoved.ShouldBe(2);
        (await ReceiveAsync(source)).Select(m => m.Body).ShouldNotContain(inFlight.Body);
        await Engine.DeleteMessageAsync(deadLetters, inFlight.ReceiptHandle);
        Counts(deadLetters).ShouldBe(new QueueCounts(0, 0, 0));
    }

    [Fact]
    public async Task a_move_task_moves_messages_to_a_destination()
    {
        var (source, deadLetters) = await DeadLetteredAsync(2);
        var destination = await CreateAsync("replay");

        var task = Engine.StartMessageMoveTask(Scope, SqsEngine.Arn(deadLetters), SqsEngine.Arn(destination), null);
        await Engine.MoveTaskDone(task.TaskHandle);

        Counts(destination).Visible.ShouldBe(2);
        Counts(source).Visible.ShouldBe(0);
        Engine.ListMessageMoveTasks(SqsEngine.Arn(deadLetters), 10).Single().DestinationArn.ShouldBe(SqsEngine.Arn(destination));
    }

    [Fact]
    public async Task a_rate_limited_move_task_runs_on_the_clock_and_allows_one_task_per_source()
    {
        var (source, deadLetters) = await DeadLetteredAsync(3);
        var arn = SqsEngine.Arn(deadLetters);

        var task = Engine.StartMessageMoveTask(Scope, arn, null, 1);

        Engine.ListMessageMoveTasks(arn, 1).Single().ShouldSatisfyAllConditions(
            t => t.Status.ShouldBe("RUNNING"),
            t => t.TaskHandle.ShouldBe(task.TaskHandle),
            t => t.MaxNumberOfMessagesPerSecond.ShouldBe(1),
            t => t.ApproximateNumberOfMessagesMoved.ShouldBe(1));
        ((Action)(() => Engine.StartMessageMoveTask(Scope, arn, null, null))).ShouldFailWith("InvalidParameterValue",
            "There is already a task running. Only one active task is allowed for a source queue arn at a given time.");

        await RunToEndAsync(Engine.MoveTaskDone(task.TaskHandle));

        Engine.ListMessageMoveTasks(arn, 1).Single().Status.ShouldBe("COMPLETED");
        Counts(source).Visible.ShouldBe(3);
        Engine.StartMessageMoveTask(Scope, arn, null, null).TaskHandle.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task cancelling_a_move_task_keeps_the_messages_already_moved()
    {
        var (source, deadLetters) = await DeadLetteredAsync(3);
        var arn = SqsEngine.Arn(deadLetters);
        var task = Engine.StartMessageMoveTask(Scope, arn, null, 1);

        Engine.CancelMessageMoveTask(task.TaskHandle).ShouldBe(1);
        Engine.ListMessageMoveTasks(arn, 1).Single().Status.ShouldBe("CANCELLING");
        await RunToEndAsync(Engine.MoveTaskDone(task.TaskHandle));

        Engine.ListMessageMoveTasks(arn, 1).Single().Status.ShouldBe("CANCELLED");
        Counts(source).Visible.ShouldBe(1);
        Counts(deadLetters).Visible.ShouldBe(2);
        ((Action)(() => Engine.CancelMessageMoveTask(task.TaskHandle))).ShouldFailWith("ResourceNotFoundException", "Task does not exist.");
    }

    [Fact]
    public async Task move_task_errors_name_the_parameter_at_fault()
    {
        var (source, deadLetters) = await DeadLetteredAsync(1);
        var fifo = await CreateFifoAsync("other.fifo");

        ((Action)(() => Engine.StartMessageMoveTask(Scope, SqsEngine.Arn(source), null, null)))
            .ShouldFailWith("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.");
        ((Action)(() => Engine.StartMessageMoveTask(Scope, "arn:aws:sqs:us-east-1:000000000000:missing", null, null)))
            .ShouldFailWith("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.");
        ((Action)(() => Engine.StartMessageMoveTask(Scope, SqsEngine.Arn(deadLetters), "arn:aws:sqs:us-east-1:000000000000:missing", null)))
            .ShouldFailWith("ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.");
        ((Action)(() => Engine.StartMessageMoveTask(Scope, SqsEngine.Arn(deadLetters), SqsEngine.Arn(fifo), null)))
            .ShouldFailWith("InvalidParameterValue", "Destination queue must be of the same type");
        ((Action)(() => Engine.StartMessageMoveTask(Scope, SqsEngine.Arn(deadLetters), null, 501)))
            .ShouldFailWith("InvalidParameterValue", "Value 501 for parameter MaxNumberOfMessagesPerSecond is invalid.");
        ((Action)(() => Engine.ListMessageMoveTasks("arn:aws:sqs:us-east-1:000000000000:missing", null)))
            .ShouldFailWith("ResourceNotFoundException", "SourceArn");
        ((Action)(() => Engine.ListMessageMoveTasks(SqsEngine.Arn(deadLetters), 11)))
            .ShouldFailWith("InvalidParameterValue", "Value 11 for parameter MaxResults is invalid.");
        ((Action)(() => Engine.CancelMessageMoveTask("0123456789abcdef0123456789abcdef")))
            .ShouldFailWith("ResourceNotFoundException", "Task does not exist.");
        Engine.ListMessageMoveTasks(SqsEngine.Arn(deadLetters), 10).ShouldBeEmpty();
    }
}
