using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tideway.Cli.Bench;

/// <summary>
/// <c>tideway bench events</c>: PutEvents over loopback (10 entries of about 1 KB per call) into a bus whose
/// rules route to an SQS queue target, with the server in its own process. Phases: throughput with 10 rules
/// (events accepted durably per second, and how soon the queue holds them all); the
/// IngestionToInvocationStartLatency at a steady 5,000 events/s (read from the server's /metrics
/// histogram); throughput with 1,000 rules; optionally the 10-rule scenario against moto_server.
/// </summary>
internal sealed class EventsBench(TextWriter output, TimeSpan duration, int workers, bool moto, bool exactDecoys = false)
{
    // moto routes by the service of the credential scope, so each call names its own.
    private const string EventsAuthorization = "AWS4-HMAC-SHA256 Credential=bench/20261125/us-east-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000";
    private const string SqsAuthorization = "AWS4-HMAC-SHA256 Credential=bench/20261125/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000";
    private static readonly MediaTypeHeaderValue Json11 = new("application/x-amz-json-1.1");
    private static readonly MediaTypeHeaderValue Json10 = new("application/x-amz-json-1.0");

    public async Task<int> RunAsync()
    {
        output.WriteLine($"tideway bench events: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; " +
            $"{workers} producers, PutEvents of 10 entries of ~1 KB, {duration.TotalSeconds:F0} s per phase; decoy rules: {(exactDecoys ? "exact values only" : "a quarter each exact source, source + detail field, detail-type prefix, numeric range")}");
        var data = Path.Combine(Path.GetTempPath(), "tideway-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await ChildServer.StartAsync(["serve", "--port", "0", "--data", data], "Tideway listening on "))
            {
                output.WriteLine($"server: {server.Endpoint} (pid {server.Pid}), SQLite in {data}, durability process (WAL, synchronous=NORMAL)");
                using var client = new Client(server.Endpoint, exactDecoys);
                var ten = await client.ScenarioAsync("bench10", 10);
                var thousand = await client.ScenarioAsync("bench1000", 1000);
                // Warm-up (JIT tiers, connection pools, the database file growing to its working size); not reported.
                await client.PutLoopAsync(ten = await client.RetargetAsync(ten), workers, TimeSpan.FromSeconds(5), rate: null);
                await client.PutLoopAsync(thousand = await client.RetargetAsync(thousand), workers, TimeSpan.FromSeconds(5), rate: null);
                // Alternate the two rule counts (each phase into a fresh queue, so that no phase pays for the one before):
                // on a shared 2-core machine single phases vary by a quarter, so three rounds and their median and best.
                var tens = new List<double>();
                var thousands = new List<double>();
                for (var round = 0; round < 3; round++)
                {
                    tens.Add(await ThroughputAsync(server, client, ten = await client.RetargetAsync(ten), "10 rules"));
                    thousands.Add(await ThroughputAsync(server, client, thousand = await client.RetargetAsync(thousand), "1,000 rules"));
                }
                var latency = await LatencyAsync(server, client, await client.RetargetAsync(ten));
                tens.Sort();
                thousands.Sort();
                output.WriteLine();
                output.WriteLine($"accepted durably, 10 rules: median {tens[1]:N0}, best {tens[2]:N0} events/s; target >= 50,000");
                output.WriteLine($"IngestionToInvocationStartLatency at 5,000 events/s: {latency}; target p99 < 50 ms");
                output.WriteLine($"1,000 rules: median {thousands[1]:N0} ({1 - (thousands[1] / tens[1]):P1} below 10 rules), best {thousands[2]:N0} ({1 - (thousands[2] / tens[2]):P1} below); target < 10%");
            }
            if (moto)
            {
                await using var motoServer = await ChildServer.StartMotoAsync();
                using var client = new Client(motoServer.Endpoint, exactDecoys);
                var scenario = await client.ScenarioAsync("bench10", 10);
                var motoDuration = TimeSpan.FromSeconds(Math.Min(10, duration.TotalSeconds));
                var result = await SqsBench.Measure(motoServer, () => client.PutLoopAsync(scenario, 4, motoDuration, rate: null));
                output.WriteLine($"{"moto_server 5.2, 10 rules",-40} {result.Sent / result.Seconds,9:N1} events/s accepted; p50 {SqsBench.Percentile(result.SendLatencies, 0.5):F1} ms; errors {result.Errors}");
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

    private async Task<double> ThroughputAsync(ChildServer server, Client client, Scenario scenario, string name)
    {
        var before = await client.DrainAsync(scenario);
        var result = await SqsBench.Measure(server, () => client.PutLoopAsync(scenario, workers, duration, rate: null));
        var accepted = result.Sent / result.Seconds;
        var clock = Stopwatch.StartNew();
        var delivered = await client.DrainAsync(scenario) - before;
        output.WriteLine($"{name,-40} {accepted,9:N0} events/s accepted ({result.Requests / result.Seconds:N0} req/s, PutEvents p50 {SqsBench.Percentile(result.SendLatencies, 0.5):F2} ms p99 {SqsBench.Percentile(result.SendLatencies, 0.99):F2} ms); " +
            $"{delivered:N0} of {result.Sent:N0} in the queue {clock.Elapsed.TotalSeconds:F1} s after the phase; server CPU {result.ServerCpuSeconds / result.Seconds:P0} of one core, RSS {result.ServerRssBytes / 1048576.0:F0} MiB; errors {result.Errors}");
        return accepted;
    }

    private async Task<string> LatencyAsync(ChildServer server, Client client, Scenario scenario)
    {
        var before = await client.LatencyHistogramAsync(scenario);
        var result = await SqsBench.Measure(server, () => client.PutLoopAsync(scenario, workers, duration, rate: 5_000));
        await client.DrainAsync(scenario);
        var after = await client.LatencyHistogramAsync(scenario);
        var counts = after.Counts.Zip(before.Counts, (a, b) => a - b).ToArray();
        var text = $"p50 <= {Quantile(after.Bounds, counts, 0.50)}, p99 <= {Quantile(after.Bounds, counts, 0.99)}, max bucket {Quantile(after.Bounds, counts, 1.0)} over {counts.Sum():N0} invocations";
        output.WriteLine($"{"latency at 5,000 events/s",-40} {result.Sent / result.Seconds,9:N0} events/s; {text}; server CPU {result.ServerCpuSeconds / result.Seconds:P0} of one core");
        return text;
    }

    private static string Quantile(List<double> bounds, long[] counts, double q)
    {
        var total = counts.Sum();
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= Math.Ceiling(q * total))
            {
                return i < bounds.Count ? $"{bounds[i] * 1000:G4} ms" : "+Inf";
            }
        }
        return "n/a";
    }

    /// <summary>The detail of the bench's i-th entry of a PutEvents (about 1 KB; <c>BusRulesBenchmarks</c> matches it too).</summary>
    internal static string EntryDetail(int i) =>
        $"{{\"orderId\":\"o-{i}\",\"customer\":\"c-{i}\",\"amount\":{i * 10},\"note\":\"{new string('x', 880)}\"}}";

    /// <summary>The pattern of the rule that routes the bench events to the queue.</summary>
    internal const string MatchingPattern = "{\"source\":[\"bench.app\"],\"detail-type\":[\"OrderPlaced\"]}";

    /// <summary>Decoy rule <paramref name="i"/>: a shape rules usually have (other sources, detail fields, prefixes, numeric ranges) that no bench event matches.</summary>
    internal static string DecoyPattern(int i, bool exactDecoys) => (exactDecoys ? i % 2 : i % 4) switch
    {
        0 => $"{{\"source\":[\"other.app.{i}\"]}}",
        1 => $"{{\"source\":[\"bench.app\"],\"detail\":{{\"customer\":[\"c{i}\"]}}}}",
        2 => $"{{\"detail-type\":[{{\"prefix\":\"Other{i}\"}}]}}",
        _ => $"{{\"source\":[\"bench.app\"],\"detail\":{{\"amount\":[{{\"numeric\":[\">\",{100_000 + i}]}}]}}}}",
    };

    internal sealed record Scenario(string Bus, string QueueUrl, string RuleName, byte[] PutBody);

    /// <summary>Raw awsJson requests over one pooled HttpClient, as SqsLoad does.</summary>
    private sealed class Client(string endpoint, bool exactDecoys) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(60) };

        public void Dispose() => _http.Dispose();

        private async Task<(bool Ok, byte[] Body)> CallAsync(string target, MediaTypeHeaderValue type, string json) => await CallAsync(target, type, Encoding.UTF8.GetBytes(json)).ConfigureAwait(false);

        private async Task<(bool Ok, byte[] Body)> CallAsync(string target, MediaTypeHeaderValue type, byte[] body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint + "/") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = type;
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            request.Headers.TryAddWithoutValidation("Authorization", target.StartsWith("AmazonSQS.", StringComparison.Ordinal) ? SqsAuthorization : EventsAuthorization);
            request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
            using var response = await _http.SendAsync(request).ConfigureAwait(false);
            return (response.IsSuccessStatusCode, await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
        }

        private async Task<JsonElement> MustAsync(string target, MediaTypeHeaderValue type, string json)
        {
            var (ok, body) = await CallAsync(target, type, json).ConfigureAwait(false);
            if (!ok)
            {
                throw new InvalidOperationException($"{target} failed: {Encoding.UTF8.GetString(body)}");
            }
            return JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body).RootElement;
        }

        /// <summary>A bus with <paramref name="rules"/> rules, one of which routes the bench events to a fresh queue.</summary>
        public async Task<Scenario> ScenarioAsync(string bus, int rules)
        {
            var queueName = bus + "-" + Guid.NewGuid().ToString("N")[..8];
            var queueUrl = (await MustAsync("AmazonSQS.CreateQueue", Json10, $"{{\"QueueName\":\"{queueName}\"}}").ConfigureAwait(false)).GetProperty("QueueUrl").GetString()!;
            await MustAsync("AWSEvents.CreateEventBus", Json11, $"{{\"Name\":\"{bus}\"}}").ConfigureAwait(false);
            // Decoys of the shapes rules usually have: other sources, detail fields, prefixes, numeric ranges.
            for (var i = 1; i < rules; i++)
            {
                var pattern = DecoyPattern(i, exactDecoys);
                await MustAsync("AWSEvents.PutRule", Json11, JsonSerializer.Serialize(new Dictionary<string, string> { ["Name"] = $"decoy-{i}", ["EventBusName"] = bus, ["EventPattern"] = pattern }, BenchJson.Default.DictionaryStringString)).ConfigureAwait(false);
            }
            await MustAsync("AWSEvents.PutRule", Json11, JsonSerializer.Serialize(new Dictionary<string, string> { ["Name"] = "to-queue", ["EventBusName"] = bus, ["EventPattern"] = MatchingPattern }, BenchJson.Default.DictionaryStringString)).ConfigureAwait(false);
            await MustAsync("AWSEvents.PutTargets", Json11, $"{{\"Rule\":\"to-queue\",\"EventBusName\":\"{bus}\",\"Targets\":[{{\"Id\":\"q\",\"Arn\":\"arn:aws:sqs:us-east-1:000000000000:{queueName}\"}}]}}").ConfigureAwait(false);
            var entries = new StringBuilder("{\"Entries\":[");
            for (var i = 0; i < 10; i++)
            {
                var detail = EntryDetail(i);
                entries.Append(i == 0 ? "" : ",").Append("{\"Source\":\"bench.app\",\"DetailType\":\"OrderPlaced\",\"EventBusName\":\"").Append(bus)
                    .Append("\",\"Detail\":").Append(JsonSerializer.Serialize(detail, BenchJson.Default.String)).Append('}');
            }
            return new Scenario(bus, queueUrl, "to-queue", Encoding.UTF8.GetBytes(entries.Append("]}").ToString()));
        }

        /// <summary>Points the scenario's rule at a fresh queue and deletes the old one (and the messages it holds).</summary>
        public async Task<Scenario> RetargetAsync(Scenario scenario)
        {
            var queueName = scenario.Bus + "-" + Guid.NewGuid().ToString("N")[..8];
            var queueUrl = (await MustAsync("AmazonSQS.CreateQueue", Json10, $"{{\"QueueName\":\"{queueName}\"}}").ConfigureAwait(false)).GetProperty("QueueUrl").GetString()!;
            await MustAsync("AWSEvents.PutTargets", Json11, $"{{\"Rule\":\"{scenario.RuleName}\",\"EventBusName\":\"{scenario.Bus}\",\"Targets\":[{{\"Id\":\"q\",\"Arn\":\"arn:aws:sqs:us-east-1:000000000000:{queueName}\"}}]}}").ConfigureAwait(false);
            await MustAsync("AmazonSQS.DeleteQueue", Json10, $"{{\"QueueUrl\":\"{scenario.QueueUrl}\"}}").ConfigureAwait(false);
            return scenario with { QueueUrl = queueUrl };
        }

        /// <summary>Workers send PutEvents back to back (or, with <paramref name="rate"/>, paced to that many events per second in all).</summary>
        public async Task<LoadResult> PutLoopAsync(Scenario scenario, int workers, TimeSpan duration, int? rate)
        {
            long requests = 0, accepted = 0, errors = 0;
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            var interval = rate is { } r ? TimeSpan.FromSeconds(10.0 * workers / r) : TimeSpan.Zero;
            var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                var mine = new List<double>();
                var next = clock.Elapsed + (interval * w / workers);
                while (clock.Elapsed < duration)
                {
                    if (rate is not null)
                    {
                        var wait = next - clock.Elapsed;
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait).ConfigureAwait(false);
                        }
                        next += interval;
                    }
                    var started = Stopwatch.GetTimestamp();
                    var (ok, body) = await CallAsync("AWSEvents.PutEvents", Json11, scenario.PutBody).ConfigureAwait(false);
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref requests);
                    // The load generator shares the machine with the server: read the count without building a document.
                    var failed = !ok ? 10 : body.AsSpan().IndexOf("\"FailedEntryCount\":0"u8) >= 0 ? 0 : FailedEntryCount(body);
                    Interlocked.Add(ref accepted, 10 - failed);
                    if (failed > 0)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                lock (latencies)
                {
                    latencies.AddRange(mine);
                }
            })).ToArray();
            await Task.WhenAll(tasks).ConfigureAwait(false);
            return new LoadResult(requests, accepted, 0, errors, clock.Elapsed.TotalSeconds, latencies);
        }

        private static int FailedEntryCount(byte[] body)
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("FailedEntryCount").GetInt32();
        }

        /// <summary>Waits until the queue count stops growing; returns how many messages it holds.</summary>
        public async Task<long> DrainAsync(Scenario scenario)
        {
            long last = -1;
            long count = 0;
            for (var stable = 0; stable < 3;)
            {
                await Task.Delay(200).ConfigureAwait(false);
                var attributes = await MustAsync("AmazonSQS.GetQueueAttributes", Json10, $"{{\"QueueUrl\":\"{scenario.QueueUrl}\",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}}").ConfigureAwait(false);
                count = long.Parse(attributes.GetProperty("Attributes").GetProperty("ApproximateNumberOfMessages").GetString()!, CultureInfo.InvariantCulture);
                stable = count == last ? stable + 1 : 0;
                last = count;
            }
            return count;
        }

        /// <summary>The server's IngestionToInvocationStartLatency histogram for the scenario's rule (per-bucket counts; the last is +Inf).</summary>
        public async Task<(List<double> Bounds, List<long> Counts)> LatencyHistogramAsync(Scenario scenario)
        {
            var text = await _http.GetStringAsync(endpoint + "/metrics").ConfigureAwait(false);
            var bounds = new List<double>();
            var cumulative = new List<long>();
            var labels = $"bus=\"{scenario.Bus}\",rule=\"{scenario.RuleName}\",le=\"";
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("tideway_eventbridge_latency_seconds_bucket{", StringComparison.Ordinal) || !line.Contains(labels, StringComparison.Ordinal))
                {
                    continue;
                }
                var le = line[(line.IndexOf(labels, StringComparison.Ordinal) + labels.Length)..];
                var bound = le[..le.IndexOf('"', StringComparison.Ordinal)];
                if (bound != "+Inf")
                {
                    bounds.Add(double.Parse(bound, CultureInfo.InvariantCulture));
                }
                cumulative.Add(long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            }
            if (cumulative.Count == 0)
            {
                return ([], [0]);
            }
            var counts = cumulative.Select((c, i) => i == 0 ? c : c - cumulative[i - 1]).ToList();
            return (bounds, counts);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class BenchJson : System.Text.Json.Serialization.JsonSerializerContext;
