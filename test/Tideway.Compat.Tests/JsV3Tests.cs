using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>SQS and Logs through the AWS SDK for JavaScript v3, which checks the MD5 digests of bodies.</summary>
public sealed class JsV3Tests(ServerFixture server)
{
    [Fact]
    public async Task the_js_v3_sdk_sends_receives_and_verifies_digests_and_writes_logs()
    {
        var run = await ExternalClient.RunAsync("node", [Path.Combine(ExternalClient.JsDirectory, "sqs.mjs")], server.Endpoint, workingDirectory: ExternalClient.JsDirectory);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok js");
    }
}
