using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tideway.Primitives;

namespace Tideway.Bus;

public sealed partial class EventBusEngine
{
    /// <summary>Largest PutEvents entry, as AWS computes entry size.</summary>
    public const int MaxEntryBytes = 256 * 1024;

    /// <summary>Entries per PutEvents call.</summary>
    public const int MaxEntries = 10;

    /// <summary>Deepest nesting of a Detail object AWS processes.</summary>
    public const int MaxDetailDepth = 1000;

    // The envelope is one level above the detail; the writer checks depth even without validation.
    private static readonly JsonWriterOptions EnvelopeWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, MaxDepth = MaxDetailDepth + 2 };

    /// <summary>PutEvents: validates each entry on its own and makes the accepted ones durable (IngestAsync) before answering; they are matched and delivered behind the answer.</summary>
    public async Task<PutEventsResultEntry[]> PutEventsAsync(RequestScope scope, IReadOnlyList<PutEventsRequestEntry>? entries)
    {
        if (entries is null || entries.Count is 0 or > MaxEntries)
        {
            throw Validation(entries is { Count: > MaxEntries }
                ? $"1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to {MaxEntries}"
                : "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
        }
        var total = 0;
        foreach (var entry in entries)
        {
            if (entry is null || entry.Resources is { } resources && resources.Contains(null!))
            {
                throw Validation("1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
            }
            total += EntrySize(entry);
        }
        if (total > MaxEntryBytes)
        {
            // AWS fails the whole call (HTTP 400) rather than the entry; see docs/compat/eventbridge.md.
            throw Validation("Total size of the entries in the request is over the limit.");
        }
        var now = Now;
        var results = new PutEventsResultEntry[entries.Count];
        // Usually one bus per call; an entry naming another bus gets its own batch. The scratch buffers are
        // reused across calls: only the encoded batch that the store and the router keep is allocated.
        var scratch = Scratch.Rent();
        List<BatchBuilder>? others = null;
        (BusState Bus, byte[] Bytes)[] batches;
        try
        {
            BatchBuilder? first = null;
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                if (!TryAccept(scope, entry, scratch.Details, out var bus, out var detail, out var code, out var message))
                {
                    results[i] = new PutEventsResultEntry(null, code, message);
                    continue;
                }
                var builder = first is null || first.Bus == bus ? first ??= scratch.Batch.Start(bus!, now) : Find(ref others, bus!, now);
                var id = Ids.NewId();
                builder.Add(scope, entry, id, scratch.Details.Span(detail), now);
                results[i] = new PutEventsResultEntry(id, null, null);
            }
            batches = first is null ? [] : others is null ? [(first.Bus, first.ToArray())] : [(first.Bus, first.ToArray()), .. others.Select(b => (b.Bus, b.ToArray()))];
        }
        finally
        {
            Scratch.Return(scratch);
            others?.ForEach(b => b.Dispose());
        }
        if (batches.Length == 1)
        {
            await IngestAsync(batches[0].Bus, batches[0].Bytes).ConfigureAwait(false);
        }
        else if (batches.Length > 1)
        {
            await Task.WhenAll(batches.Select(b => IngestAsync(b.Bus, b.Bytes))).ConfigureAwait(false);
        }
        return results;
    }

    /// <summary>The reusable buffers of one PutEvents call: one per thread at most, returned before the call awaits.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? _cachedForThread;

        public DetailBuffer Details { get; } = new();

        public BatchBuilder Batch { get; } = new();

        public static Scratch Rent()
        {
            var scratch = _cachedForThread ?? new Scratch();
            _cachedForThread = null;
            scratch.Details.Reset();
            return scratch;
        }

        public static void Return(Scratch scratch) => _cachedForThread = scratch;
    }

    private static BatchBuilder Find(ref List<BatchBuilder>? others, BusState bus, long now)
    {
        others ??= [];
        foreach (var builder in others)
        {
            if (builder.Bus == bus)
            {
                return builder;
            }
        }
        var added = new BatchBuilder().Start(bus, now);
        others.Add(added);
        return added;
    }

    /// <summary>
    /// Writes the accepted events of one bus as one batch record; the answer waits for its commit. The router
    /// matches the batch and delivers it behind the answer, and forgets it once every delivery has settled
    /// (ADR 0004).
    /// </summary>
    private async Task IngestAsync(BusState bus, byte[] bytes)
    {
        var id = await _store.AppendBatchAsync(bus.Account, bus.Region, bus.Name, bytes).ConfigureAwait(false);
        Enqueue(new Storage.EventBatch(id, bus.Account, bus.Region, bus.Name, bytes));
    }

    /// <summary>Validates one entry: false with the entry's ErrorCode and ErrorMessage when it fails.</summary>
    private bool TryAccept(RequestScope scope, PutEventsRequestEntry entry, DetailBuffer details, out BusState? bus, out Range detail, out string? code, out string? message)
    {
        bus = null;
        detail = default;
        if (string.IsNullOrEmpty(entry.Source))
        {
            return Fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.", out code, out message);
        }
        if (string.IsNullOrEmpty(entry.DetailType))
        {
            return Fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.", out code, out message);
        }
        if (entry.DetailUtf8 is { Length: 0 } || entry.DetailUtf8 is null && string.IsNullOrEmpty(entry.Detail))
        {
            return Fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.", out code, out message);
        }
        var compacted = entry.DetailUtf8 is { } utf8 ? details.TryCompact(utf8.Span, out detail, out var tooDeep) : details.TryCompact(entry.Detail!, out detail, out tooDeep);
        if (!compacted)
        {
            return Fail("MalformedDetail", tooDeep ? $"Detail is malformed: it is nested deeper than {MaxDetailDepth} levels." : "Detail is malformed.", out code, out message);
        }
        (string Account, string Region, string Name) key;
        try
        {
            key = BusKey(scope, entry.EventBusName);
        }
        catch (ServiceException e)
        {
            return Fail("InvalidArgument", e.Message, out code, out message);
        }
        lock (_gate)
        {
            bus = BusOrDefault(key.Account, key.Region, key.Name);
        }
        if (bus is null || key.Region != scope.Region)
        {
            // AWS accepts and drops events for a bus that does not exist; Tideway fails the entry (docs/compat/eventbridge.md).
            return Fail("ResourceNotFoundException", $"Event bus {key.Name} does not exist.", out code, out message);
        }
        if (!MayPutEvents(bus, scope.Account))
        {
            return Fail("AccessDeniedException", $"User: arn:aws:iam::{scope.Account}:root is not authorized to perform: events:PutEvents on resource: {bus.Arn} because no resource-based policy allows the events:PutEvents action", out code, out message);
        }
        code = null;
        message = null;
        return true;
    }

    private static bool Fail(string errorCode, string errorMessage, out string? code, out string? message)
    {
        code = errorCode;
        message = errorMessage;
        return false;
    }

    /// <summary>The entry size as AWS documents it: Time 14 bytes, and the UTF-8 bytes of Source, DetailType, Detail and each resource.</summary>
    internal static int EntrySize(PutEventsRequestEntry entry)
    {
        var size = entry.Time is null ? 0 : 14;
        size += Encoding.UTF8.GetByteCount(entry.Source ?? string.Empty);
        size += Encoding.UTF8.GetByteCount(entry.DetailType ?? string.Empty);
        size += entry.DetailUtf8?.Length ?? Encoding.UTF8.GetByteCount(entry.Detail ?? string.Empty);
        if (entry.Resources is not null)
        {
            foreach (var resource in entry.Resources)
            {
                size += Encoding.UTF8.GetByteCount(resource ?? string.Empty);
            }
        }
        return size;
    }

    /// <summary>The <c>time</c> format of an event: seconds precision, UTC.</summary>
    internal static string FormatTime(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The events of one ingest, encoded for the store: the ingestion time (8 bytes), then each event as a
    /// 4-byte length and its envelope JSON.
    /// </summary>
    private sealed class BatchBuilder : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
        private readonly Utf8JsonWriter _writer;

        public BatchBuilder() => _writer = new Utf8JsonWriter(_buffer, EnvelopeWriterOptions);

        public BusState Bus { get; private set; } = null!;

        /// <summary>Starts a new batch in this builder's (reused) buffer.</summary>
        public BatchBuilder Start(BusState bus, long ingestedAt)
        {
            Bus = bus;
            _buffer.ResetWrittenCount();
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), ingestedAt);
            _buffer.Advance(8);
            return this;
        }

        public void Add(RequestScope scope, PutEventsRequestEntry entry, string id, ReadOnlySpan<byte> detail, long now)
        {
            var lengthAt = _buffer.WrittenCount;
            _buffer.GetSpan(4);
            _buffer.Advance(4);
            _writer.Reset(_buffer);
            _writer.WriteStartObject();
            _writer.WriteString("version"u8, "0"u8);
            _writer.WriteString("id"u8, id);
            _writer.WriteString("detail-type"u8, entry.DetailType);
            _writer.WriteString("source"u8, entry.Source);
            _writer.WriteString("account"u8, scope.Account);
            _writer.WriteString("time"u8, FormatTime(entry.Time?.ToUnixTimeMilliseconds() ?? now));
            _writer.WriteString("region"u8, Bus.Region);
            _writer.WriteStartArray("resources"u8);
            if (entry.Resources is not null)
            {
                foreach (var resource in entry.Resources)
                {
                    _writer.WriteStringValue(resource);
                }
            }
            _writer.WriteEndArray();
            _writer.WritePropertyName("detail"u8);
            _writer.WriteRawValue(detail, skipInputValidation: true);
            _writer.WriteEndObject();
            _writer.Flush();
            var length = _buffer.WrittenCount - lengthAt - 4;
            // ArrayBufferWriter exposes only the written span read-only; the length slot is patched through the underlying memory.
            BinaryPrimitives.WriteInt32LittleEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span[lengthAt..], length);
        }

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

        public void Dispose() => _writer.Dispose();
    }

    /// <summary>
    /// The details of one PutEvents call, validated and written compactly (whitespace dropped, strings
    /// re-escaped minimally) in one pass each, into one buffer the envelopes then copy from.
    /// </summary>
    private sealed class DetailBuffer : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _output = new(16 * 1024);
        private readonly Utf8JsonWriter _writer;
        private byte[] _input = ArrayPool<byte>.Shared.Rent(4096);
        private byte[] _scratch = ArrayPool<byte>.Shared.Rent(256);

        public DetailBuffer() => _writer = new Utf8JsonWriter(_output, EnvelopeWriterOptions);

        public void Reset() => _output.ResetWrittenCount();

        public ReadOnlySpan<byte> Span(Range range) => _output.WrittenSpan[range];

        /// <summary>False when the text is not one JSON object nested no deeper than AWS allows (what is written then is ignored).</summary>
        public bool TryCompact(string json, out Range range, out bool tooDeep)
        {
            var max = Encoding.UTF8.GetMaxByteCount(json.Length);
            if (_input.Length < max)
            {
                ArrayPool<byte>.Shared.Return(_input);
                _input = ArrayPool<byte>.Shared.Rent(max);
            }
            var count = Encoding.UTF8.GetBytes(json, _input);
            return TryCompact(_input.AsSpan(0, count), out range, out tooDeep);
        }

        /// <summary>As above, from UTF-8 text (which must be valid UTF-8: the writer refuses anything else).</summary>
        public bool TryCompact(ReadOnlySpan<byte> utf8, out Range range, out bool tooDeep)
        {
            range = default;
            tooDeep = false;
            if (!System.Text.Unicode.Utf8.IsValid(utf8))
            {
                return false;
            }
            var start = _output.WrittenCount;
            _writer.Reset(_output);
            try
            {
                var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDetailDepth });
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }
                do
                {
                    Copy(ref reader);
                }
                while (reader.Read());
            }
            catch (JsonException e)
            {
                tooDeep = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
                _writer.Reset(_output);
                return false;
            }
            catch (InvalidOperationException)
            {
                // An escape that is not text (a lone surrogate such as \ud800) cannot be unescaped.
                _writer.Reset(_output);
                return false;
            }
            _writer.Flush();
            range = start.._output.WrittenCount;
            return true;
        }

        private void Copy(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    _writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    _writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    _writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    _writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    _writer.WritePropertyName(Unescaped(ref reader, ref _scratch));
                    break;
                case JsonTokenType.String:
                    _writer.WriteStringValue(Unescaped(ref reader, ref _scratch));
                    break;
                case JsonTokenType.Number:
                    _writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    _writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    _writer.WriteBooleanValue(false);
                    break;
                case JsonTokenType.Null:
                    _writer.WriteNullValue();
                    break;
            }
        }

        public void Dispose()
        {
            _writer.Dispose();
            ArrayPool<byte>.Shared.Return(_input);
            ArrayPool<byte>.Shared.Return(_scratch);
        }
    }

    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[] scratch)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }
        if (scratch.Length < reader.ValueSpan.Length)
        {
            ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        }
        var written = reader.CopyString(scratch);
        return scratch.AsSpan(0, written);
    }
}
