using System.Globalization;
using System.Text;
using Tideway.Bus;
using Tideway.Functions;
using Tideway.Logs;
using Tideway.Primitives;
using Tideway.Queues;
using Tideway.Storage;

namespace Tideway.Targets;

/// <summary>
/// The bus engine's target ports over the SQS and CloudWatch Logs engines of the same process: a queue target
/// is a SendMessageBatch by the rule's account, a log-group target a PutLogEvents into a stream per event.
/// </summary>
public sealed class EngineTargets(SqsEngine queues, LogsEngine logs, FunctionsEngine? functions = null) : ITargetPorts
{
    // EventBridge sends no deduplication id to a FIFO queue: the queue must have content-based deduplication.
    private const int MaxBatchEntries = 10;
    private const int MaxBatchBytes = 256 * 1024;

    /// <inheritdoc />
    public string? Validate(TargetKind kind, string arn, Target target)
    {
        var parts = arn.Split(':');
        if (kind == TargetKind.Queue)
        {
            if (parts.Length != 6 || parts[5].Length == 0)
            {
                return $"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.";
            }
            var fifo = parts[5].EndsWith(".fifo", StringComparison.Ordinal);
            return fifo && string.IsNullOrEmpty(target.SqsParameters?.MessageGroupId) ? $"Parameter(s) SqsParameters must be specified for target: {target.Id}." : null;
        }
        if (kind == TargetKind.Function)
        {
            return FunctionScope(arn) is null ? $"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format." : null;
        }
        return LogGroupName(arn) is null ? $"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format." : null;
    }

    /// <summary>The account and region of a function ARN (<c>arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]</c>).</summary>
    private static RequestScope? FunctionScope(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length is 7 or 8 && parts[2] == "lambda" && parts[5] == "function" && parts[6].Length > 0 && parts[4].Length == 12
            ? new RequestScope(parts[4], parts[3])
            : null;
    }

    /// <inheritdoc />
    public async ValueTask<DeliveryError?[]> InvokeFunctionAsync(string functionArn, IReadOnlyList<ReadOnlyMemory<byte>> payloads)
    {
        var errors = new DeliveryError?[payloads.Count];
        if (functions is null || FunctionScope(functionArn) is not { } scope)
        {
            Array.Fill(errors, new DeliveryError("NO_RESOURCE", $"The function {functionArn} does not exist.", Retryable: false));
            return errors;
        }
        for (var i = 0; i < payloads.Count; i++)
        {
            try
            {
                // EventBridge invokes asynchronously: delivered once Lambda has accepted the event.
                await functions.InvokeAsync(scope, functionArn, null, InvocationType.Event, false, null, payloads[i]).ConfigureAwait(false);
            }
            catch (ServiceException e)
            {
                errors[i] = e.Code == "ResourceNotFoundException"
                    ? new DeliveryError("NO_RESOURCE", $"The function {functionArn} does not exist.", Retryable: false)
                    : new DeliveryError("SDK_CLIENT_ERROR", $"{e.Code}: {e.Message}", Retryable: e.Code == "TooManyRequestsException" || !e.SenderFault);
            }
        }
        return errors;
    }

    /// <summary>The log group name of a log-group ARN (<c>arn:aws:logs:REGION:ACCOUNT:log-group:NAME</c>, optionally ending in <c>:*</c>).</summary>
    private static (RequestScope Scope, string Name)? LogGroupName(string arn)
    {
        var parts = arn.Split(':', 7);
        if (parts.Length < 7 || parts[2] != "logs" || parts[5] != "log-group" || parts[6].Length == 0)
        {
            return null;
        }
        var name = parts[6].EndsWith(":*", StringComparison.Ordinal) ? parts[6][..^2] : parts[6];
        return name.Length == 0 ? null : (new RequestScope(parts[4], parts[3]), name);
    }

    /// <inheritdoc />
    public async ValueTask<DeliveryError?[]> SendToQueueAsync(string queueArn, IReadOnlyList<QueueDelivery> messages)
    {
        var errors = new DeliveryError?[messages.Count];
        var queue = queues.FindByArn(queueArn);
        if (queue is null)
        {
            Array.Fill(errors, new DeliveryError("NO_RESOURCE", $"The queue {queueArn} does not exist.", Retryable: false));
            return errors;
        }
        var sender = new RequestScope(queue.Account, queue.Region);
        var start = 0;
        while (start < messages.Count)
        {
            // SendMessageBatch takes 10 entries and 256 KiB in all; a bigger group goes in several calls.
            var entries = new List<SendMessageEntry>(MaxBatchEntries);
            var bytes = 0;
            var end = start;
            while (end < messages.Count && entries.Count < MaxBatchEntries && (entries.Count == 0 || bytes + messages[end].Body.Length <= MaxBatchBytes))
            {
                var message = messages[end];
                bytes += message.Body.Length;
                entries.Add(new SendMessageEntry(
                    (end - start).ToString(CultureInfo.InvariantCulture),
                    Encoding.UTF8.GetString(message.Body.Span),
                    MessageGroupId: queue.IsFifo ? message.MessageGroupId : null));
                end++;
            }
            try
            {
                var result = await queues.SendMessageBatchAsync(sender, queue, entries).ConfigureAwait(false);
                foreach (var failure in result.Failed)
                {
                    errors[start + int.Parse(failure.Id, CultureInfo.InvariantCulture)] = new DeliveryError("SDK_CLIENT_ERROR", $"{failure.Code}: {failure.Message}", Retryable: !failure.SenderFault);
                }
            }
            catch (ServiceException e)
            {
                var error = e.Code == "QueueDoesNotExist"
                    ? new DeliveryError("NO_RESOURCE", $"The queue {queueArn} does not exist.", Retryable: false)
                    : new DeliveryError("SDK_CLIENT_ERROR", $"{e.Code}: {e.Message}", Retryable: !e.SenderFault);
                for (var i = start; i < end; i++)
                {
                    errors[i] = error;
                }
            }
            start = end;
        }
        return errors;
    }

    /// <inheritdoc />
    public async ValueTask<DeliveryError?[]> PutLogEventsAsync(string logGroupArn, IReadOnlyList<LogDelivery> events)
    {
        var errors = new DeliveryError?[events.Count];
        if (LogGroupName(logGroupArn) is not var (scope, group))
        {
            Array.Fill(errors, new DeliveryError("NO_RESOURCE", $"Provided Arn is not in correct format: {logGroupArn}", Retryable: false));
            return errors;
        }
        for (var i = 0; i < events.Count; i++)
        {
            var item = events[i];
            try
            {
                // One stream per event, named by the event id.
                try
                {
                    await logs.CreateLogStreamAsync(scope, new CreateLogStreamRequest(group, item.EventId)).ConfigureAwait(false);
                }
                catch (ServiceException e) when (e.Code == "ResourceAlreadyExistsException")
                {
                }
                var response = await logs.PutLogEventsAsync(scope, new PutLogEventsRequest(group, item.EventId,
                    [new InputLogEvent(item.Timestamp, Encoding.UTF8.GetString(item.Message.Span))])).ConfigureAwait(false);
                if (response.RejectedLogEventsInfo is not null)
                {
                    errors[i] = new DeliveryError("SDK_CLIENT_ERROR", "CloudWatch Logs rejected the event: its timestamp is outside the accepted range.", Retryable: false);
                }
            }
            catch (ServiceException e)
            {
                errors[i] = e.Code == "ResourceNotFoundException"
                    ? new DeliveryError("NO_RESOURCE", $"The log group {group} does not exist.", Retryable: false)
                    : new DeliveryError("SDK_CLIENT_ERROR", $"{e.Code}: {e.Message}", Retryable: !e.SenderFault);
            }
        }
        return errors;
    }

    /// <inheritdoc />
    public async ValueTask<DeliveryError?> SendToDeadLetterQueueAsync(string queueArn, byte[] body, IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        var queue = queues.FindByArn(queueArn);
        if (queue is null)
        {
            return new DeliveryError("NO_RESOURCE", $"The dead-letter queue {queueArn} does not exist.", Retryable: false);
        }
        var values = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            // SQS refuses empty attribute values; an empty error message still says that it was empty.
            values[name] = new MessageAttributeValue("String", value.Length == 0 ? " " : Truncate(value), null);
        }
        try
        {
            await queues.SendMessageAsync(new RequestScope(queue.Account, queue.Region), queue, new SendMessageEntry(null, Encoding.UTF8.GetString(body), MessageAttributes: values)).ConfigureAwait(false);
            return null;
        }
        catch (ServiceException e)
        {
            return new DeliveryError("SDK_CLIENT_ERROR", $"{e.Code}: {e.Message}", Retryable: false);
        }
        catch (StoreClosedException)
        {
            throw;
        }
    }

    private static string Truncate(string value) => value.Length <= 1024 ? value : value[..1024];
}
