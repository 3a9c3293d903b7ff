using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tideway.Functions;
using Tideway.Server.Hosting;

namespace Tideway.Server.Lambda;

/// <summary>
/// The Runtime API: a pool of loopback ports, one leased to each execution environment, served by a Kestrel
/// instance of its own. A request is routed to its environment by the local port it arrived on, so runtimes
/// need nothing but <c>AWS_LAMBDA_RUNTIME_API=127.0.0.1:port</c> (aws-lambda-ric included). See ADR 0005.
/// </summary>
internal sealed class RuntimeEndpoints : IRuntimeEndpoints, IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/runtime/";
    private static readonly byte[] Ok = "{\"status\":\"OK\"}"u8.ToArray();

    private readonly ConcurrentQueue<int> _free = new();
    private readonly ConcurrentDictionary<int, IRuntimeApi> _leased = new();
    private WebApplication? _app;

    /// <summary>Binds <paramref name="ports"/> loopback ports.</summary>
    public async Task StartAsync(int ports, CancellationToken cancellationToken)
    {
        var builder = KestrelHosts.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = FunctionsEngine.MaxResponseBytes + 1024;
            kestrel.Limits.MinRequestBodyDataRate = null;
            // Long polls on invocation/next may wait for minutes.
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromHours(1);
            for (var i = 0; i < ports; i++)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            _free.Enqueue(new Uri(address).Port);
        }
    }

    /// <inheritdoc />
    public IRuntimeLease? Lease(IRuntimeApi environment)
    {
        if (!_free.TryDequeue(out var port))
        {
            return null;
        }
        _leased[port] = environment;
        return new PortLease(this, port);
    }

    private sealed class PortLease(RuntimeEndpoints owner, int port) : IRuntimeLease
    {
        private int _disposed;

        public string Address { get; } = $"127.0.0.1:{port}";

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && owner._leased.TryRemove(port, out _))
            {
                owner._free.Enqueue(port);
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        if (!_leased.TryGetValue(context.Connection.LocalPort, out var environment) || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            await WriteAsync(context, 404, Error("ResourceNotFound", "No execution environment is served here.")).ConfigureAwait(false);
            return;
        }
        var route = path[Prefix.Length..];
        if (HttpMethods.IsGet(request.Method) && route == "invocation/next")
        {
            var next = await environment.NextAsync(context.RequestAborted).ConfigureAwait(false);
            if (next is null)
            {
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    await WriteAsync(context, 500, Error("InternalServerError", "The execution environment is shutting down.")).ConfigureAwait(false);
                }
                return;
            }
            var headers = context.Response.Headers;
            headers["Lambda-Runtime-Aws-Request-Id"] = next.RequestId;
            headers["Lambda-Runtime-Deadline-Ms"] = next.DeadlineMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            headers["Lambda-Runtime-Invoked-Function-Arn"] = next.InvokedFunctionArn;
            headers["Lambda-Runtime-Trace-Id"] = next.TraceId;
            if (next.ClientContext is not null)
            {
                headers["Lambda-Runtime-Client-Context"] = next.ClientContext;
            }
            if (next.CognitoIdentity is not null)
            {
                headers["Lambda-Runtime-Cognito-Identity"] = next.CognitoIdentity;
            }
            await WriteAsync(context, 200, next.Payload).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            await WriteAsync(context, 404, Error("ResourceNotFound", $"No Runtime API operation matches {request.Method} {path}.")).ConfigureAwait(false);
            return;
        }
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            // Past Kestrel's limit: a response that large fails its invocation at once (never left to time out).
            if (route.StartsWith("invocation/", StringComparison.Ordinal) && route.EndsWith("/response", StringComparison.Ordinal))
            {
                environment.ResponseTooLarge(route["invocation/".Length..^"/response".Length]);
            }
            await WriteAsync(context, 413, Error("RequestEntityTooLarge", $"Exceeded maximum allowed payload size ({FunctionsEngine.MaxResponseBytes} bytes).")).ConfigureAwait(false);
            return;
        }
        var errorType = request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        var type = errorType.Length == 0 ? null : errorType;
        RuntimeCallResult result;
        if (route == "init/error")
        {
            result = environment.InitFailed(type, body);
        }
        else if (route.StartsWith("invocation/", StringComparison.Ordinal) && route.EndsWith("/response", StringComparison.Ordinal))
        {
            result = environment.Respond(route["invocation/".Length..^"/response".Length], body);
        }
        else if (route.StartsWith("invocation/", StringComparison.Ordinal) && route.EndsWith("/error", StringComparison.Ordinal))
        {
            result = environment.Fail(route["invocation/".Length..^"/error".Length], type, body);
        }
        else
        {
            await WriteAsync(context, 404, Error("ResourceNotFound", $"No Runtime API operation matches POST {path}.")).ConfigureAwait(false);
            return;
        }
        await WriteAsync(context, result.StatusCode, result.StatusCode == 202 ? Ok : Error(result.ErrorType!, result.ErrorMessage!)).ConfigureAwait(false);
    }

    private static byte[] Error(string type, string message)
    {
        var text = new StringBuilder("{\"errorMessage\":");
        text.Append(JsonString(message)).Append(",\"errorType\":").Append(JsonString(type)).Append('}');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string JsonString(string value) => System.Text.Json.JsonSerializer.Serialize(value, LambdaJsonContext.Default.String);

    private static async Task WriteAsync(HttpContext context, int status, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
