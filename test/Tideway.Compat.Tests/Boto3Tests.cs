using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// The whole SQS scenario (scripts/sqs_scenario.py: every operation, errors, long polling, DLQ and
/// redrive, FIFO) through boto3 over both wire protocols.
/// </summary>
public sealed class Boto3Tests(ServerFixture server)
{
    [Fact]
    public async Task every_sqs_operation_works_through_boto3_1_43_over_json()
    {
        var run = await ExternalClient.RunAsync(ExternalClient.PyenvPython, [Path.Combine(ExternalClient.ScriptsDirectory, "sqs_scenario.py")], server.Endpoint);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok 1.43", customMessage: run.ToString());
        run.Stdout.ShouldContain("json");
    }

    [Fact]
    public async Task every_sqs_operation_works_through_boto3_1_26_over_query_xml()
    {
        var run = await ExternalClient.RunAsync(ExternalClient.DebianPython, [Path.Combine(ExternalClient.ScriptsDirectory, "sqs_scenario.py")], server.Endpoint);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok 1.26", customMessage: run.ToString());
        run.Stdout.ShouldContain("query");
    }
}
