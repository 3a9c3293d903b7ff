using System.Diagnostics;

namespace Tideway.Compat.Tests;

/// <summary>The result of running a real client.</summary>
public sealed record ClientRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs real AWS clients (AWS CLI v2, boto3 under two Pythons, node with the JS v3 SDK) as child
/// processes against the test server, with throwaway credentials and no user configuration.
/// </summary>
public static class ExternalClient
{
    public const string AwsCliV2 = "/usr/bin/aws";

    /// <summary>Debian's Python with Debian's boto3 1.26 (query protocol for SQS).</summary>
    public const string DebianPython = "/usr/bin/python3";

    /// <summary>The machine's pyenv Python with boto3 1.43 (JSON protocol for SQS).</summary>
    public static string PyenvPython => Environment.GetEnvironmentVariable("TIDEWAY_PYENV_PYTHON") ?? "python3";

    public static string ScriptsDirectory => Path.Combine(AppContext.BaseDirectory, "scripts");

    public static string JsDirectory => Path.GetFullPath(Path.Combine(RepositoryRoot(), "test", "Tideway.Compat.Tests", "js"));

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Tideway.slnx")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Tideway.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>How every real client is started: throwaway credentials, no user configuration, no proxies, one attempt.</summary>
    public static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments, string? endpoint = null,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var env = start.Environment;
        env["AWS_ACCESS_KEY_ID"] = "test";
        env["AWS_SECRET_ACCESS_KEY"] = "test";
        env["AWS_DEFAULT_REGION"] = "us-east-1";
        env["AWS_REGION"] = "us-east-1";
        env["AWS_EC2_METADATA_DISABLED"] = "true";
        env["AWS_CONFIG_FILE"] = "/dev/null";
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        env["AWS_PAGER"] = string.Empty;
        env["AWS_RETRY_MODE"] = "standard";
        env["AWS_MAX_ATTEMPTS"] = "1";
        env.Remove("HTTP_PROXY");
        env.Remove("HTTPS_PROXY");
        if (endpoint is not null)
        {
            env["TIDEWAY_ENDPOINT"] = endpoint;
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                env[key] = value;
            }
        }
        return start;
    }

    public static async Task<ClientRun> RunAsync(string fileName, IEnumerable<string> arguments, string? endpoint = null, string? stdin = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = CreateStartInfo(fileName, arguments, endpoint, environment, workingDirectory, stdin is not null);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time:\n{await stdout}\n{await stderr}");
        }
        return new ClientRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs <c>aws --endpoint-url ... --output json ARGS</c> (AWS CLI v2).</summary>
    public static Task<ClientRun> AwsAsync(string endpoint, params string[] arguments) =>
        RunAsync(AwsCliV2, ["--endpoint-url", endpoint, "--output", "json", .. arguments]);
}
