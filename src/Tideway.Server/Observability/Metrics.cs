using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Tideway.Server.Observability;

/// <summary>
/// The server's Prometheus metrics: request counters and latency histograms per service and operation,
/// plus gauges read at scrape time. Lock-free on the request path (one dictionary lookup and
/// interlocked adds per request).
/// </summary>
public sealed class Metrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25];

    private readonly ConcurrentDictionary<(string Service, string Operation, int Status), Series> _requests = new();
    private readonly List<(string Name, string Help, Func<IEnumerable<(string Labels, double Value)>> Read)> _gauges = [];
    private readonly List<(string Name, string Help, Func<IEnumerable<HistogramSeries>> Read)> _histograms = [];

    /// <summary>One labelled histogram read at scrape time: bucket upper bounds, per-bucket (not cumulative) counts with one extra for +Inf, and the sum.</summary>
    public readonly record struct HistogramSeries(string Labels, IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum);

    /// <summary>Adds a histogram read at each scrape.</summary>
    public void Histogram(string name, string help, Func<IEnumerable<HistogramSeries>> read)
    {
        lock (_histograms)
        {
            _histograms.Add((name, help, read));
        }
    }

    /// <summary>Records one request.</summary>
    public void Request(string service, string operation, int status, double seconds)
    {
        var series = _requests.GetOrAdd((service, operation, status), static _ => new Series());
        series.Observe(seconds);
    }

    /// <summary>Adds a gauge (or counter when <paramref name="name"/> ends in <c>_total</c>) read at each scrape.</summary>
    public void Gauge(string name, string help, Func<IEnumerable<(string Labels, double Value)>> read)
    {
        lock (_gauges)
        {
            _gauges.Add((name, help, read));
        }
    }

    /// <summary>Writes the Prometheus text exposition format (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder(4096);
        text.Append("# HELP tideway_requests_total API requests by service, operation and HTTP status.\n# TYPE tideway_requests_total counter\n");
        var series = _requests.ToArray();
        Array.Sort(series, static (a, b) => string.CompareOrdinal(a.Key.Service + a.Key.Operation + a.Key.Status, b.Key.Service + b.Key.Operation + b.Key.Status));
        foreach (var ((service, operation, status), value) in series)
        {
            text.Append(CultureInfo.InvariantCulture, $"tideway_requests_total{{service=\"{service}\",operation=\"{operation}\",status=\"{status}\"}} {value.Count}\n");
        }
        text.Append("# HELP tideway_request_duration_seconds API request latency, from the request's arrival to the response.\n# TYPE tideway_request_duration_seconds histogram\n");
        var merged = new Dictionary<(string, string), (long[] Buckets, long Count, double Sum)>();
        foreach (var ((service, operation, _), value) in series)
        {
            var key = (service, operation);
            var (buckets, count, sum) = merged.TryGetValue(key, out var existing) ? existing : (new long[Buckets.Length], 0L, 0.0);
            for (var i = 0; i < Buckets.Length; i++)
            {
                buckets[i] += Interlocked.Read(ref value.Buckets[i]);
            }
            merged[key] = (buckets, count + value.Count, sum + value.Sum);
        }
        foreach (var ((service, operation), (buckets, count, sum)) in merged.OrderBy(m => m.Key.Item1 + m.Key.Item2, StringComparer.Ordinal))
        {
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += buckets[i];
                text.Append(CultureInfo.InvariantCulture, $"tideway_request_duration_seconds_bucket{{service=\"{service}\",operation=\"{operation}\",le=\"{Buckets[i]}\"}} {cumulative}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"tideway_request_duration_seconds_bucket{{service=\"{service}\",operation=\"{operation}\",le=\"+Inf\"}} {count}\n");
            text.Append(CultureInfo.InvariantCulture, $"tideway_request_duration_seconds_sum{{service=\"{service}\",operation=\"{operation}\"}} {sum}\n");
            text.Append(CultureInfo.InvariantCulture, $"tideway_request_duration_seconds_count{{service=\"{service}\",operation=\"{operation}\"}} {count}\n");
        }
        lock (_gauges)
        {
            foreach (var (name, help, read) in _gauges)
            {
                text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {(name.EndsWith("_total", StringComparison.Ordinal) ? "counter" : "gauge")}\n");
                foreach (var (labels, value) in read())
                {
                    text.Append(name);
                    if (labels.Length > 0)
                    {
                        text.Append('{').Append(labels).Append('}');
                    }
                    text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }
        lock (_histograms)
        {
            foreach (var (name, help, read) in _histograms)
            {
                text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
                foreach (var histogram in read())
                {
                    long cumulative = 0;
                    for (var i = 0; i < histogram.Counts.Count; i++)
                    {
                        cumulative += histogram.Counts[i];
                        var bound = i < histogram.Bounds.Count ? histogram.Bounds[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{histogram.Labels},le=\"{bound}\"}} {cumulative}\n");
                    }
                    text.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{histogram.Labels}}} {histogram.Sum}\n");
                    text.Append(CultureInfo.InvariantCulture, $"{name}_count{{{histogram.Labels}}} {cumulative}\n");
                }
            }
        }
        return text.ToString();
    }

    private sealed class Series
    {
        public readonly long[] Buckets = new long[Metrics.Buckets.Length];
        private long _count;
        private long _sumMicros;

        public long Count => Interlocked.Read(ref _count);

        public double Sum => Interlocked.Read(ref _sumMicros) / 1e6;

        public void Observe(double seconds)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _sumMicros, (long)(seconds * 1e6));
            for (var i = 0; i < Metrics.Buckets.Length; i++)
            {
                if (seconds <= Metrics.Buckets[i])
                {
                    Interlocked.Increment(ref Buckets[i]);
                    break;
                }
            }
        }
    }
}
