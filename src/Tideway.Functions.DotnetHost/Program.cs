using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace Tideway.Functions.DotnetHost;

/// <summary>
/// A Lambda runtime client for .NET functions. The handler is <c>Assembly::Namespace.Type::Method</c>; the method
/// takes nothing, the input, or the input and an <c>ILambdaContext</c>, and returns nothing, a value, a Task or a
/// Task of a value. Input and output go through the assembly's <c>[assembly: LambdaSerializer(...)]</c> when it
/// has one (Amazon.Lambda.Serialization.*), else System.Text.Json; a Stream is passed through as is. The
/// context is a proxy of the package's own <c>Amazon.Lambda.Core.ILambdaContext</c>, so Tideway needs no
/// copy of Amazon.Lambda.Core.
/// </summary>
internal static class Program
{
    private static async Task<int> Main()
    {
        var api = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API") ?? throw new InvalidOperationException("AWS_LAMBDA_RUNTIME_API is not set.");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://{api}/2018-06-01/runtime/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Handler handler;
        try
        {
            handler = Handler.Load(Environment.GetEnvironmentVariable("_HANDLER") ?? string.Empty, Environment.GetEnvironmentVariable("LAMBDA_TASK_ROOT") ?? Environment.CurrentDirectory);
        }
        catch (HandlerException e)
        {
            Console.WriteLine($"{e.ErrorType}: {e.Message}");
            await PostErrorAsync(http, "init/error", e.ErrorType, e.Message, null).ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is TargetInvocationException or TypeInitializationException)
        {
            var inner = e.InnerException ?? e;
            Console.WriteLine($"{inner.GetType().Name}: {inner.Message}");
            await PostErrorAsync(http, "init/error", inner.GetType().Name, inner.Message, inner).ConfigureAwait(false);
            return 1;
        }
        while (true)
        {
            using var next = await http.GetAsync("invocation/next").ConfigureAwait(false);
            if (next.StatusCode != HttpStatusCode.OK)
            {
                return 1;
            }
            var requestId = Header(next, "Lambda-Runtime-Aws-Request-Id") ?? string.Empty;
            var deadline = long.TryParse(Header(next, "Lambda-Runtime-Deadline-Ms"), out var ms) ? ms : 0;
            var context = new ContextValues(requestId, deadline, Header(next, "Lambda-Runtime-Invoked-Function-Arn") ?? string.Empty);
            var payload = await next.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            byte[] response;
            try
            {
                response = await handler.InvokeAsync(payload, context).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var error = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                Console.WriteLine($"{error.GetType().Name}: {error.Message}");
                await PostErrorAsync(http, $"invocation/{requestId}/error", error.GetType().Name, error.Message, error).ConfigureAwait(false);
                continue;
            }
            using var content = new ByteArrayContent(response);
            using var posted = await http.PostAsync($"invocation/{requestId}/response", content).ConfigureAwait(false);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task PostErrorAsync(HttpClient http, string path, string errorType, string message, Exception? exception)
    {
        // The function's own frames: reflection and this runtime client are noise to the reader.
        var trace = exception?.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim())
            .Where(l => !l.Contains("System.Reflection.", StringComparison.Ordinal) && !l.Contains("InvokeStub_", StringComparison.Ordinal)
                && !l.Contains("Tideway.Functions.DotnetHost.", StringComparison.Ordinal) && !l.StartsWith("---", StringComparison.Ordinal)
                && !l.Contains("System.Runtime.CompilerServices.", StringComparison.Ordinal) && !l.Contains("System.Runtime.ExceptionServices.", StringComparison.Ordinal))
            .ToArray() ?? [];
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("errorType", errorType);
            writer.WriteString("errorMessage", message);
            writer.WriteStartArray("stackTrace");
            foreach (var line in trace)
            {
                writer.WriteStringValue(line.Trim());
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TryAddWithoutValidation("Lambda-Runtime-Function-Error-Type", errorType);
        using var posted = await http.SendAsync(request).ConfigureAwait(false);
    }
}

/// <summary>A handler that cannot be loaded, with the error type the runtime reports for it.</summary>
internal sealed class HandlerException(string errorType, string message) : Exception(message)
{
    public string ErrorType { get; } = errorType;
}

/// <summary>What an invocation's context reports.</summary>
internal sealed record ContextValues(string RequestId, long DeadlineMs, string InvokedFunctionArn);

/// <summary>The loaded handler method and how to feed it.</summary>
internal sealed class Handler
{
    private readonly MethodInfo _method;
    private readonly object? _target;
    private readonly object? _serializer;
    private readonly Type? _contextType;

    private Handler(MethodInfo method, object? target, object? serializer, Type? contextType)
    {
        _method = method;
        _target = target;
        _serializer = serializer;
        _contextType = contextType;
    }

    public static Handler Load(string handler, string taskRoot)
    {
        var parts = handler.Split("::");
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
        {
            throw new HandlerException("Runtime.MalformedHandlerName", $"The handler '{handler}' is not Assembly::Namespace.Type::Method.");
        }
        var path = Path.Combine(taskRoot, parts[0] + ".dll");
        if (!File.Exists(path))
        {
            throw new HandlerException("Runtime.ImportModuleError", $"Could not find the specified handler assembly with the file name '{parts[0]}'.");
        }
        // The package's own dependencies resolve from its folder.
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            var candidate = Path.Combine(taskRoot, name.Name + ".dll");
            return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        };
        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
        var type = assembly.GetType(parts[1]) ?? throw new HandlerException("Runtime.HandlerNotFound", $"Unable to find type '{parts[1]}' in assembly '{parts[0]}'.");
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == parts[2]).ToList();
        if (methods.Count != 1)
        {
            throw new HandlerException("Runtime.HandlerNotFound", methods.Count == 0
                ? $"Unable to find method '{parts[2]}' in type '{parts[1]}'."
                : $"The method '{parts[2]}' of type '{parts[1]}' is overloaded; the handler must name one method.");
        }
        var method = methods[0];
        var target = method.IsStatic ? null : Activator.CreateInstance(type);
        var serializer = SerializerOf(method) ?? SerializerOf(assembly);
        var contextType = method.GetParameters().Select(p => p.ParameterType).FirstOrDefault(t => t.FullName == "Amazon.Lambda.Core.ILambdaContext");
        return new Handler(method, target, serializer, contextType);
    }

    private static object? SerializerOf(ICustomAttributeProvider provider)
    {
        foreach (var attribute in provider.GetCustomAttributes(false))
        {
            if (attribute.GetType().FullName == "Amazon.Lambda.Core.LambdaSerializerAttribute"
                && attribute.GetType().GetProperty("SerializerType")?.GetValue(attribute) is Type serializerType)
            {
                return Activator.CreateInstance(serializerType);
            }
        }
        return null;
    }

    public async Task<byte[]> InvokeAsync(byte[] payload, ContextValues values)
    {
        var parameters = _method.GetParameters();
        var arguments = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            arguments[i] = type == _contextType ? LambdaContextProxy.Create(type, values)
                : type == typeof(Stream) ? new MemoryStream(payload, writable: false)
                : Deserialize(type, payload);
        }
        var result = _method.Invoke(_target, arguments);
        var returnType = _method.ReturnType;
        if (result is Task task)
        {
            await task.ConfigureAwait(false);
            if (!returnType.IsGenericType)
            {
                return [];
            }
            returnType = returnType.GetGenericArguments()[0];
            result = task.GetType().GetProperty("Result")!.GetValue(task);
        }
        if (returnType == typeof(void))
        {
            return [];
        }
        if (result is Stream stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy).ConfigureAwait(false);
            return copy.ToArray();
        }
        return Serialize(returnType, result);
    }

    private object? Deserialize(Type type, byte[] payload)
    {
        if (_serializer is null)
        {
            return JsonSerializer.Deserialize(payload, type);
        }
        var method = _serializer.GetType().GetMethods().First(m => m.Name == "Deserialize" && m.IsGenericMethodDefinition).MakeGenericMethod(type);
        return method.Invoke(_serializer, [new MemoryStream(payload, writable: false)]);
    }

    private byte[] Serialize(Type type, object? value)
    {
        if (_serializer is null)
        {
            return JsonSerializer.SerializeToUtf8Bytes(value, type);
        }
        using var buffer = new MemoryStream();
        var method = _serializer.GetType().GetMethods().First(m => m.Name == "Serialize" && m.IsGenericMethodDefinition).MakeGenericMethod(type);
        method.Invoke(_serializer, [value, buffer]);
        return buffer.ToArray();
    }
}

/// <summary>
/// The package's <c>ILambdaContext</c> (and <c>ILambdaLogger</c>), implemented by proxies that answer by member name,
/// so that the interface can come from whatever version of Amazon.Lambda.Core the function was built with.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives from the proxy type: it must not be sealed.")]
internal class LambdaContextProxy : DispatchProxy
{
    private ContextValues _values = null!;

    public static object Create(Type contextInterface, ContextValues values)
    {
        var proxy = DispatchProxy.Create(contextInterface, typeof(LambdaContextProxy));
        ((LambdaContextProxy)proxy)._values = values;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var name = targetMethod?.Name ?? string.Empty;
        return name switch
        {
            "get_AwsRequestId" => _values.RequestId,
            "get_FunctionName" => Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME"),
            "get_FunctionVersion" => Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_VERSION"),
            "get_InvokedFunctionArn" => _values.InvokedFunctionArn,
            "get_LogGroupName" => Environment.GetEnvironmentVariable("AWS_LAMBDA_LOG_GROUP_NAME"),
            "get_LogStreamName" => Environment.GetEnvironmentVariable("AWS_LAMBDA_LOG_STREAM_NAME"),
            "get_MemoryLimitInMB" => int.TryParse(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), out var mb) ? mb : 128,
            "get_RemainingTime" => TimeSpan.FromMilliseconds(Math.Max(0, _values.DeadlineMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())),
            "get_Logger" => LoggerProxy.Create(targetMethod!.ReturnType),
            _ => targetMethod?.ReturnType is { IsValueType: true } valueType && valueType != typeof(void) ? Activator.CreateInstance(valueType) : null,
        };
    }
}

/// <summary>The package's <c>ILambdaLogger</c>: every Log* method writes a line to stdout, which Tideway collects.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives from the proxy type: it must not be sealed.")]
internal class LoggerProxy : DispatchProxy
{
    public static object Create(Type loggerInterface) => DispatchProxy.Create(loggerInterface, typeof(LoggerProxy));

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var text = args?.LastOrDefault(a => a is string) as string ?? string.Empty;
        if (targetMethod?.Name == "Log")
        {
            Console.Write(text);
        }
        else
        {
            Console.WriteLine(text);
        }
        return null;
    }
}
