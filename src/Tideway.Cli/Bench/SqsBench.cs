using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Tideway.Cli.Bench;

/// <summary>
/// <c>tideway bench sqs</c>: whole-system SQS figures over loopback HTTP, with the server in its own process
/// (so its CPU and memory can be read from /proc). Phases: batched SendMessage alone; producers and
/// consumers together (send, receive, delete, batches of 10); the echo ceiling (a trivial Kestrel endpoint
/// answering requests of the same size, same client); 1,000 idle long polls; optionally the same load
/// against moto_server.
/// </summary>
internal sealed class SqsBench(TextWriter output, TimeSpan duration, int producers, int consumers, int messageBytes, bool moto, bool inMemory = false, bool redrive = false)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public async Task<int> RunAsync()
    {
        output.WriteLine($"tideway bench sqs: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; " +
            $"{producers} producers, {consumers} consumers, batches of 10 messages of {messageBytes} bytes, {duration.TotalSeconds:F0} s per phase");
        var data = Path.Combine(Path.GetTempPath(), "tideway-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await ChildServer.StartAsync(["serve", "--port", "0", "--data", inMemory ? ":memory:" : data], "Tideway listening on "))
            {
                output.WriteLine(inMemory
                    ? $"server: {server.Endpoint} (pid {server.Pid}), in-memory store (not durable: shows what storage costs)"
                    : $"server: {server.Endpoint} (pid {server.Pid}), SQLite in {data}, durability process (WAL, synchronous=NORMAL)");
                using var load = new SqsLoad(server.Endpoint, messageBytes);
                // Warm up (JIT tiers, connection pools, SQLite pages); not reported.
                await load.EndToEndAsync("bench-warmup", producers, consumers, TimeSpan.FromSeconds(3));
                var send = await Measure(server, () => load.SendOnlyAsync("bench-send", producers + consumers, duration));
                Report("send only (SendMessageBatch)", send, load.SendRequestBytes);
                var both = await Measure(server, () => load.EndToEndAsync("bench-e2e", producers, consumers, duration, redrive));
                Report(redrive ? "end to end, queue with a DLQ" : "end to end (send + receive + delete)", both, load.SendRequestBytes);
                await IdlePollsAsync(server, load);
                await using var echo = await ChildServer.StartAsync(["bench", "echo-server"], "echo listening on ");
                using var echoLoad = new SqsLoad(echo.Endpoint, messageBytes);
                await echoLoad.EchoAsync(producers + consumers, TimeSpan.FromSeconds(3));
                var ceiling = await Measure(echo, () => echoLoad.EchoAsync(producers + consumers, duration));
                Report("echo ceiling (same requests, trivial endpoint)", ceiling, load.SendRequestBytes);
                output.WriteLine();
                output.WriteLine($"batched SendMessage: {send.Requests / send.Seconds:N0} req/s = {send.Requests / send.Seconds / (ceiling.Requests / ceiling.Seconds):P0} of the echo ceiling ({ceiling.Requests / ceiling.Seconds:N0} req/s); target >= 50%");
                output.WriteLine($"end to end: {both.Received / both.Seconds:N0} messages/s received and deleted ({both.Sent / both.Seconds:N0} sent/s); target >= 30,000");
                if (moto)
                {
                    await MotoAsync();
                }
            }
            return 0;
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private async Task IdlePollsAsync(ChildServer server, SqsLoad load)
    {
        var before = server.Sample();
        var polls = await load.StartIdlePollsAsync("bench-idle", 1_000);
        var parked = server.Sample();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = server.Sample();
        await polls.StopAsync();
        output.WriteLine($"{"1,000 idle long polls",-46} server RSS {before.RssBytes / 1048576.0:F1} -> {parked.RssBytes / 1048576.0:F1} MiB (+{(parked.RssBytes - before.RssBytes) / 1048576.0:F1}), " +
            $"CPU while idle 5 s: {(after.CpuSeconds - parked.CpuSeconds) * 1000:F0} ms");
    }

    private async Task MotoAsync()
    {
        await using var server = await ChildServer.StartMotoAsync();
        using var load = new SqsLoad(server.Endpoint, messageBytes);
        var motoDuration = TimeSpan.FromSeconds(Math.Min(10, duration.TotalSeconds));
        var send = await Measure(server, () => load.SendOnlyAsync("bench-moto", 4, motoDuration));
        Report("moto_server 5.2: send only", send, load.SendRequestBytes);
        var both = await Measure(server, () => load.EndToEndAsync("bench-moto-e2e", 2, 2, motoDuration));
        Report("moto_server 5.2: end to end", both, load.SendRequestBytes);
    }

    internal static async Task<LoadResult> Measure(ChildServer server, Func<Task<LoadResult>> run)
    {
        var before = server.Sample();
        var result = await run();
        var after = server.Sample();
        return result with
        {
            ServerCpuSeconds = after.CpuSeconds - before.CpuSeconds,
            StorageCpuSeconds = after.StorageCpuSeconds - before.StorageCpuSeconds,
            ServerRssBytes = after.RssBytes,
        };
    }

    private void Report(string name, LoadResult r, int requestBytes)
    {
        var latency = r.SendLatencies.Count == 0 ? string.Empty
            : $", send p50 {Percentile(r.SendLatencies, 0.50):F2} ms p99 {Percentile(r.SendLatencies, 0.99):F2} ms";
        output.WriteLine($"{name,-46} {r.Requests / r.Seconds,9:N0} req/s  sent {r.Sent / r.Seconds,9:N0} msg/s  received {r.Received / r.Seconds,9:N0} msg/s" +
            $"{latency}; server CPU {r.ServerCpuSeconds / r.Seconds:P0} of one core{PerRequest(r)}, RSS {r.ServerRssBytes / 1048576.0:F0} MiB; {requestBytes:N0}-byte send requests; errors {r.Errors}");
    }

    /// <summary>
    /// Server CPU per request, and the SQLite threads' part of it: steadier than the request rate on a shared
    /// machine (the rate moves with whatever else runs; the CPU a request costs much less).
    /// </summary>
    private static string PerRequest(LoadResult r)
    {
        if (r.Requests == 0)
        {
            return string.Empty;
        }
        var storage = r.StorageCpuSeconds > 0 ? $", SQLite threads {r.StorageCpuSeconds / r.Requests * 1e6:F0} µs" : string.Empty;
        return $" ({r.ServerCpuSeconds / r.Requests * 1e6:F0} µs per request{storage})";
    }

    internal static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)(p * values.Count))];
    }
}

/// <summary>What one phase did.</summary>
internal sealed record LoadResult(long Requests, long Sent, long Received, long Errors, double Seconds, List<double> SendLatencies)
{
    public double ServerCpuSeconds { get; init; }

    /// <summary>CPU of the server's SQLite writer and checkpointer threads (0 for the in-memory store and for moto).</summary>
    public double StorageCpuSeconds { get; init; }

    public long ServerRssBytes { get; init; }
}

/// <summary>A server child process (ours or moto), its endpoint and its /proc readings.</summary>
internal sealed class ChildServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly bool _owned;

    private ChildServer(Process process, string endpoint, bool owned)
    {
        _process = process;
        Endpoint = endpoint;
        _owned = owned;
    }

    public string Endpoint { get; }

    public int Pid => _process.Id;

    /// <summary>Starts moto_server (from the machine's python) on a free port and waits until it answers.</summary>
    public static async Task<ChildServer> StartMotoAsync()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var process = Process.Start(new ProcessStartInfo("moto_server", ["-p", port.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = $"http://127.0.0.1:{port}";
        using var http = new HttpClient();
        for (var i = 0; ; i++)
        {
            try
            {
                await http.GetAsync(endpoint + "/moto-api/");
                return new ChildServer(process, endpoint, owned: true);
            }
            catch (HttpRequestException) when (i < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    public static async Task<ChildServer> StartAsync(string[] arguments, string marker)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildServer).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                process.ErrorDataReceived += static (_, _) => { };
                process.BeginErrorReadLine();
                _ = DrainAsync(process.StandardOutput);
                return new ChildServer(process, line[marker.Length..].Trim(), owned: true);
            }
        }
        throw new InvalidOperationException("the server exited before it was ready: " + await process.StandardError.ReadToEndAsync());
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }

    /// <summary>CPU seconds (user + system) of the process and of its SQLite threads, and its resident bytes, from /proc.</summary>
    public (double CpuSeconds, double StorageCpuSeconds, long RssBytes) Sample()
    {
        var ticks = Ticks(File.ReadAllText($"/proc/{Pid}/stat")).Ticks;
        long storageTicks = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
        {
            try
            {
                var (name, taskTicks) = Ticks(File.ReadAllText(Path.Combine(task, "stat")));
                if (name.StartsWith("tideway-sqlite", StringComparison.Ordinal))
                {
                    storageTicks += taskTicks;
                }
            }
            // A thread that ended between the listing and the read.
            catch (IOException)
            {
            }
        }
        long rss = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return (ticks / 100.0, storageTicks / 100.0, rss);
    }

    /// <summary>The name and the user + system clock ticks of a <c>/proc/.../stat</c> line.</summary>
    private static (string Name, long Ticks) Ticks(string stat)
    {
        var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (name, long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned && !_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        if (_owned)
        {
            _process.Dispose();
        }
    }
}
