using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Tideway.Transform;

/// <summary>
/// What an Amazon EventBridge target receives for a matched event, from the target's input
/// settings: nothing set gives the whole event; <c>Input</c> gives that constant JSON text;
/// <c>InputPath</c> gives the part of the event a JSONPath selects; <c>InputTransformer</c> gives
/// <c>InputTemplate</c> with its <c>&lt;variable&gt;</c> placeholders filled from the
/// <c>InputPathsMap</c> paths and the predefined <c>aws.events.*</c> variables.
/// </summary>
/// <remarks>
/// Create one with <see cref="TryCreate(string, string, string, IReadOnlyDictionary{string, string}, string, bool, out TargetInput, out string)"/>
/// when PutTargets stores the target (it validates the settings with EventBridge's rules and
/// messages), then call <see cref="TryRender(ReadOnlySpan{byte}, in TransformContext, out byte[], out string)"/>
/// for each matched event. Rendering reads the event once with <see cref="Utf8JsonReader"/>,
/// skipping every subtree no path leads into, and builds no document tree. An instance is
/// immutable and safe to use from many threads.
/// </remarks>
public sealed class TargetInput
{
    private const int MaxRetainedBufferBytes = 1024 * 1024;

    [ThreadStatic]
    private static RenderScratch? _scratch;

    private readonly byte[]? _constant;
    private readonly EventSelector? _selector;
    private readonly CompiledTemplate? _template;

    private TargetInput(TargetInputKind kind, byte[]? constant, EventSelector? selector, CompiledTemplate? template)
    {
        Kind = kind;
        _constant = constant;
        _selector = selector;
        _template = template;
    }

    /// <summary>The input of a target with no input setting: the whole event.</summary>
    public static TargetInput WholeEvent { get; } = new(TargetInputKind.WholeEvent, null, null, null);

    /// <summary>Which input setting decides what the target receives.</summary>
    public TargetInputKind Kind { get; }

    /// <summary>Whether the target receives the whole event unchanged.</summary>
    public bool IsWholeEvent => Kind == TargetInputKind.WholeEvent;

    /// <summary>
    /// Validates a target's input settings as PutTargets does, without the target's Id in the
    /// messages. Prefer the overload that takes the Id, so messages read as EventBridge's.
    /// </summary>
    /// <param name="input">The target's <c>Input</c>, or null.</param>
    /// <param name="inputPath">The target's <c>InputPath</c>, or null.</param>
    /// <param name="inputPathsMap">The <c>InputTransformer</c>'s <c>InputPathsMap</c>, or null.</param>
    /// <param name="inputTemplate">The <c>InputTransformer</c>'s <c>InputTemplate</c>, or null.</param>
    /// <param name="hasInputTransformer">Whether the target has an <c>InputTransformer</c>.</param>
    /// <param name="targetInput">The input when the settings are valid.</param>
    /// <param name="error">The <c>ValidationException</c> message when they are not.</param>
    /// <returns>Whether the settings are valid.</returns>
    public static bool TryCreate(
        string? input,
        string? inputPath,
        IReadOnlyDictionary<string, string>? inputPathsMap,
        string? inputTemplate,
        bool hasInputTransformer,
        [NotNullWhen(true)] out TargetInput? targetInput,
        [NotNullWhen(false)] out string? error) =>
        TryCreate(null, input, inputPath, inputPathsMap, inputTemplate, hasInputTransformer, out targetInput, out error);

    /// <summary>Validates a target's input settings as PutTargets does.</summary>
    /// <param name="targetId">The target's <c>Id</c>, named in messages (null leaves it out).</param>
    /// <param name="input">The target's <c>Input</c>, or null.</param>
    /// <param name="inputPath">The target's <c>InputPath</c>, or null.</param>
    /// <param name="inputPathsMap">The <c>InputTransformer</c>'s <c>InputPathsMap</c>, or null.</param>
    /// <param name="inputTemplate">The <c>InputTransformer</c>'s <c>InputTemplate</c>, or null.</param>
    /// <param name="hasInputTransformer">Whether the target has an <c>InputTransformer</c>; when false, <paramref name="inputPathsMap"/> and <paramref name="inputTemplate"/> are ignored.</param>
    /// <param name="targetInput">The input when the settings are valid.</param>
    /// <param name="error">The <c>ValidationException</c> message when they are not.</param>
    /// <returns>Whether the settings are valid.</returns>
    public static bool TryCreate(
        string? targetId,
        string? input,
        string? inputPath,
        IReadOnlyDictionary<string, string>? inputPathsMap,
        string? inputTemplate,
        bool hasInputTransformer,
        [NotNullWhen(true)] out TargetInput? targetInput,
        [NotNullWhen(false)] out string? error)
    {
        targetInput = null;
        var settings = (input is null ? 0 : 1) + (inputPath is null ? 0 : 1) + (hasInputTransformer ? 1 : 0);
        if (settings > 1)
        {
            error = ValidationMessages.OnlyOneInputKind(targetId);
            return false;
        }

        if (input is not null)
        {
            return TryCreateInput(targetId, input, out targetInput, out error);
        }

        if (inputPath is not null)
        {
            return TryCreateInputPath(targetId, inputPath, out targetInput, out error);
        }

        if (hasInputTransformer)
        {
            return TryCreateTransformer(targetId, inputPathsMap, inputTemplate, out targetInput, out error);
        }

        targetInput = WholeEvent;
        error = null;
        return true;
    }

    /// <summary>Renders what the target receives for one event.</summary>
    /// <param name="utf8Event">The event envelope as delivered (compact JSON, UTF-8).</param>
    /// <param name="context">The rule and ingestion time, for the predefined variables.</param>
    /// <returns>The target's input as UTF-8, in a new array.</returns>
    /// <exception cref="InvalidOperationException">EventBridge would not deliver this output (see <see cref="TryRender(ReadOnlySpan{byte}, in TransformContext, out byte[], out string)"/>).</exception>
    public byte[] Render(ReadOnlySpan<byte> utf8Event, in TransformContext context)
    {
        if (!TryRender(utf8Event, context, out var output, out var error))
        {
            ThrowUndeliverable(error);
        }

        return output;
    }

    /// <summary>
    /// Renders what the target receives for one event, or says why EventBridge would deliver
    /// nothing: an <c>InputPath</c> that selects nothing, an object or array placed inside a quoted
    /// string of a JSON template, or an event that is not valid JSON. Such a failure depends only on
    /// the event and the settings, so retrying cannot succeed.
    /// </summary>
    /// <param name="utf8Event">The event envelope as delivered (compact JSON, UTF-8).</param>
    /// <param name="context">The rule and ingestion time, for the predefined variables.</param>
    /// <param name="output">The target's input as UTF-8, in a new array, when it can be delivered.</param>
    /// <param name="error">Why it cannot, otherwise.</param>
    /// <returns>Whether there is an output to deliver.</returns>
    public bool TryRender(ReadOnlySpan<byte> utf8Event, in TransformContext context, [NotNullWhen(true)] out byte[]? output, [NotNullWhen(false)] out string? error)
    {
        switch (Kind)
        {
            case TargetInputKind.WholeEvent:
                output = utf8Event.ToArray();
                error = null;
                return true;
            case TargetInputKind.Input:
                output = _constant.AsSpan().ToArray();
                error = null;
                return true;
        }

        var scratch = _scratch ??= new RenderScratch();
        var buffer = scratch.Output;
        buffer.ResetWrittenCount();
        if (!TryRenderCore(utf8Event, context, buffer, scratch.Captures, out error))
        {
            output = null;
            return false;
        }

        output = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxRetainedBufferBytes)
        {
            scratch.Output = new ArrayBufferWriter<byte>(1024);
        }

        return true;
    }

    /// <summary>
    /// Renders what the target receives for one event into a buffer. Nothing is written when the
    /// output cannot be delivered.
    /// </summary>
    /// <param name="utf8Event">The event envelope as delivered (compact JSON, UTF-8).</param>
    /// <param name="context">The rule and ingestion time, for the predefined variables.</param>
    /// <param name="destination">Where the target's input is written as UTF-8.</param>
    /// <param name="error">Why there is no output to deliver, when there is none.</param>
    /// <returns>Whether there is an output to deliver.</returns>
    public bool TryRender(ReadOnlySpan<byte> utf8Event, in TransformContext context, IBufferWriter<byte> destination, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(destination);
        switch (Kind)
        {
            case TargetInputKind.WholeEvent:
                JsonText.Write(destination, utf8Event);
                error = null;
                return true;
            case TargetInputKind.Input:
                JsonText.Write(destination, _constant);
                error = null;
                return true;
        }

        var scratch = _scratch ??= new RenderScratch();
        return TryRenderCore(utf8Event, context, destination, scratch.Captures, out error);
    }

    private bool TryRenderCore(ReadOnlySpan<byte> utf8Event, in TransformContext context, IBufferWriter<byte> destination, CaptureList captures, [NotNullWhen(false)] out string? error)
    {
        var selector = _selector!;
        captures.Clear();
        if (selector.Count > 0)
        {
            try
            {
                selector.Select(utf8Event, captures);
            }
            catch (JsonException e)
            {
                error = "The event is not valid JSON: " + e.Message;
                return false;
            }
        }

        if (Kind == TargetInputKind.InputTransformer)
        {
            return _template!.TryRender(utf8Event, captures, selector, context, destination, out error);
        }

        var path = selector[0];
        if (path.IsDefinite && !captures.TryGetLast(0, out _))
        {
            error = $"InputPath {path.Text} selects nothing in the event.";
            return false;
        }

        CompiledTemplate.WritePathValue(utf8Event, captures, path, 0, destination, inString: false);
        error = null;
        return true;
    }

    private static bool TryCreateInput(string? targetId, string input, out TargetInput? targetInput, out string? error)
    {
        targetInput = null;
        if (input.Length > ValidationMessages.MaxInputLength)
        {
            error = ValidationMessages.TooLong("input", input, ValidationMessages.MaxInputLength);
            return false;
        }

        var utf8 = Encoding.UTF8.GetBytes(input);
        if (!JsonText.IsOneJsonValue(utf8))
        {
            error = ValidationMessages.InputNotJson(targetId);
            return false;
        }

        targetInput = new TargetInput(TargetInputKind.Input, utf8, null, null);
        error = null;
        return true;
    }

    private static bool TryCreateInputPath(string? targetId, string inputPath, out TargetInput? targetInput, out string? error)
    {
        targetInput = null;
        if (inputPath.Length > ValidationMessages.MaxInputPathLength)
        {
            error = ValidationMessages.TooLong("inputPath", inputPath, ValidationMessages.MaxInputPathLength);
            return false;
        }

        if (!JsonPath.TryParse(inputPath, out var path))
        {
            error = ValidationMessages.InputPathInvalid(targetId);
            return false;
        }

        var paths = new EventSelectorBuilder();
        paths.Add(path);
        targetInput = new TargetInput(TargetInputKind.InputPath, null, paths.Build(), null);
        error = null;
        return true;
    }

    private static bool TryCreateTransformer(
        string? targetId,
        IReadOnlyDictionary<string, string>? inputPathsMap,
        string? inputTemplate,
        out TargetInput? targetInput,
        out string? error)
    {
        targetInput = null;
        if (inputTemplate is null)
        {
            error = ValidationMessages.TemplateMissing();
            return false;
        }

        if (inputTemplate.Length > ValidationMessages.MaxInputTemplateLength)
        {
            error = ValidationMessages.TooLong("inputTransformer.inputTemplate", inputTemplate, ValidationMessages.MaxInputTemplateLength);
            return false;
        }

        if (inputTemplate.Length == 0)
        {
            error = ValidationMessages.TooShort("inputTransformer.inputTemplate", inputTemplate, 1);
            return false;
        }

        var map = inputPathsMap ?? new Dictionary<string, string>();
        if (map.Count > ValidationMessages.MaxInputPathsMapEntries)
        {
            error = ValidationMessages.TooManyEntries(map);
            return false;
        }

        foreach (var (key, value) in map)
        {
            if (!ValidationMessages.IsValidKey(key))
            {
                error = ValidationMessages.InvalidKey(map, key);
                return false;
            }

            if (value is { Length: > ValidationMessages.MaxInputPathsMapValueLength })
            {
                error = ValidationMessages.ValueTooLong(map);
                return false;
            }
        }

        var paths = new EventSelectorBuilder();
        var variables = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            if (value is null || !JsonPath.TryParse(value, out var path))
            {
                error = ValidationMessages.InputPathInvalid(targetId);
                return false;
            }

            variables[key] = paths.Add(path);
        }

        if (!CompiledTemplate.TryCompile(inputTemplate, variables, paths, targetId, out var template, out error))
        {
            return false;
        }

        targetInput = new TargetInput(TargetInputKind.InputTransformer, null, paths.Build(), template);
        return true;
    }

    [DoesNotReturn]
    private static void ThrowUndeliverable(string error) => throw new InvalidOperationException(error);

    /// <summary>Per-thread buffers reused from one render to the next.</summary>
    private sealed class RenderScratch
    {
        public CaptureList Captures { get; } = new();

        public ArrayBufferWriter<byte> Output { get; set; } = new(1024);
    }
}
