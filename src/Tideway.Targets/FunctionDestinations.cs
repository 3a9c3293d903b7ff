using System.Text;
using Tideway.Bus;
using Tideway.Functions;
using Tideway.Primitives;
using Tideway.Queues;
using Tideway.Storage;

namespace Tideway.Targets;

/// <summary>
/// Where asynchronous invocations report their outcome: SQS queues and event buses of this server, or another
/// function (invoked asynchronously with the record). The bus and function engines are set once built, since
/// each of them needs this object (or the bus's targets) to be built first.
/// </summary>
public sealed class FunctionDestinations(SqsEngine queues) : IAsyncDestinations
{
    /// <summary>The bus engine (for event-bus destinations).</summary>
    public EventBusEngine? Bus { get; set; }

    /// <summary>The function engine (for function destinations).</summary>
    public FunctionsEngine? Functions { get; set; }

    /// <summary>Outcomes that could not be delivered (the destination is missing or refused them).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    private long _failed;

    /// <inheritdoc />
    public async ValueTask SendRecordAsync(RequestScope scope, string destinationArn, string functionArn, bool success, byte[] record)
    {
        var service = destinationArn.Split(':') is { Length: >= 6 } parts ? parts[2] : string.Empty;
        try
        {
            switch (service)
            {
                case "sqs":
                    await SendAsync(destinationArn, Encoding.UTF8.GetString(record), null).ConfigureAwait(false);
                    break;
                case "events" when Bus is not null:
                    var results = await Bus.PutEventsAsync(scope, [new PutEventsRequestEntry
                    {
                        Source = "lambda",
                        DetailType = success ? "Lambda Function Invocation Result - Success" : "Lambda Function Invocation Result - Failure",
                        Detail = Encoding.UTF8.GetString(record),
                        Resources = [destinationArn, functionArn],
                        EventBusName = destinationArn,
                    }]).ConfigureAwait(false);
                    if (results[0].ErrorCode is not null)
                    {
                        Interlocked.Increment(ref _failed);
                    }
                    break;
                case "lambda" when Functions is not null:
                    await Functions.InvokeAsync(scope, destinationArn, null, InvocationType.Event, false, null, record).ConfigureAwait(false);
                    break;
                default:
                    // Anything else (SNS is refused when the destination is configured): nothing here to deliver to.
                    Interlocked.Increment(ref _failed);
                    break;
            }
        }
        catch (ServiceException)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <inheritdoc />
    public async ValueTask SendToDeadLetterAsync(RequestScope scope, string targetArn, ReadOnlyMemory<byte> payload, string requestId, int errorCode, string errorMessage)
    {
        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
        {
            ["RequestID"] = new("String", requestId, null),
            ["ErrorCode"] = new("Number", errorCode.ToString(System.Globalization.CultureInfo.InvariantCulture), null),
            ["ErrorMessage"] = new("String", errorMessage.Length == 0 ? " " : errorMessage.Length > 1024 ? errorMessage[..1024] : errorMessage, null),
        };
        try
        {
            await SendAsync(targetArn, Encoding.UTF8.GetString(payload.Span), attributes).ConfigureAwait(false);
        }
        catch (ServiceException)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    private async Task SendAsync(string queueArn, string body, Dictionary<string, MessageAttributeValue>? attributes)
    {
        var queue = queues.FindByArn(queueArn);
        if (queue is null)
        {
            Interlocked.Increment(ref _failed);
            return;
        }
        try
        {
            await queues.SendMessageAsync(new RequestScope(queue.Account, queue.Region), queue, new SendMessageEntry(null, body, MessageAttributes: attributes)).ConfigureAwait(false);
        }
        catch (StoreClosedException)
        {
            throw;
        }
    }
}
