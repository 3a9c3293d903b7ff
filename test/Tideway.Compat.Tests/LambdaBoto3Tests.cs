using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// Lambda through boto3 1.43 (scripts/lambda_scenario.py): every control-plane operation with its errors, a python3.12
/// function run as a real process (results, errors, timeout, crash, init error, throttle, logs), and the places where
/// Tideway answered otherwise than AWS, one case each (the AWS side from /work/notes/lambda-facts.md).
/// </summary>
public sealed class LambdaBoto3Tests(ServerFixture server)
{
    private static readonly Lock ParityGate = new();
    private static Task<ClientRun>? _parity;

    private Task<ClientRun> Scenario(params string[] arguments) =>
        ExternalClient.RunAsync(ExternalClient.PyenvPython, [Path.Combine(ExternalClient.ScriptsDirectory, "lambda_scenario.py"), .. arguments], server.Endpoint);

    [Fact]
    public async Task every_lambda_operation_works_through_boto3_1_43()
    {
        var run = await Scenario("api");
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok api 1.43", customMessage: run.ToString());
    }

    [Fact]
    public async Task a_python_function_runs_fails_times_out_crashes_throttles_and_logs_through_boto3_1_43()
    {
        var run = await Scenario("invoke");
        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("ok invoke 1.43", customMessage: run.ToString());
    }

    /// <summary>Every parity_* case runs in one process (one boto3 start instead of one per case); each test reads its verdict.</summary>
    private Task<ClientRun> Parity()
    {
        lock (ParityGate)
        {
            return _parity ??= Scenario("parity");
        }
    }

    /// <summary>One parity_* case of the scenario (its docstring says what AWS answers), each a place where Tideway answered otherwise.</summary>
    [Theory]
    [InlineData("invoke_request_id")]
    [InlineData("qualified_configuration")]
    [InlineData("list_items_without_state")]
    [InlineData("missing_event_invoke_config_names_latest")]
    [InlineData("event_invoke_config_of_missing_function")]
    [InlineData("concurrency_of_missing_function")]
    [InlineData("remove_permission_of_missing_function")]
    [InlineData("invalid_principal")]
    [InlineData("invalid_destinations")]
    public async Task answers_as_aws_does(string parityCase)
    {
        var run = await Parity();
        var verdict = run.Stdout.Split('\n').SingleOrDefault(l => l == $"ok parity {parityCase}" || l.StartsWith($"FAIL parity {parityCase}: ", StringComparison.Ordinal));
        verdict.ShouldBe($"ok parity {parityCase}", run.ToString());
    }
}
