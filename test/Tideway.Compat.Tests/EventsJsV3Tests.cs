using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>EventBridge through the AWS SDK for JavaScript v3 (@aws-sdk/client-eventbridge), which maps errors to exception classes by name.</summary>
public sealed class EventsJsV3Tests(ServerFixture server)
{
    [Fact]
    public async Task the_js_v3_sdk_manages_rules_puts_events_tests_patterns_and_maps_errors()
    {
        var run = await ExternalClient.RunAsync("node", [Path.Combine(ExternalClient.JsDirectory, "events.mjs")], server.Endpoint, workingDirectory: ExternalClient.JsDirectory);
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok js events");
    }
}
