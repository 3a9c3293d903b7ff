using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Tideway.Server.Hosting;

namespace Tideway.Cli.Commands;

/// <summary><c>tideway serve</c>: every service on one port until SIGTERM or Ctrl-C.</summary>
internal static partial class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port") { Description = "Port to listen on (default 4566; 0 picks a free one)" };
        var host = new Option<string?>("--host") { Description = "Address to bind (default 127.0.0.1)" };
        var data = new Option<string?>("--data") { Description = "Data directory (default ./.tideway; ':memory:' keeps nothing)" };
        var config = new Option<string?>("--config") { Description = "Configuration file (default ./tideway.yaml when it exists)" };
        var durability = new Option<string?>("--durability") { Description = "'process' (default: survives kill -9) or 'machine' (fsync every commit)" };
        var logFormat = new Option<string>("--log-format") { Description = "'text' or 'json' (structured, one object per line)", DefaultValueFactory = _ => "text" };
        var environments = new Option<int?>("--function-environments") { Description = "Lambda execution environments that may run at once (default 64; each takes a loopback port)" };
        var allowAnonymous = new Option<bool>("--allow-anonymous-network") { Description = "Allow a non-loopback bind with no credentials (anyone reaching the port can use every API)" };
        var command = new Command("serve", "Run the server: SQS and CloudWatch Logs APIs on one port, SigV4, /health, /metrics.")
        {
            port, host, data, config, durability, logFormat, allowAnonymous, environments,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TidewayOptions options;
            try
            {
                options = new TidewayOptions();
                var configPath = parse.GetValue(config) ?? (File.Exists("tideway.yaml") ? "tideway.yaml" : null);
                if (configPath is not null)
                {
                    options = options.WithYaml(configPath);
                }
                options = options.WithEnvironment(Environment.GetEnvironmentVariable);
                if (parse.GetValue(port) is { } p)
                {
                    options = options with { Port = p };
                }
                if (parse.GetValue(host) is { } h)
                {
                    options = options with { Host = h };
                }
                if (parse.GetValue(data) is { } d)
                {
                    options = options with { DataDirectory = d };
                }
                if (parse.GetValue(durability) is { } level)
                {
                    options = options with { Durability = TidewayOptions.ParseDurability(level) };
                }
                if (parse.GetValue(environments) is { } count)
                {
                    options = options with { FunctionEnvironments = count };
                }
                if (parse.GetValue(allowAnonymous))
                {
                    options = options with { AllowAnonymousNetwork = true };
                }
                options = options.WithStoredCredentials();
                options.Validate();
            }
            catch (Exception e) when (e is ArgumentException or IOException or FormatException or YamlDotNet.Core.YamlException)
            {
                await Console.Error.WriteLineAsync("tideway serve: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            using var loggers = LoggerFactory.Create(logging =>
            {
                if (parse.GetValue(logFormat) == "json")
                {
                    logging.AddJsonConsole(json => json.TimestampFormat = "O");
                }
                else
                {
                    logging.AddSimpleConsole(simple => { simple.SingleLine = true; simple.TimestampFormat = "HH:mm:ss.fff "; });
                }
                logging.SetMinimumLevel(LogLevel.Information);
                // ASP.NET Core logs two Information lines per request ("Request starting", "Request finished"):
                // a console write per line cost about a tenth of the server's CPU under load. Its warnings and
                // errors still show; the startup banner above says where the server listens.
                logging.AddFilter("Microsoft", LogLevel.Warning);
            });
            var logger = loggers.CreateLogger("Tideway");
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
            await using var server = new TidewayServer(options, TimeProvider.System, loggers);
            try
            {
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync("tideway serve: could not start: " + e.Message).ConfigureAwait(false);
                return 1;
            }
            Console.WriteLine($"Tideway listening on {server.Endpoint}");
            Console.WriteLine($"  storage: {server.StorageDescription}");
            Console.WriteLine($"  functions: {server.FunctionIsolation}");
            Console.WriteLine($"  accounts: {string.Join(", ", options.Credentials.Select(c => c.Account).DefaultIfEmpty("000000000000").Distinct())}");
            foreach (var line in options.Describe())
            {
                Console.WriteLine("  " + line);
            }
            Console.WriteLine($"  try: aws --endpoint-url {server.Endpoint} sqs create-queue --queue-name orders");
            Console.Out.Flush();
            LogStarted(logger, server.Endpoint);
            await stop.Task.ConfigureAwait(false);
            LogStopping(logger);
            return 0;
        });
        return command;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ready on {Endpoint}")]
    private static partial void LogStarted(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: draining requests and committing")]
    private static partial void LogStopping(ILogger logger);
}
