using Tideway.Server.Hosting;

[assembly: AssemblyFixture(typeof(Tideway.Compat.Tests.ServerFixture))]

namespace Tideway.Compat.Tests;

/// <summary>
/// One real Tideway host for the whole test assembly: Kestrel on a free loopback port, a SQLite store in
/// a temporary data directory, no credentials (any access key is account 000000000000). Tests use
/// their own queue and log group names, so they do not see each other.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tideway-compat-" + Guid.NewGuid().ToString("N"));

    public TidewayServer Server { get; private set; } = null!;

    public string Endpoint => Server.Endpoint;

    public async ValueTask InitializeAsync()
    {
        Server = new TidewayServer(new TidewayOptions { Port = 0, DataDirectory = _data });
        await Server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>A name no other test uses.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
