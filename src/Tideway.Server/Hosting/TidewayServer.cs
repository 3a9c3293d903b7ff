using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tideway.Bus;
using Tideway.Functions;
using Tideway.Logs;
using Tideway.Queues;
using Tideway.Server.Events;
using Tideway.Server.Lambda;
using Tideway.Server.Observability;
using Tideway.Server.Sqs;
using Tideway.Storage;
using Tideway.Storage.Memory;
using Tideway.Storage.Sqlite;
using Tideway.Targets;

namespace Tideway.Server.Hosting;

/// <summary>
/// The Tideway host: opens the store, starts the engines and serves every API on one port.
/// <see cref="StartAsync"/> returns once the port is bound and the store is open (then <c>/health</c> answers 200);
/// <see cref="DisposeAsync"/> drains: long polls return, in-flight requests finish, the writer commits what it holds.
/// </summary>
public sealed class TidewayServer : IAsyncDisposable
{
    private readonly TidewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private WebApplication? _app;
    private ITidewayStore? _store;
    private SqsEngine? _sqs;
    private LogsEngine? _logs;
    private EventBusEngine? _events;
    private FunctionsEngine? _functions;
    private FunctionLogWriter? _functionLogs;
    private RuntimeEndpoints? _runtime;
    private string? _runtimeRoot;
    private CancellationTokenSource? _sweeping;
    private Task? _sweeper;

    /// <summary>Creates the server (nothing runs until <see cref="StartAsync"/>).</summary>
    public TidewayServer(TidewayOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    }

    /// <summary>The base URL clients use, e.g. <c>http://127.0.0.1:4566</c> (the real port when 0 was asked).</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>The store's description for the banner.</summary>
    public string StorageDescription => _store?.Description ?? string.Empty;

    /// <summary>How functions' execution environments are isolated, in a line (once started).</summary>
    public string FunctionIsolation => _functions?.Isolation ?? string.Empty;

    /// <summary>The metrics registry.</summary>
    public Metrics Metrics { get; } = new();

    internal SqsEngine Sqs => _sqs ?? throw new InvalidOperationException("not started");

    internal LogsEngine Logs => _logs ?? throw new InvalidOperationException("not started");

    internal EventBusEngine Events => _events ?? throw new InvalidOperationException("not started");

    internal FunctionsEngine Functions => _functions ?? throw new InvalidOperationException("not started");

    internal FunctionLogWriter FunctionLogs => _functionLogs ?? throw new InvalidOperationException("not started");

    /// <summary>Opens the store, starts the engines and binds the port.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _store = _options.InMemory ? new MemoryStore() : SqliteStore.Open(_options.DataDirectory, now, _options.Durability);
        _sqs = new SqsEngine(_store.Queues, _time);
        _logs = new LogsEngine(_store.Logs, _time);
        var authenticator = new Authenticator(_options.Credentials, _time);
        // Code and environment folders live outside the data directory (owner-only), and no path to the data directory is
        // given to functions. A root server runs them as users of their own (ADR 0007); others run them as their own user.
        _runtimeRoot = Path.Combine(Path.GetTempPath(), $"tideway-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_runtimeRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        _runtime = new RuntimeEndpoints();
        await _runtime.StartAsync(_options.FunctionEnvironments, cancellationToken).ConfigureAwait(false);
        _functionLogs = new FunctionLogWriter(_logs);
        var functionsOptions = new FunctionsOptions
        {
            RuntimeRoot = _runtimeRoot,
            Endpoints = _runtime,
            IdleTimeout = _options.FunctionIdleTimeout,
            HiddenFolders = _options.InMemory ? [] : [Path.GetFullPath(_options.DataDirectory)],
        };
        var destinations = new FunctionDestinations(_sqs);
        _functions = new FunctionsEngine(_store.Functions, functionsOptions, _functionLogs, _time, destinations);
        _events = new EventBusEngine(_store.Bus, new EngineTargets(_sqs, _logs, _functions), _time);
        destinations.Bus = _events;
        destinations.Functions = _functions;
        _functions.Resume();
        var api = new ApiRouter(new SqsApi(_sqs), _logs, new EventsApi(_events), new LambdaApi(_functions), authenticator, Metrics, _loggers.CreateLogger("Tideway.Api"));
        RegisterGauges();

        var builder = KestrelHosts.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = ApiRouter.MaxBodyBytes;
            kestrel.Limits.MinRequestBodyDataRate = null;
            var address = _options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(_options.Host);
            kestrel.Listen(address, _options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.Run(api.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        Endpoint = $"http://{(_options.Host == "0.0.0.0" ? "127.0.0.1" : _options.Host)}:{port}";
        functionsOptions.Endpoint = Endpoint;
        _sweeping = new CancellationTokenSource();
        _sweeper = SweepAsync(_sweeping.Token);
    }

    private void RegisterGauges()
    {
        var store = _store!;
        Metrics.Gauge("tideway_sqs_queues", "Queues.", () => [(string.Empty, store.Queues.AllQueues().Count)]);
        Metrics.Gauge("tideway_sqs_messages", "Approximate messages per queue and state.", () => QueueGauges(store));
        if (store is SqliteStore sqlite)
        {
            Metrics.Gauge("tideway_storage_commits_total", "Group commits of the SQLite writer.", () => [(string.Empty, sqlite.Commits)]);
            Metrics.Gauge("tideway_storage_changes_total", "Changes committed by the SQLite writer.", () => [(string.Empty, sqlite.CommittedChanges)]);
        }
        var events = _events!;
        Metrics.Gauge("tideway_eventbridge_total", "EventBridge metrics by their AWS names (metric label), per bus and rule (rule=\"\" for the bus).", () => EventGauges(events));
        Metrics.Histogram("tideway_eventbridge_latency_seconds", "IngestionToInvocationStartLatency: from an event's ingestion to the start of a target invocation.", () =>
            events.Metrics.Snapshot().Where(m => m.LatencyCount > 0).Select(m => new Metrics.HistogramSeries(
                $"metric=\"IngestionToInvocationStartLatency\",{EventLabels(m)}", [.. BusMetrics.LatencyBucketsMs.Select(b => b / 1000.0)], m.LatencyBuckets, m.LatencySumMs / 1000.0)));
        var functions = _functions!;
        Metrics.Gauge("tideway_lambda_total", "Lambda metrics by their AWS names (metric label), per function; Duration is the sum in milliseconds.", () => LambdaGauges(functions));
        Metrics.Gauge("tideway_lambda_environments", "Execution environments running or starting.", () => [(string.Empty, functions.Environments())]);
        Metrics.Gauge("tideway_process_working_set_bytes", "Resident memory of the server process.", () => [(string.Empty, Environment.WorkingSet)]);
        Metrics.Gauge("tideway_process_cpu_seconds_total", "CPU time of the server process.", () => [(string.Empty, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds)]);
    }

    private static IEnumerable<(string, double)> LambdaGauges(FunctionsEngine functions)
    {
        foreach (var m in functions.Metrics.Snapshot())
        {
            var labels = $"account=\"{m.Account}\",region=\"{m.Region}\",function=\"{m.Function}\"";
            yield return ($"metric=\"Invocations\",{labels}", m.Invocations);
            yield return ($"metric=\"Errors\",{labels}", m.Errors);
            yield return ($"metric=\"Throttles\",{labels}", m.Throttles);
            yield return ($"metric=\"Duration\",{labels}", m.DurationSumMs);
            yield return ($"metric=\"ConcurrentExecutions\",{labels}", m.ConcurrentExecutions);
            yield return ($"metric=\"AsyncEventsReceived\",{labels}", m.AsyncEventsReceived);
            yield return ($"metric=\"AsyncEventsDropped\",{labels}", m.AsyncEventsDropped);
        }
    }

    private static string EventLabels(RuleMetrics m) => $"account=\"{m.Account}\",region=\"{m.Region}\",bus=\"{m.Bus}\",rule=\"{m.Rule}\"";

    private static IEnumerable<(string, double)> EventGauges(EventBusEngine events)
    {
        foreach (var m in events.Metrics.Snapshot())
        {
            var labels = EventLabels(m);
            if (m.Rule.Length == 0)
            {
                yield return ($"metric=\"MatchedEvents\",{labels}", m.MatchedEvents);
                continue;
            }
            yield return ($"metric=\"TriggeredRules\",{labels}", m.TriggeredRules);
            yield return ($"metric=\"Invocations\",{labels}", m.Invocations);
            yield return ($"metric=\"FailedInvocations\",{labels}", m.FailedInvocations);
            yield return ($"metric=\"InvocationsSentToDlq\",{labels}", m.InvocationsSentToDlq);
            yield return ($"metric=\"InvocationsFailedToBeSentToDlq\",{labels}", m.InvocationsFailedToBeSentToDlq);
            yield return ($"metric=\"DroppedEvents\",{labels}", m.DroppedEvents);
        }
    }

    private IEnumerable<(string, double)> QueueGauges(ITidewayStore store)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var queue in store.Queues.AllQueues())
        {
            var counts = store.Queues.Count(queue.Id, now);
            var labels = $"account=\"{queue.Account}\",region=\"{queue.Region}\",queue=\"{queue.Name}\"";
            yield return (labels + ",state=\"visible\"", counts.Visible);
            yield return (labels + ",state=\"not_visible\"", counts.NotVisible);
            yield return (labels + ",state=\"delayed\"", counts.Delayed);
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_options.SweepInterval, _time, cancellationToken).ConfigureAwait(false);
                await _sqs!.SweepAsync().ConfigureAwait(false);
                await _logs!.SweepRetentionAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (StoreClosedException)
        {
        }
    }

    /// <summary>Stops accepting requests, ends long polls, waits for in-flight requests, then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        _sqs?.Stop();
        if (_sweeping is not null)
        {
            await _sweeping.CancelAsync().ConfigureAwait(false);
            await _sweeper!.ConfigureAwait(false);
            _sweeping.Dispose();
        }
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        if (_events is not null)
        {
            await _events.DisposeAsync().ConfigureAwait(false);
        }
        if (_functions is not null)
        {
            await _functions.DisposeAsync().ConfigureAwait(false);
        }
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync().ConfigureAwait(false);
        }
        if (_functionLogs is not null)
        {
            await _functionLogs.DisposeAsync().ConfigureAwait(false);
        }
        if (_runtimeRoot is not null && Directory.Exists(_runtimeRoot))
        {
            try
            {
                Directory.Delete(_runtimeRoot, recursive: true);
            }
            catch (IOException)
            {
                // An environment's process may still be closing a file; the folder is in the temporary directory.
            }
        }
        _sqs?.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
