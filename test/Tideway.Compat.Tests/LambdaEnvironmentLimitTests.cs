using System.Net;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// A server allowed one execution environment at a time: an idle environment of one function gives its Runtime
/// API address up to another function's invoke.
/// </summary>
public sealed class LambdaEnvironmentLimitTests : IAsyncLifetime
{
    private InProcessLambdaServer _host = null!;

    private static readonly string Bootstrap = LambdaHttp.ShellBootstrap("""  printf '{"function":"%s"}' "$AWS_LAMBDA_FUNCTION_NAME" > "$TMPDIR/out" """);

    public async ValueTask InitializeAsync() => _host = await InProcessLambdaServer.StartAsync("limit", environments: 1);

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private Task<string> CreateAsync(string prefix) => _host.CreateBootstrapFunctionAsync(prefix, Bootstrap);

    [Fact]
    public async Task an_idle_environment_of_another_function_gives_its_address_up()
    {
        var first = await CreateAsync("first");
        var second = await CreateAsync("second");

        var (a, payloadA, _) = await _host.Lambda.InvokeAsync(first, "{}");
        var (b, payloadB, _) = await _host.Lambda.InvokeAsync(second, "{}");
        var (again, payloadAgain, _) = await _host.Lambda.InvokeAsync(first, "{}");

        a.StatusCode.ShouldBe(HttpStatusCode.OK);
        payloadA.GetProperty("function").GetString().ShouldBe(first);
        b.StatusCode.ShouldBe(HttpStatusCode.OK);
        payloadB.GetProperty("function").GetString().ShouldBe(second);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        payloadAgain.GetProperty("function").GetString().ShouldBe(first);
        _host.Server.Functions.Environments().ShouldBe(1);
    }
}
