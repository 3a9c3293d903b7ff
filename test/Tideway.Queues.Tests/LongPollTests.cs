using Shouldly;
using Tideway.Storage;

namespace Tideway.Queues.Tests;

/// <summary>
/// Long polling. Each test parks a receive on the fake clock (the task is pending and a timer is armed)
/// before the action that should end it, so nothing depends on real time.
/// </summary>
public sealed class LongPollTests : EngineTests
{
    private Task<IReadOnlyList<ReceivedMessage>> LongPollAsync(QueueRecord queue, int? waitSeconds = 20, CancellationToken? cancellationToken = null) =>
        Engine.ReceiveMessageAsync(queue, new ReceiveMessageRequest(MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, AttributeNames: ["ApproximateReceiveCount"]),
            cancellationToken ?? TestContext.Current.CancellationToken);

    [Fact]
    public async Task returns_as_soon_as_a_message_is_sent()
    {
        var queue = await CreateAsync("orders");
        var poll = LongPollAsync(queue);
        await ShouldBeParkedAsync(poll);

        await SendAsync(queue, "hello");

        (await poll).Single().Body.ShouldBe("hello");
        Time.GetUtcNow().ToUnixTimeMilliseconds().ShouldBe(Start);
    }

    [Fact]
    public async Task returns_a_message_already_there_without_waiting()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");

        var poll = LongPollAsync(queue);

        poll.IsCompleted.ShouldBeTrue();
        (await poll).Single().Body.ShouldBe("hello");
    }

    [Fact]
    public async Task returns_empty_when_the_wait_ends()
    {
        var queue = await CreateAsync("orders");
        var poll = LongPollAsync(queue, 5);
        await ShouldBeParkedAsync(poll);

        Advance(4.999);
        await ShouldStillWaitAsync(poll);
        Advance(0.001);

        (await poll).ShouldBeEmpty();
    }

    [Fact]
    public async Task waits_for_the_queue_receive_message_wait_time_when_the_request_names_none()
    {
        var queue = await CreateAsync("orders", ("ReceiveMessageWaitTimeSeconds", "3"));
        var poll = LongPollAsync(queue, waitSeconds: null);
        await ShouldBeParkedAsync(poll);

        Advance(2.999);
        await ShouldStillWaitAsync(poll);
        Advance(0.001);

        (await poll).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_send_to_another_queue_does_not_end_the_wait()
    {
        var orders = await CreateAsync("orders");
        var payments = await CreateAsync("payments");
        var poll = LongPollAsync(orders, 5);
        await ShouldBeParkedAsync(poll);

        await SendAsync(payments, "hello");

        await ShouldStillWaitAsync(poll);
        Advance(5);
        (await poll).ShouldBeEmpty();
    }

    [Fact]
    public async Task wakes_when_a_delayed_message_becomes_visible()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "later", delaySeconds: 5);
        var poll = LongPollAsync(queue);
        await ShouldBeParkedAsync(poll);

        Advance(4.999);
        await ShouldStillWaitAsync(poll);
        Advance(0.001);

        (await poll).Single().Body.ShouldBe("later");
        Time.GetUtcNow().ToUnixTimeMilliseconds().ShouldBe(Start + 5000);
    }

    [Fact]
    public async Task wakes_when_an_in_flight_message_becomes_visible_again()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        await ReceiveOneAsync(queue, visibilityTimeout: 3);
        var poll = LongPollAsync(queue);
        await ShouldBeParkedAsync(poll);

        Advance(3);

        SystemAttribute((await poll).Single(), "ApproximateReceiveCount").ShouldBe("2");
    }

    [Fact]
    public async Task wakes_when_a_visibility_change_makes_a_message_visible()
    {
        var queue = await CreateAsync("orders");
        await SendAsync(queue, "hello");
        var message = await ReceiveOneAsync(queue);
        var poll = LongPollAsync(queue);
        await ShouldBeParkedAsync(poll);

        await Engine.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 0);

        (await poll).Single().MessageId.ShouldBe(message.MessageId);
    }

    [Fact]
    public async Task stop_ends_a_parked_poll_with_an_empty_result()
    {
        var queue = await CreateAsync("orders");
        var poll = LongPollAsync(queue);
        await ShouldBeParkedAsync(poll);

        Engine.Stop();

        (await poll).ShouldBeEmpty();
        Time.GetUtcNow().ToUnixTimeMilliseconds().ShouldBe(Start);
    }

    [Fact]
    public async Task after_stop_a_long_poll_returns_at_once()
    {
        var queue = await CreateAsync("orders");
        Engine.Stop();

        var poll = LongPollAsync(queue);

        poll.IsCompleted.ShouldBeTrue();
        (await poll).ShouldBeEmpty();
    }

    [Fact]
    public async Task cancellation_ends_a_parked_poll()
    {
        var queue = await CreateAsync("orders");
        using var cancel = new CancellationTokenSource();
        var poll = LongPollAsync(queue, cancellationToken: cancel.Token);
        await ShouldBeParkedAsync(poll);

        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(poll);
    }
}
