using Tideway.Server.Hosting;

namespace Tideway.Compat.Tests;

/// <summary>A server in the test's process on port 0 with a temporary data directory, and a Lambda client for it.</summary>
internal sealed class InProcessLambdaServer : IAsyncDisposable
{
    private readonly string _data;

    private InProcessLambdaServer(string data, TidewayServer server)
    {
        _data = data;
        Server = server;
        Lambda = new LambdaHttp(server.Endpoint);
    }

    public TidewayServer Server { get; }

    /// <summary>The server's data directory.</summary>
    public string DataDirectory => _data;

    public LambdaHttp Lambda { get; }

    /// <summary>Creates a <c>provided.al2023</c> function whose package holds <paramref name="bootstrap"/> alone; returns its name.</summary>
    public Task<string> CreateBootstrapFunctionAsync(string prefix, string bootstrap) => Lambda.CreateBootstrapFunctionAsync(prefix, bootstrap);

    /// <summary>Starts a server; <paramref name="environments"/> caps its execution environments (0: the default).</summary>
    public static async Task<InProcessLambdaServer> StartAsync(string prefix, int environments = 0)
    {
        var data = Path.Combine(Path.GetTempPath(), $"tideway-{prefix}-" + Guid.NewGuid().ToString("N"));
        var options = new TidewayOptions { Port = 0, DataDirectory = data };
        var server = new TidewayServer(environments > 0 ? options with { FunctionEnvironments = environments } : options);
        await server.StartAsync();
        return new InProcessLambdaServer(data, server);
    }

    public async ValueTask DisposeAsync()
    {
        Lambda.Dispose();
        await Server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }
}
