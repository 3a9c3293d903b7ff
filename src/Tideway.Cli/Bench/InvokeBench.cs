using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Tideway.Cli.Bench;

/// <summary>
/// <c>tideway bench invoke</c>: Lambda invokes over loopback against a server in its own process. Phases: cold
/// starts per runtime (a <c>provided</c> shell bootstrap, Node.js, Python, and a native <c>provided</c> bootstrap
/// compiled from C when the machine has a C compiler, standing for Go or Rust functions: each round changes the function's
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
            string[] warm = ["bench-python", "bench-node"];
            string[] cold = ["bench-provided", "bench-node", "bench-python"];
            if (await CompileNativeAsync(data) is { } native)
            {
                await CreateAsync(http, "bench-native", "provided.al2023", "bootstrap", Zip([new ZipFile("bootstrap", native, true)]));
                warm = [.. warm, "bench-native"];
                cold = [.. cold, "bench-native"];
            }
            else
            {
                output.WriteLine("bench-native: skipped (no C compiler `cc` on this machine)");
            }

            foreach (var function in cold)
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

            foreach (var function in warm)
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

            foreach (var function in warm)
            {
                // The environments beyond the first start here, and a JIT-compiled runtime (Node.js) runs its loop
                // unoptimized until V8 has compiled it: one phase of the same load, reported apart, warms them
                // before the measured one (the issue asks for warm invokes).
                var warming = await ParallelAsync(http, function);
                output.WriteLine($"{$"{workers} callers, " + function + ", warming",-32} {warming.Requests / warming.Seconds,7:N0} invokes/s while its environments start and warm (not measured)");
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

    // A trivial function as Go or Rust functions run on provided.al2023: a native bootstrap that returns its event,
    // over one keep-alive HTTP/1.1 connection to the Runtime API (headers and body in one write). It shows what
    // the server sustains when the runtime itself costs little.
    private const string NativeBootstrap = """
        #define _GNU_SOURCE
        #include <netdb.h>
        #include <netinet/in.h>
        #include <netinet/tcp.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <sys/uio.h>
        #include <unistd.h>

        static int conn;
        static char rbuf[1 << 16];
        static size_t rstart, rend;
        static char *body;
        static size_t body_cap;

        static void fill(void) {
          memmove(rbuf, rbuf + rstart, rend - rstart);
          rend -= rstart;
          rstart = 0;
          if (rend == sizeof rbuf) exit(2);
          ssize_t n = read(conn, rbuf + rend, sizeof rbuf - rend);
          if (n <= 0) exit(n == 0 ? 0 : 1);
          rend += (size_t)n;
        }

        /* One response: its headers into head (NUL-terminated), its body into body; returns the body's length. */
        static size_t read_response(char *head, size_t cap) {
          char *end;
          while (!(end = memmem(rbuf + rstart, rend - rstart, "\r\n\r\n", 4))) fill();
          size_t hlen = (size_t)(end - (rbuf + rstart));
          if (hlen >= cap) exit(3);
          memcpy(head, rbuf + rstart, hlen);
          head[hlen] = 0;
          rstart += hlen + 4;
          char *cl = strcasestr(head, "\r\ncontent-length:");
          size_t len = cl ? strtoul(cl + 17, NULL, 10) : 0;
          if (len + 1 > body_cap) {
            body_cap = len + 1;
            body = realloc(body, body_cap);
            if (!body) exit(4);
          }
          size_t got = 0;
          while (got < len) {
            if (rstart == rend) fill();
            size_t take = rend - rstart < len - got ? rend - rstart : len - got;
            memcpy(body + got, rbuf + rstart, take);
            got += take;
            rstart += take;
          }
          return len;
        }

        static void send_all(struct iovec *iov, int count) {
          while (count > 0) {
            ssize_t n = writev(conn, iov, count);
            if (n < 0) exit(1);
            while (count > 0 && (size_t)n >= iov->iov_len) { n -= (ssize_t)iov->iov_len; iov++; count--; }
            if (count > 0) { iov->iov_base = (char *)iov->iov_base + n; iov->iov_len -= (size_t)n; }
          }
        }

        int main(void) {
          const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
          const char *colon = api ? strrchr(api, ':') : NULL;
          if (!colon) return 1;
          char host[256], head[8192], post[512], id[128];
          snprintf(host, sizeof host, "%.*s", (int)(colon - api), api);
          struct addrinfo hints = {0}, *address;
          hints.ai_socktype = SOCK_STREAM;
          if (getaddrinfo(host, colon + 1, &hints, &address) != 0) return 1;
          conn = socket(address->ai_family, SOCK_STREAM, 0);
          if (conn < 0 || connect(conn, address->ai_addr, address->ai_addrlen) != 0) return 1;
          int one = 1;
          setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          static char next[] = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n";
          for (;;) {
            struct iovec ask = { next, sizeof next - 1 };
            send_all(&ask, 1);
            size_t len = read_response(head, sizeof head);
            char *rid = strcasestr(head, "\r\nlambda-runtime-aws-request-id:");
            if (!rid) return 5;
            rid += 32;
            while (*rid == ' ') rid++;
            size_t n = strcspn(rid, "\r\n");
            if (n >= sizeof id) return 6;
            memcpy(id, rid, n);
            id[n] = 0;
            int h = snprintf(post, sizeof post, "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\nContent-Length: %zu\r\n\r\n", id, len);
            struct iovec answer[2] = { { post, (size_t)h }, { body, len } };
            send_all(answer, 2);
            read_response(head, sizeof head);
          }
        }

        """;

    /// <summary>The native bootstrap compiled with the machine's <c>cc</c>; null when there is none or it fails.</summary>
    private static async Task<byte[]?> CompileNativeAsync(string folder)
    {
        var work = Path.Combine(folder, "native");
        Directory.CreateDirectory(work);
        var source = Path.Combine(work, "bootstrap.c");
        await File.WriteAllTextAsync(source, NativeBootstrap).ConfigureAwait(false);
        try
        {
            using var compiler = Process.Start(new ProcessStartInfo("cc", ["-O2", "-o", Path.Combine(work, "bootstrap"), source]) { RedirectStandardError = true, UseShellExecute = false });
            if (compiler is null)
            {
                return null;
            }
            await compiler.StandardError.ReadToEndAsync().ConfigureAwait(false);
            await compiler.WaitForExitAsync().ConfigureAwait(false);
            return compiler.ExitCode == 0 ? await File.ReadAllBytesAsync(Path.Combine(work, "bootstrap")).ConfigureAwait(false) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

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

    private sealed record ZipFile(string Name, byte[] Content, bool Executable);

    private static byte[] Zip(params (string Name, string Content, bool Executable)[] files) =>
        Zip([.. files.Select(f => new ZipFile(f.Name, Encoding.UTF8.GetBytes(f.Content), f.Executable))]);

    private static byte[] Zip(ZipFile[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            foreach (var file in files)
            {
                var entry = archive.CreateEntry(file.Name);
                entry.ExternalAttributes = (file.Executable ? 0b111_101_101 : 0b110_100_100) << 16;
                using var stream = entry.Open();
                stream.Write(file.Content);
            }
        }
        return buffer.ToArray();
    }
}
