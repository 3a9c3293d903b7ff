using System.Globalization;
using System.Net;
using Tideway.Storage.Sqlite;
using YamlDotNet.RepresentationModel;

namespace Tideway.Server.Hosting;

/// <summary>One access key the server accepts.</summary>
/// <param name="AccessKeyId">The access key id.</param>
/// <param name="SecretAccessKey">The secret.</param>
/// <param name="Account">The account the key acts in.</param>
public sealed record Credential(string AccessKeyId, string SecretAccessKey, string Account);

/// <summary>
/// The server's configuration, from (lowest to highest precedence) defaults, <c>tideway.yaml</c>,
/// <c>TIDEWAY_*</c> environment variables and command-line flags. Validated by <see cref="Validate"/>.
/// </summary>
public sealed record TidewayOptions
{
    /// <summary>Port (4566, the port local AWS emulation uses; 0 picks a free one).</summary>
    public int Port { get; init; } = 4566;

    /// <summary>Address to bind.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Data directory, or <c>:memory:</c> for a store that keeps nothing.</summary>
    public string DataDirectory { get; init; } = "./.tideway";

    /// <summary>How hard SQLite commits push to disk.</summary>
    public SqliteDurability Durability { get; init; } = SqliteDurability.Process;

    /// <summary>Configured credentials (from tideway.yaml and the data directory's credentials file).</summary>
    public IReadOnlyList<Credential> Credentials { get; init; } = [];

    /// <summary>Allow a non-loopback bind without credentials (not recommended; says so at start).</summary>
    public bool AllowAnonymousNetwork { get; init; }

    /// <summary>Where the configuration file was read from, or null.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>How often retention sweeps run.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Execution environments that may run at once (one Runtime API port each).</summary>
    public int FunctionEnvironments { get; init; } = 64;

    /// <summary>How long an idle execution environment stays warm.</summary>
    public TimeSpan FunctionIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>True when the store keeps nothing on disk.</summary>
    public bool InMemory => DataDirectory == ":memory:";

    /// <summary>True when the bind address is a loopback address (or <c>localhost</c>).</summary>
    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Throws <see cref="ArgumentException"/> with a message fit for the console when the configuration cannot work.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"--port {Port} is out of range: use 0 to 65535 (0 picks a free port).");
        }
        if (FunctionEnvironments is < 1 or > 4096)
        {
            throw new ArgumentException($"--function-environments {FunctionEnvironments} is out of range: use 1 to 4096.");
        }
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _))
        {
            throw new ArgumentException($"--host {Host} is not an IP address or 'localhost'.");
        }
        if (!IsLoopback && Credentials.Count == 0 && !AllowAnonymousNetwork)
        {
            throw new ArgumentException(
                $"Refusing to listen on {Host} with no credentials configured: anyone who can reach this port could use every API. " +
                "Add credentials (./tideway credentials add, or 'credentials:' in tideway.yaml), or bind to 127.0.0.1.");
        }
        foreach (var credential in Credentials)
        {
            if (credential.Account.Length != 12 || !credential.Account.All(char.IsAsciiDigit))
            {
                throw new ArgumentException($"Credential {credential.AccessKeyId}: account '{credential.Account}' must be 12 digits.");
            }
        }
    }

    /// <summary>Overlays the settings of a <c>tideway.yaml</c> file.</summary>
    public TidewayOptions WithYaml(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }
        var options = this with { ConfigFile = Path.GetFullPath(path) };
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return options;
        }
        var credentials = new List<Credential>(options.Credentials);
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            var scalar = (valueNode as YamlScalarNode)?.Value;
            switch (key)
            {
                case "port":
                    options = options with { Port = int.Parse(scalar!, CultureInfo.InvariantCulture) };
                    break;
                case "host":
                    options = options with { Host = scalar! };
                    break;
                case "data":
                    options = options with { DataDirectory = scalar! };
                    break;
                case "durability":
                    options = options with { Durability = ParseDurability(scalar!) };
                    break;
                case "allowAnonymousNetwork":
                    options = options with { AllowAnonymousNetwork = scalar == "true" };
                    break;
                case "credentials" when valueNode is YamlSequenceNode list:
                    foreach (var item in list.Children.OfType<YamlMappingNode>())
                    {
                        string? Get(string name) => item.Children.TryGetValue(new YamlScalarNode(name), out var v) ? (v as YamlScalarNode)?.Value : null;
                        credentials.Add(new Credential(
                            Get("accessKeyId") ?? throw new ArgumentException($"{path}: a credential needs accessKeyId"),
                            Get("secretAccessKey") ?? throw new ArgumentException($"{path}: a credential needs secretAccessKey"),
                            Get("account") ?? "000000000000"));
                    }
                    break;
                default:
                    throw new ArgumentException($"{path}: unknown setting '{key}' (known: port, host, data, durability, credentials, allowAnonymousNetwork).");
            }
        }
        return options with { Credentials = credentials };
    }

    /// <summary>Overlays <c>TIDEWAY_PORT</c>, <c>TIDEWAY_HOST</c>, <c>TIDEWAY_DATA</c>, <c>TIDEWAY_DURABILITY</c>.</summary>
    public TidewayOptions WithEnvironment(Func<string, string?> get)
    {
        var options = this;
        if (get("TIDEWAY_PORT") is { } port)
        {
            options = options with { Port = int.Parse(port, CultureInfo.InvariantCulture) };
        }
        if (get("TIDEWAY_HOST") is { } host)
        {
            options = options with { Host = host };
        }
        if (get("TIDEWAY_DATA") is { } data)
        {
            options = options with { DataDirectory = data };
        }
        if (get("TIDEWAY_DURABILITY") is { } durability)
        {
            options = options with { Durability = ParseDurability(durability) };
        }
        return options;
    }

    /// <summary>Parses <c>process</c> or <c>machine</c>.</summary>
    public static SqliteDurability ParseDurability(string value) => value switch
    {
        "process" => SqliteDurability.Process,
        "machine" => SqliteDurability.Machine,
        _ => throw new ArgumentException($"durability '{value}' is not 'process' (survives kill -9) or 'machine' (fsync every commit)."),
    };

    /// <summary>Adds the credentials stored in the data directory by <c>tideway credentials add</c>.</summary>
    public TidewayOptions WithStoredCredentials()
    {
        if (InMemory)
        {
            return this;
        }
        var stored = CredentialFile.Read(DataDirectory);
        return stored.Count == 0 ? this : this with { Credentials = [.. Credentials, .. stored] };
    }

    /// <summary>The effective configuration, one setting per line, secrets hidden.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"host: {Host}";
        yield return $"port: {Port}";
        yield return $"data: {(InMemory ? ":memory:" : Path.GetFullPath(DataDirectory))}";
        yield return $"durability: {(Durability == SqliteDurability.Machine ? "machine (fsync every commit)" : "process (survives kill -9)")}";
        yield return $"config: {ConfigFile ?? "(none)"}";
        yield return $"function environments: {FunctionEnvironments} at once, idle ones stop after {FunctionIdleTimeout.TotalMinutes:0.#} min";
        yield return Credentials.Count == 0
            ? "credentials: none configured: any access key is accepted, as account 000000000000 (loopback only)"
            : $"credentials: {Credentials.Count} configured, every request is SigV4-verified ({string.Join(", ", Credentials.Select(c => c.AccessKeyId + " -> " + c.Account))})";
    }
}
