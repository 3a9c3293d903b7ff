using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// EventBridge delivery end to end through boto3 (scripts/events_delivery.py): PutEvents, a rule, a target, and what the
/// target receives, read back through SQS or CloudWatch Logs.
/// </summary>
public sealed class EventsDeliveryTests(ServerFixture server)
{
    private async Task RunScenario(string scenario)
    {
        var run = await ExternalClient.RunAsync(ExternalClient.PyenvPython, [Path.Combine(ExternalClient.ScriptsDirectory, "events_delivery.py"), scenario], server.Endpoint);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok " + scenario, customMessage: run.ToString());
    }

    /// <summary>The whole event, a constant Input, InputPath $.detail, and InputTransformer with a JSON and with a string template.</summary>
    [Fact]
    public Task each_input_mode_reaches_an_sqs_target() => RunScenario("input-modes");

    /// <summary>A deleted queue and a missing log group are NO_RESOURCE: not retried, the original event goes to the DLQ with the error attributes.</summary>
    [Fact]
    public Task an_undeliverable_event_goes_to_the_dead_letter_queue_with_its_error_attributes() => RunScenario("dead-letter");

    [Fact]
    public Task a_log_group_target_writes_each_event_to_cloudwatch_logs() => RunScenario("logs");

    [Fact]
    public Task an_event_bus_target_forwards_to_a_custom_bus_whose_rule_delivers_to_a_queue() => RunScenario("event-bus");
}
