using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tideway.Cli.Bench;

/// <summary>
/// The load generator of <c>bench sqs</c>: raw awsJson1_0 requests over one pooled HttpClient (what an SDK
/// sends, without the SDK's own cost), each worker one request at a time.
/// </summary>
internal sealed class SqsLoad : IDisposable
{
    private const string Authorization = "AWS4-HMAC-SHA256 Credential=bench/20261125/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000";
    private static readonly MediaTypeHeaderValue JsonType = new("application/x-amz-json-1.0");
    private readonly string _endpoint;
    private readonly int _messageBytes;
    private readonly HttpClient _http;

    public SqsLoad(string endpoint, int messageBytes)
    {
        _endpoint = endpoint;
        _messageBytes = messageBytes;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        SendRequestBytes = SendBody("http://127.0.0.1:4566/000000000000/bench").Length;
    }

    public int SendRequestBytes { get; }

    public void Dispose() => _http.Dispose();

    private byte[] SendBody(string queueUrl) => SendBody(queueUrl, _messageBytes);

    /// <summary>The bench's SendMessageBatch request: ten entries of <paramref name="messageBytes"/> bytes (<c>SqsSendBenchmarks</c> sends it too).</summary>
    internal static byte[] SendBody(string queueUrl, int messageBytes)
    {
        var text = new StringBuilder();
        text.Append("{\"QueueUrl\":\"").Append(queueUrl).Append("\",\"Entries\":[");
        var body = new string('m', messageBytes);
        for (var i = 0; i < 10; i++)
        {
            text.Append(i == 0 ? string.Empty : ",").Append("{\"Id\":\"e").Append(i).Append("\",\"MessageBody\":\"").Append(body).Append("\"}");
        }
        return Encoding.UTF8.GetBytes(text.Append("]}").ToString());
    }

    private async Task<(bool Ok, byte[] Body)> CallAsync(string operation, byte[] body, string? url = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url ?? _endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS." + operation);
        request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", "20261125T000000Z");
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return (response.IsSuccessStatusCode, bytes);
    }

    private async Task<string> CreateQueueAsync(string name, string? deadLetterUrl = null)
    {
        // A dead-letter queue is named by its ARN; its URL ends in account and name.
        var policy = deadLetterUrl is null ? null
            : $"{{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:{deadLetterUrl.Split('/')[^2]}:{deadLetterUrl.Split('/')[^1]}\",\"maxReceiveCount\":\"5\"}}";
        var redrive = policy is null ? "" : $"\"Attributes\":{{\"RedrivePolicy\":{JsonSerializer.Serialize(policy, BenchJson.Default.String)}}},";
        var (ok, body) = await CallAsync("CreateQueue", Encoding.UTF8.GetBytes($"{{{redrive}\"QueueName\":\"{name}-{Guid.NewGuid():N}\"}}")).ConfigureAwait(false);
        if (!ok)
        {
            throw new InvalidOperationException("CreateQueue failed: " + Encoding.UTF8.GetString(body));
        }
        return JsonDocument.Parse(body).RootElement.GetProperty("QueueUrl").GetString()!;
    }

    public async Task<LoadResult> SendOnlyAsync(string name, int workers, TimeSpan duration)
    {
        var url = await CreateQueueAsync(name).ConfigureAwait(false);
        var result = await HammerAsync(SendBody(url), workers, duration).ConfigureAwait(false);
        return result with { Sent = (result.Requests - result.Errors) * 10 };
    }

    /// <summary>The ceiling: the same SendMessageBatch requests against the echo endpoint.</summary>
    public Task<LoadResult> EchoAsync(int workers, TimeSpan duration) =>
        HammerAsync(SendBody("http://127.0.0.1:4566/000000000000/bench"), workers, duration);

    private async Task<LoadResult> HammerAsync(byte[] body, int workers, TimeSpan duration)
    {
        long requests = 0, errors = 0;
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var (ok, _) = await CallAsync("SendMessageBatch", body).ConfigureAwait(false);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref requests);
                if (!ok)
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
        return new LoadResult(requests, 0, 0, errors, clock.Elapsed.TotalSeconds, latencies);
    }

    /// <summary>Producers and consumers on one queue; with <paramref name="redrive"/> the queue has a dead-letter queue, so each receive is journaled.</summary>
    public async Task<LoadResult> EndToEndAsync(string name, int producers, int consumers, TimeSpan duration, bool redrive = false)
    {
        var url = await CreateQueueAsync(name, redrive ? await CreateQueueAsync(name + "-dlq").ConfigureAwait(false) : null).ConfigureAwait(false);
        var body = SendBody(url);
        var receive = Encoding.UTF8.GetBytes($"{{\"QueueUrl\":\"{url}\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"VisibilityTimeout\":60}}");
        long requests = 0, sent = 0, received = 0, errors = 0;
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        var sending = Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var (ok, _) = await CallAsync("SendMessageBatch", body).ConfigureAwait(false);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref requests);
                if (ok)
                {
                    Interlocked.Add(ref sent, 10);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        var receiving = Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            var handles = new List<string>(10);
            while (clock.Elapsed < duration)
            {
                var (ok, response) = await CallAsync("ReceiveMessage", receive).ConfigureAwait(false);
                Interlocked.Increment(ref requests);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }
                handles.Clear();
                ReadReceiptHandles(response, handles);
                if (handles.Count == 0)
                {
                    continue;
                }
                var delete = new StringBuilder().Append("{\"QueueUrl\":\"").Append(url).Append("\",\"Entries\":[");
                for (var i = 0; i < handles.Count; i++)
                {
                    delete.Append(i == 0 ? string.Empty : ",").Append("{\"Id\":\"d").Append(i).Append("\",\"ReceiptHandle\":\"").Append(handles[i]).Append("\"}");
                }
                var (deleted, _) = await CallAsync("DeleteMessageBatch", Encoding.UTF8.GetBytes(delete.Append("]}").ToString())).ConfigureAwait(false);
                Interlocked.Increment(ref requests);
                if (deleted)
                {
                    Interlocked.Add(ref received, handles.Count);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        await Task.WhenAll(sending.Concat(receiving)).ConfigureAwait(false);
        return new LoadResult(requests, sent, received, errors, clock.Elapsed.TotalSeconds, latencies);
    }

    private static void ReadReceiptHandles(byte[] response, List<string> handles)
    {
        var reader = new Utf8JsonReader(response);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("ReceiptHandle"u8))
            {
                reader.Read();
                handles.Add(reader.GetString()!);
            }
        }
    }

    /// <summary>Parks <paramref name="count"/> long polls (20 s) on an empty queue; stopping cancels them.</summary>
    public async Task<IdlePolls> StartIdlePollsAsync(string name, int count)
    {
        var url = await CreateQueueAsync(name).ConfigureAwait(false);
        var receive = Encoding.UTF8.GetBytes($"{{\"QueueUrl\":\"{url}\",\"WaitTimeSeconds\":20}}");
        var cancel = new CancellationTokenSource();
        var tasks = new Task[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = Task.Run(async () =>
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint + "/") { Content = new ByteArrayContent(receive) };
                    request.Content.Headers.ContentType = JsonType;
                    request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS.ReceiveMessage");
                    request.Headers.TryAddWithoutValidation("Authorization", Authorization);
                    using var response = await _http.SendAsync(request, cancel.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            });
        }
        // Let them all arrive and park.
        await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        return new IdlePolls(cancel, tasks);
    }

    internal sealed class IdlePolls(CancellationTokenSource cancel, Task[] tasks)
    {
        public async Task StopAsync()
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
            cancel.Dispose();
        }
    }
}
