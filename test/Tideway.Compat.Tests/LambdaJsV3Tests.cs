using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Lambda through the AWS SDK for JavaScript v3 (@aws-sdk/client-lambda, js/lambda.mjs): nodejs20.x functions with ES
/// module and CommonJS handlers run as real processes, and the control plane with its errors mapped to exception classes.
/// </summary>
public sealed class LambdaJsV3Tests(ServerFixture server)
{
    private Task<ClientRun> Script(string part) =>
        ExternalClient.RunAsync("node", [Path.Combine(ExternalClient.JsDirectory, "lambda.mjs"), part], server.Endpoint, workingDirectory: ExternalClient.JsDirectory);

    [Fact]
    public async Task node_functions_with_esm_and_commonjs_handlers_run_fail_crash_throttle_and_log_through_js_v3()
    {
        var run = await Script("runtime");
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok js lambda runtime", customMessage: run.ToString());
    }

    [Fact]
    public async Task the_js_v3_sdk_manages_functions_and_maps_lambda_errors_to_their_classes()
    {
        var run = await Script("api");
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok js lambda api", customMessage: run.ToString());
    }
}
