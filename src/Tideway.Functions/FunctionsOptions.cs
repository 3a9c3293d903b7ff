namespace Tideway.Functions;

/// <summary>Settings of the function runtime.</summary>
public sealed class FunctionsOptions
{
    /// <summary>Where code is unpacked and environments get their folders (outside the data directory; removed at shutdown).</summary>
    public required string RuntimeRoot { get; init; }

    /// <summary>The Runtime API addresses (the server's).</summary>
    public required IRuntimeEndpoints Endpoints { get; init; }

    /// <summary>How long an idle environment is kept warm.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a runtime may take to ask for its first invocation (AWS: 10 s).</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The account's concurrent executions (AWS's default quota: 1,000).</summary>
    public int ConcurrentExecutions { get; init; } = 1000;

    /// <summary>Environments run as users of their own when the server can switch users (root); see <see cref="FunctionUsers"/>.</summary>
    public bool SeparateUsers { get; init; } = true;

    /// <summary>How environments get their users (set by the engine; null: they run as the server's user).</summary>
    internal FunctionUsers? Users { get; set; }

    /// <summary>
    /// Folders no function may see (the server's data directory): covered in the namespaces of a server not run as
    /// root (see <see cref="FunctionSandbox"/>); a root server's are closed to the environments' users by their modes.
    /// </summary>
    public IReadOnlyList<string> HiddenFolders { get; init; } = [];

    /// <summary>The namespaces environments start in when the server is not root (set by the engine; null: none).</summary>
    internal FunctionSandbox? Sandbox { get; set; }

    /// <summary>The base URL of the server, for GetFunction's code location.</summary>
    public string Endpoint { get; set; } = "http://127.0.0.1:4566";
}
