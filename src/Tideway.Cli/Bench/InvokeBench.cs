using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Tideway.Cli.Bench;

/// <summary>
/// <c>tideway bench invoke</c>: Lambda invokes over loopback against a server in its own process. Phases: cold
/// starts per runtime (a <c>provided</c> shell bootstrap, Node.js, Python: each round changes the function's
/// configuration, so the next invoke starts a new environment); warm synchronous invokes one at a time, where
/// the server's overhead is the client's latency minus the REPORT Duration of that invocation (hand-out to
/// response: the runtime's and the handler's time); throughput of warm invokes from several concurrent callers.
/// </summary>
internal sealed class InvokeBench(TextWriter output, TimeSpan duration, int workers)
{
    private const string Authorization = "AWS4-HMAC-SHA256 Credential=bench/20261203/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000";
    private const string Role = "arn:aws:iam::000000000000:role/bench";
    private const int ColdRounds = 5;

    public async Task<int> RunAsync()
    {
        output.WriteLine($"tideway bench invoke: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; " +
            $"{workers} concurrent callers, {duration.TotalSeconds:F0} s per phase");
        var data = Path.Combine(Path.GetTempPath(), "tideway-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await ChildServer.StartAsync(["serve", "--port", "0", "--data", data], "Tideway listening on ");
            output.WriteLine($"server: {server.Endpoint} (pid {server.Pid})");
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            {
                BaseAddress = new Uri(server.Endpoint),
                Timeout = TimeSpan.FromMinutes(2),
            };
            await CreateAsync(http, "bench-provided", "provided.al2023", "bootstrap", Zip(("bootstrap", ShellBootstrap, true)));
            await CreateAsync(http, "bench-node", "nodejs20.x", "index.handler", Zip(("index.mjs", "export const handler = async (event) => event;\n", false)));
            await CreateAsync(http, "bench-python", "python3.12", "app.handler", Zip(("app.py", "def handler(event, context):\n    return event\n", false)));

            foreach (var function in new[] { "bench-provided", "bench-node", "bench-python" })
            {
                var latencies = new List<double>();
                var inits = new List<double>();
                for (var round = 0; round < ColdRounds; round++)
                {
                    await UpdateAsync(http, function, round);
                    var (ms, report) = await InvokeAsync(http, function, tail: true);
                    latencies.Add(ms);
                    inits.Add(Field(report, "Init Duration"));
                }
                output.WriteLine($"{"cold start " + function,-32} invoke p50 {SqsBench.Percentile(latencies, 0.5),7:F1} ms (min {latencies.Min():F1}, max {latencies.Max():F1}), Init Duration p50 {SqsBench.Percentile(inits, 0.5):F1} ms over {ColdRounds} starts");
            }

            foreach (var function in new[] { "bench-python", "bench-node" })
            {
                // Warm up, then one caller at a time: latency minus the invocation's own Duration is the server's share.
                var stop = Stopwatch.StartNew();
                while (stop.Elapsed < TimeSpan.FromSeconds(2))
                {
                    await InvokeAsync(http, function, tail: false);
                }
                var overheads = new List<double>();
                var totals = new List<double>();
                stop.Restart();
                while (stop.Elapsed < duration)
                {
                    var (ms, report) = await InvokeAsync(http, function, tail: true);
                    totals.Add(ms);
                    overheads.Add(ms - Field(report, "Duration"));
                }
                output.WriteLine($"{"warm, one caller, " + function,-32} {totals.Count / stop.Elapsed.TotalSeconds,7:N0} invokes/s; latency p50 {SqsBench.Percentile(totals, 0.5):F2} ms p99 {SqsBench.Percentile(totals, 0.99):F2} ms; " +
                    $"server overhead p50 {SqsBench.Percentile(overheads, 0.5):F2} ms p99 {SqsBench.Percentile(overheads, 0.99):F2} ms (targets < 1 ms and < 5 ms)");
            }

            foreach (var function in new[] { "bench-python", "bench-node" })
            {
                var result = await SqsBench.Measure(server, () => ParallelAsync(http, function));
                output.WriteLine($"{$"{workers} callers, " + function,-32} {result.Requests / result.Seconds,7:N0} invokes/s across environments (target >= 5,000); p50 {SqsBench.Percentile(result.SendLatencies, 0.5):F2} ms p99 {SqsBench.Percentile(result.SendLatencies, 0.99):F2} ms; " +
                    $"server CPU {result.ServerCpuSeconds / result.Seconds:P0} of one core; throttled {result.Errors}");
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

    // A provided runtime as small as it gets: one curl for the next invocation (its request id read by curl itself),
    // one for the response.
    private const string ShellBootstrap = """
        #!/bin/sh
        api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
        while true; do
          id="$(curl -sS -o "$TMPDIR/event" -w '%header{lambda-runtime-aws-request-id}' "$api/next")"
          curl -sS -o /dev/null -X POST --data-binary @"$TMPDIR/event" "$api/$id/response"
        done

        """;

    private async Task<LoadResult> ParallelAsync(HttpClient http, string function)
    {
        var latencies = new List<double>();
        long requests = 0;
        long throttled = 0;
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(async _ =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await SendAsync(http, function, tail: false).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref throttled);
                    continue;
                }
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref requests);
            }
            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new LoadResult(requests, requests, 0, throttled, clock.Elapsed.TotalSeconds, latencies);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string function, bool tail)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/2015-03-31/functions/{function}/invocations") { Content = new ByteArrayContent("{\"n\":1}"u8.ToArray()) };
        request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        if (tail)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Log-Type", "Tail");
        }
        return http.SendAsync(request);
    }

    private static async Task<(double Ms, string Report)> InvokeAsync(HttpClient http, string function, bool tail)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await SendAsync(http, function, tail).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode || response.Headers.Contains("X-Amz-Function-Error"))
        {
            throw new InvalidOperationException($"invoking {function} failed: {(int)response.StatusCode}");
        }
        var log = response.Headers.TryGetValues("X-Amz-Log-Result", out var values) ? Encoding.UTF8.GetString(Convert.FromBase64String(values.First())) : string.Empty;
        return (ms, log.Split('\n').LastOrDefault(l => l.StartsWith("REPORT ", StringComparison.Ordinal)) ?? string.Empty);
    }

    /// <summary>A field of a REPORT line in milliseconds (0 when absent).</summary>
    private static double Field(string report, string name)
    {
        foreach (var part in report.Split('\t'))
        {
            if (part.StartsWith(name + ": ", StringComparison.Ordinal))
            {
                return double.Parse(part[(name.Length + 2)..].Replace(" ms", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static async Task CreateAsync(HttpClient http, string name, string runtime, string handler, byte[] zip)
    {
        var body = $"{{\"FunctionName\":\"{name}\",\"Runtime\":\"{runtime}\",\"Role\":\"{Role}\",\"Handler\":\"{handler}\",\"Timeout\":30,\"Code\":{{\"ZipFile\":\"{Convert.ToBase64String(zip)}\"}}}}";
        await CallAsync(http, HttpMethod.Post, "/2015-03-31/functions", body).ConfigureAwait(false);
    }

    private static Task UpdateAsync(HttpClient http, string name, int round) =>
        CallAsync(http, HttpMethod.Put, $"/2015-03-31/functions/{name}/configuration", $"{{\"Description\":\"round {round}\"}}");

    private static async Task CallAsync(HttpClient http, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
    }

    private static byte[] Zip(params (string Name, string Content, bool Executable)[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            foreach (var (name, content, executable) in files)
            {
                var entry = archive.CreateEntry(name);
                entry.ExternalAttributes = (executable ? 0b111_101_101 : 0b110_100_100) << 16;
                using var writer = new StreamWriter(entry.Open());
                writer.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
