using System.Text;

namespace Tideway.Functions;

/// <summary>One invocation on its way through an execution environment.</summary>
internal sealed class Invocation(string requestId, ReadOnlyMemory<byte> payload, string? clientContext, bool tail)
{
    private readonly TaskCompletionSource<InvokeResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string RequestId { get; } = requestId;

    public ReadOnlyMemory<byte> Payload { get; } = payload;

    public string? ClientContext { get; } = clientContext;

    /// <summary>Whether the caller asked for the log tail.</summary>
    public bool Tail { get; } = tail;

    /// <summary>The function's output during the invocation, in order.</summary>
    public List<FunctionLogLine> Lines { get; } = [];

    /// <summary>Stopwatch timestamp of the hand-out by <c>invocation/next</c>.</summary>
    public long HandedOutAt { get; set; }

    /// <summary>Set once: the payload and error type the invocation ended with.</summary>
    public Outcome? Ended { get; set; }

    public Task<InvokeResult> Result => _result.Task;

    public void Complete(InvokeResult result) => _result.TrySetResult(result);

    private InvokeResult? _tailResult;
    private int _tailParts;

    /// <summary>
    /// With a log tail the caller's answer waits for two things, which come in either order: the lines (the
    /// reader, at the end marker, passes the result) and the environment set free (Settle, passing null). The
    /// second completes it, so that a caller invoking again at once finds the environment idle.
    /// </summary>
    public void TailPart(InvokeResult? result)
    {
        if (result is not null)
        {
            _tailResult = result;
        }
        if (Interlocked.Increment(ref _tailParts) == 2)
        {
            Complete(_tailResult!);
        }
    }

    /// <summary>How an invocation ended.</summary>
    /// <param name="Payload">The response, or the error document.</param>
    /// <param name="FunctionError">Null on success, else the X-Amz-Function-Error value.</param>
    /// <param name="DurationMs">Hand-out to end.</param>
    /// <param name="Status">The REPORT status for a failure of the environment (<c>timeout</c>, <c>error</c>), else null.</param>
    /// <param name="Extra">A line logged before END (the timeout notice), or null.</param>
    public sealed record Outcome(ReadOnlyMemory<byte> Payload, string? FunctionError, double DurationMs, string? Status, string? Extra);

    /// <summary>An error document as Lambda reports the environment's own failures.</summary>
    public static byte[] ErrorDocument(string errorType, string errorMessage)
    {
        var text = new StringBuilder("{\"errorType\":");
        Json.AppendString(text, errorType);
        text.Append(",\"errorMessage\":");
        Json.AppendString(text, errorMessage);
        text.Append('}');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

/// <summary>JSON string escaping for the few documents the engine writes by hand.</summary>
internal static class Json
{
    public static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }
                    break;
            }
        }
        text.Append('"');
    }
}
