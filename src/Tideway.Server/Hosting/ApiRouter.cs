using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tideway.Functions;
using Tideway.Logs;
using Tideway.Primitives;
using Tideway.Server.Events;
using Tideway.Server.Lambda;
using Tideway.Server.Logs;
using Tideway.Server.Observability;
using Tideway.Server.Sqs;
using Tideway.Wire;
using Tideway.Wire.AwsQuery;
using Tideway.Wire.Json;
using Tideway.Wire.SigV4;

namespace Tideway.Server.Hosting;

/// <summary>ASP.NET request headers as the SigV4 verifier reads them.</summary>
internal readonly struct RequestHeaders(IHeaderDictionary headers) : ISigV4Headers
{
    public string? GetHeader(string lowercaseName) => headers.TryGetValue(lowercaseName, out var value) ? value.ToString() : null;
}

/// <summary>
/// Routes each request by protocol: <c>GET /health</c>, <c>GET /metrics</c>; awsJson by
/// <c>X-Amz-Target</c> (<c>AmazonSQS.*</c>, <c>AWSEvents.*</c>, <c>Logs_20140328.*</c>); awsQuery by a form body or query
/// string with <c>Action=</c> (SQS). Authenticates, runs the operation, writes the AWS response or error
/// shape of that protocol, and records metrics. Never answers 500 for a client's mistake.
/// </summary>
internal sealed partial class ApiRouter(SqsApi sqs, LogsEngine logs, EventsApi events, LambdaApi lambda, Authenticator authenticator, Metrics metrics, ILogger logger)
{
    /// <summary>Largest request body accepted (an SQS batch of 256 KiB percent-encodes to under 1 MiB; PutLogEvents is 1 MiB of JSON).</summary>
    public const long MaxBodyBytes = 8 * 1024 * 1024;

    private readonly LogsApi _logsApi = new(logs);

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments(FunctionsEngine.CodePath, StringComparison.Ordinal, out var codeFile))
        {
            // GetFunction's Code.Location: a presigned-style link, checked by its own signature instead of SigV4.
            var download = lambda.DownloadCode(codeFile.Value?.TrimStart('/') ?? string.Empty, request.Query["Expires"], request.Query["Signature"]);
            context.Response.StatusCode = download.StatusCode;
            if (download.Zip is { } zip)
            {
                context.Response.ContentType = "application/zip";
                context.Response.ContentLength = zip.Length;
                await context.Response.Body.WriteAsync(zip, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync(S3Error(download.ErrorCode!, download.Message!)).ConfigureAwait(false);
            }
            metrics.Request("lambda", "GetFunctionCode", download.StatusCode, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return;
        }
        if (HttpMethods.IsGet(request.Method) && !request.QueryString.HasValue)
        {
            if (request.Path == "/health")
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"status\":\"ok\"}").ConfigureAwait(false);
                return;
            }
            if (request.Path == "/metrics")
            {
                context.Response.ContentType = "text/plain; version=0.0.4";
                await context.Response.WriteAsync(metrics.Render()).ConfigureAwait(false);
                return;
            }
        }
        byte[] body;
        try
        {
            body = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        string target = request.Headers["X-Amz-Target"].ToString();
        var service = "unknown";
        var operation = "unknown";
        var status = 200;
        try
        {
            if (target.Length == 0 && LambdaApi.Owns(request.Path.Value ?? string.Empty))
            {
                service = "lambda";
                (operation, status) = await LambdaAsync(context, body).ConfigureAwait(false);
            }
            else if (target.StartsWith("AmazonSQS.", StringComparison.Ordinal))
            {
                service = "sqs";
                operation = target["AmazonSQS.".Length..];
                status = await SqsJsonAsync(context, operation, body).ConfigureAwait(false);
            }
            else if (target.StartsWith("AWSEvents.", StringComparison.Ordinal))
            {
                service = "events";
                operation = target["AWSEvents.".Length..];
                status = await EventsJsonAsync(context, operation, body).ConfigureAwait(false);
            }
            else if (target.StartsWith("Logs_20140328.", StringComparison.Ordinal))
            {
                service = "logs";
                operation = target["Logs_20140328.".Length..];
                status = await LogsJsonAsync(context, operation, body).ConfigureAwait(false);
            }
            else if (target.Length == 0 && (IsForm(request) || request.Query.ContainsKey("Action")))
            {
                service = "sqs";
                status = await SqsQueryAsync(context, body, op => operation = op).ConfigureAwait(false);
            }
            else
            {
                status = await WriteJsonErrorAsync(context, new AwsError("UnknownOperationException", "UnknownOperationException", 400, AwsFault.Sender,
                    target.Length == 0 ? "The request names no operation: send X-Amz-Target or Action=." : $"Operation {target} is not supported."), null, null).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A bug of ours, not the client's: log it and answer with the AWS internal-error shape, never a bare 500 page.
            LogUnexpected(logger, e, service, operation);
            var error = new AwsError("InternalFailure", "InternalFailure", 500, AwsFault.Receiver, "The request processing has failed because of an unknown error, exception or failure.");
            status = target.Length == 0 ? await WriteXmlErrorAsync(context, error, Ids.NewId()).ConfigureAwait(false)
                : await WriteJsonErrorAsync(context, error, null, null, service == "sqs" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1").ConfigureAwait(false);
        }
        metrics.Request(service, operation, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static string S3Error(string code, string message) =>
        new XElement("Error", new XElement("Code", code), new XElement("Message", message)).ToString(SaveOptions.DisableFormatting);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service} {Operation} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string service, string operation);

    private static bool IsForm(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0)
        {
            return [];
        }
        if (request.ContentLength is { } length and <= MaxBodyBytes)
        {
            var buffer = new byte[length];
            await request.Body.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
        using var stream = new MemoryStream();
        await request.Body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        return stream.ToArray();
    }

    private RequestScope? Authenticate(HttpContext context, byte[] body, AwsProtocol protocol, out AwsError? error)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? rawTarget : rawTarget[..question];
        var rawQuery = question < 0 ? null : rawTarget[(question + 1)..];
        var scope = authenticator.Authenticate(request.Method, rawPath, rawQuery, new RequestHeaders(request.Headers), body, protocol, out error);
        // Every protocol answers a failed authentication with 403 (docs/compat/server.md).
        error = error is null ? null : error with { StatusCode = 403 };
        return scope;
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    // ------------------------------------------------------------------ SQS, awsJson1_0

    private async Task<int> SqsJsonAsync(HttpContext context, string operation, byte[] body)
    {
        var scope = Authenticate(context, body, AwsProtocol.AwsJson, out var authError);
        if (scope is null)
        {
            return await WriteJsonErrorAsync(context, authError!, null, authError!.QueryCode).ConfigureAwait(false);
        }
        if (!SqsApi.IsKnown(operation))
        {
            return await WriteJsonErrorAsync(context, new AwsError("UnknownOperationException", "InvalidAction", 400, AwsFault.Sender,
                $"The action {operation} is not valid for this endpoint."), AwsJsonError.SqsTypePrefix, "InvalidAction").ConfigureAwait(false);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
        }
        catch (JsonException e)
        {
            return await WriteSqsJsonErrorAsync(context, new ServiceException("SerializationException", "The request body is not valid JSON: " + e.Message)).ConfigureAwait(false);
        }
        using (document)
        {
            if (JsonStrings.InvalidText(body) is { } invalid)
            {
                return await WriteSqsJsonErrorAsync(context, new ServiceException("SerializationException", "The request body is not valid JSON text: " + invalid)).ConfigureAwait(false);
            }
            using var output = JsonSqsOutput.Rent();
            try
            {
                await sqs.ExecuteAsync(operation, scope.Value, new JsonSqsInput(document.RootElement), output, BaseUrl(context.Request), context.RequestAborted).ConfigureAwait(false);
            }
            catch (ServiceException e)
            {
                return await WriteSqsJsonErrorAsync(context, e).ConfigureAwait(false);
            }
            return await WriteAsync(context, 200, output.ContentType, output.Finish()).ConfigureAwait(false);
        }
    }

    private static Task<int> WriteSqsJsonErrorAsync(HttpContext context, ServiceException e)
    {
        var error = SqsErrorMap.Map(e, AwsProtocol.AwsJson);
        return WriteJsonErrorAsync(context, error, AwsJsonError.SqsTypePrefix, error.QueryCode);
    }

    // ------------------------------------------------------------------ SQS, awsQuery

    private async Task<int> SqsQueryAsync(HttpContext context, byte[] body, Action<string> named)
    {
        var requestId = Ids.NewId();
        AwsQueryForm? form;
        if (body.Length > 0)
        {
            if (!AwsQueryForm.TryParse(body, out form, out var formError))
            {
                return await WriteXmlErrorAsync(context, new AwsError("MalformedQueryString", "MalformedQueryString", 400, AwsFault.Sender, formError.Message), requestId).ConfigureAwait(false);
            }
        }
        else
        {
            var query = context.Request.QueryString.Value ?? string.Empty;
            if (!AwsQueryForm.TryParse(Encoding.UTF8.GetBytes(query.TrimStart('?')), out form, out var formError))
            {
                return await WriteXmlErrorAsync(context, new AwsError("MalformedQueryString", "MalformedQueryString", 400, AwsFault.Sender, formError.Message), requestId).ConfigureAwait(false);
            }
        }
        var operation = form.Action ?? string.Empty;
        named(operation.Length == 0 ? "unknown" : operation);
        var scope = Authenticate(context, body, AwsProtocol.AwsQuery, out var authError);
        if (scope is null)
        {
            return await WriteXmlErrorAsync(context, authError!, requestId).ConfigureAwait(false);
        }
        if (operation.Length == 0)
        {
            return await WriteXmlErrorAsync(context, SqsErrorMap.Map(new ServiceException("MissingAction", "The request must contain the parameter Action."), AwsProtocol.AwsQuery), requestId).ConfigureAwait(false);
        }
        if (!SqsApi.IsKnown(operation))
        {
            return await WriteXmlErrorAsync(context, SqsErrorMap.Map(new ServiceException("InvalidAction", $"The action {operation} is not valid for this endpoint."), AwsProtocol.AwsQuery), requestId).ConfigureAwait(false);
        }
        // Old clients post to the queue URL itself and leave QueueUrl out.
        if (form["QueueUrl"] is null && context.Request.Path.Value is { Length: > 1 } path && path.Count(c => c == '/') == 2)
        {
            form = AwsQueryForm.FromPairs([.. form, new KeyValuePair<string, string>("QueueUrl", BaseUrl(context.Request) + path)]);
        }
        var output = new XmlSqsOutput(operation, requestId, SqsApi.HasResult(operation));
        try
        {
            await sqs.ExecuteAsync(operation, scope.Value, new QuerySqsInput(form), output, BaseUrl(context.Request), context.RequestAborted).ConfigureAwait(false);
        }
        catch (ServiceException e)
        {
            return await WriteXmlErrorAsync(context, SqsErrorMap.Map(e, AwsProtocol.AwsQuery), requestId).ConfigureAwait(false);
        }
        return await WriteAsync(context, 200, output.ContentType, output.Finish()).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ Logs, awsJson1_1

    private async Task<int> LogsJsonAsync(HttpContext context, string operation, byte[] body)
    {
        var scope = Authenticate(context, body, AwsProtocol.AwsJson, out var authError);
        if (scope is null)
        {
            return await WriteJsonErrorAsync(context, authError!, null, null, "application/x-amz-json-1.1").ConfigureAwait(false);
        }
        var (status, response) = await _logsApi.ExecuteAsync(operation, scope.Value, body, context.RequestAborted).ConfigureAwait(false);
        return await WriteAsync(context, status, "application/x-amz-json-1.1", response).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ EventBridge, awsJson1_1

    private async Task<int> EventsJsonAsync(HttpContext context, string operation, byte[] body)
    {
        var scope = Authenticate(context, body, AwsProtocol.AwsJson, out var authError);
        if (scope is null)
        {
            return await WriteJsonErrorAsync(context, authError!, null, null, "application/x-amz-json-1.1").ConfigureAwait(false);
        }
        var (status, response) = await events.ExecuteAsync(operation, scope.Value, body).ConfigureAwait(false);
        return await WriteAsync(context, status, "application/x-amz-json-1.1", response).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ Lambda, restJson1

    private async Task<(string Operation, int Status)> LambdaAsync(HttpContext context, byte[] body)
    {
        var scope = Authenticate(context, body, AwsProtocol.RestJson, out var authError);
        if (scope is null)
        {
            var denied = LambdaApi.Error(new ServiceException(authError!.Code, authError.Message));
            return ("unknown", await WriteLambdaAsync(context, denied with { StatusCode = authError.StatusCode }).ConfigureAwait(false));
        }
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? rawTarget : rawTarget[..question];
        // Segments arrive percent-encoded (an ARN as FunctionName); a trailing slash is tolerated.
        var segments = rawPath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        var query = request.Query;
        var lambdaRequest = new LambdaRequest(request.Method, segments,
            name => query.TryGetValue(name, out var value) ? value.ToString() : null,
            name => query.TryGetValue(name, out var values) ? [.. values.Select(v => v ?? string.Empty)] : [],
            name => request.Headers.TryGetValue(name, out var value) ? value.ToString() : null,
            body);
        var (operation, response) = await lambda.ExecuteAsync(scope.Value, lambdaRequest).ConfigureAwait(false);
        return (operation, await WriteLambdaAsync(context, response).ConfigureAwait(false));
    }

    private static Task<int> WriteLambdaAsync(HttpContext context, LambdaResponse response)
    {
        foreach (var (name, value) in response.Headers ?? [])
        {
            context.Response.Headers[name] = value;
        }
        if (response.StatusCode is 202 or 204 && response.Body.Length == 0)
        {
            context.Response.StatusCode = response.StatusCode;
            if (!context.Response.Headers.ContainsKey("x-amzn-RequestId"))
            {
                context.Response.Headers["x-amzn-RequestId"] = Ids.NewId();
            }
            return Task.FromResult(response.StatusCode);
        }
        return WriteAsync(context, response.StatusCode, response.ContentType, response.Body);
    }

    // ------------------------------------------------------------------ writing

    private static async Task<int> WriteAsync(HttpContext context, int status, string contentType, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (!response.Headers.ContainsKey("x-amzn-RequestId"))
        {
            response.Headers["x-amzn-RequestId"] = Ids.NewId();
        }
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        return status;
    }

    private static Task<int> WriteJsonErrorAsync(HttpContext context, AwsError error, string? typePrefix, string? queryErrorCode, string contentType = "application/x-amz-json-1.0")
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        AwsJsonError.Write(buffer, error, typePrefix);
        if (queryErrorCode is not null)
        {
            context.Response.Headers[AwsJsonError.QueryErrorHeaderName] = $"{queryErrorCode};{(error.Fault == AwsFault.Sender ? "Sender" : "Receiver")}";
        }
        return WriteAsync(context, error.StatusCode, contentType, buffer.WrittenMemory);
    }

    private static Task<int> WriteXmlErrorAsync(HttpContext context, AwsError error, string requestId)
    {
        var text = new StringBuilder(256);
        text.Append("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>")
            .Append(error.Fault == AwsFault.Sender ? "Sender" : "Receiver").Append("</Type><Code>");
        XmlSqsOutput.XmlEscape(text, error.QueryCode);
        text.Append("</Code><Message>");
        XmlSqsOutput.XmlEscape(text, error.Message);
        text.Append("</Message><Detail/></Error><RequestId>").Append(requestId).Append("</RequestId></ErrorResponse>");
        return WriteAsync(context, error.StatusCode, "text/xml", Encoding.UTF8.GetBytes(text.ToString()));
    }
}
