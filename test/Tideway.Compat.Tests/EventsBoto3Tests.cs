using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// The whole EventBridge scenario (scripts/events_scenario.py: every operation, its errors, paging, and an event
/// delivered to SQS with its envelope checked) through boto3 1.43 and boto3 1.26, whose service models differ.
/// </summary>
public sealed class EventsBoto3Tests(ServerFixture server)
{
    [Fact]
    public async Task every_eventbridge_operation_works_through_boto3_1_43()
    {
        var run = await ExternalClient.RunAsync(ExternalClient.PyenvPython, [Path.Combine(ExternalClient.ScriptsDirectory, "events_scenario.py")], server.Endpoint);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok 1.43", customMessage: run.ToString());
    }

    [Fact]
    public async Task every_eventbridge_operation_works_through_boto3_1_26()
    {
        var run = await ExternalClient.RunAsync(ExternalClient.DebianPython, [Path.Combine(ExternalClient.ScriptsDirectory, "events_scenario.py")], server.Endpoint);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok 1.26", customMessage: run.ToString());
    }
}
