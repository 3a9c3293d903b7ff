using System.Text.Json;
using System.Text.Json.Serialization;
using Tideway.Functions;
using Tideway.Primitives;

namespace Tideway.Server.Lambda;

/// <summary>One Lambda API response: status, extra headers, body (empty for 202/204).</summary>
internal sealed record LambdaResponse(int StatusCode, ReadOnlyMemory<byte> Body, IReadOnlyList<KeyValuePair<string, string>>? Headers = null, string ContentType = "application/json");

/// <summary>A parsed Lambda request: method, decoded path segments after the dated prefix, query, headers of interest, body.</summary>
internal sealed record LambdaRequest(string Method, string[] Segments, Func<string, string?> Query, Func<string, IReadOnlyList<string>> QueryAll, Func<string, string?> Header, byte[] Body);

/// <summary>
/// The Lambda REST-JSON API: routes by method and path (each operation under its dated prefix, a trailing slash
/// tolerated), translates to <see cref="FunctionsEngine"/> calls, and writes errors as Lambda does
/// (<c>X-Amzn-ErrorType</c> and a <c>Type</c>/<c>message</c> body).
/// </summary>
internal sealed class LambdaApi(FunctionsEngine engine)
{
    private static readonly string[] Prefixes = ["2015-03-31", "2016-08-19", "2017-03-31", "2017-10-31", "2019-09-25", "2019-09-30"];

    /// <summary>Whether a path belongs to the Lambda API.</summary>
    public static bool Owns(string path)
    {
        foreach (var prefix in Prefixes)
        {
            if (path.Length > prefix.Length + 1 && path[0] == '/' && path.AsSpan(1).StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length + 1] == '/')
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A GET of a <c>Code.Location</c> link.</summary>
    public CodeDownload DownloadCode(string file, string? expires, string? signature) => engine.DownloadCode(file, expires, signature);

    /// <summary>Runs one request; returns the operation name (for metrics) and the response.</summary>
    public async Task<(string Operation, LambdaResponse Response)> ExecuteAsync(RequestScope scope, LambdaRequest request)
    {
        var operation = "unknown";
        try
        {
            var (name, run) = Route(request);
            operation = name;
            return (operation, await run(scope).ConfigureAwait(false));
        }
        catch (ServiceException e)
        {
            return (operation, Error(e));
        }
        catch (JsonException e)
        {
            return (operation, Error(new ServiceException("InvalidRequestContentException", "Could not parse request body into json: " + e.Message)));
        }
    }

    private (string Name, Func<RequestScope, Task<LambdaResponse>> Run) Route(LambdaRequest r)
    {
        var s = r.Segments;
        var m = r.Method;
        var version = s[0];
        var qualifier = r.Query("Qualifier");
        if (version == "2016-08-19" && s.Length == 2 && s[1] == "account-settings" && m == "GET")
        {
            return ("GetAccountSettings", scope => Ok(engine.GetAccountSettings(scope), Json.GetAccountSettingsResponse));
        }
        if (version == "2017-03-31" && s.Length == 3 && s[1] == "tags")
        {
            var resource = s[2];
            return m switch
            {
                "GET" => ("ListTags", scope => Ok(new TagsResponse(engine.ListTags(scope, resource)), Json.TagsResponse)),
                "POST" => ("TagResource", async scope =>
                {
                    await engine.TagResourceAsync(scope, resource, Read(r, Json.TagsRequest).Tags).ConfigureAwait(false);
                    return NoContent;
                }
                ),
                "DELETE" => ("UntagResource", async scope =>
                {
                    await engine.UntagResourceAsync(scope, resource, r.QueryAll("tagKeys")).ConfigureAwait(false);
                    return NoContent;
                }
                ),
                _ => Unknown(r),
            };
        }
        if (s.Length < 2 || s[1] != "functions")
        {
            return Unknown(r);
        }
        if (s.Length == 2)
        {
            return version != "2015-03-31" ? Unknown(r) : m switch
            {
                "GET" => ("ListFunctions", scope => Ok(engine.ListFunctions(scope, r.Query("Marker"), ParseInt(r.Query("MaxItems"), "maxItems")), Json.ListFunctionsResponse)),
                "POST" => ("CreateFunction", async scope => Result(await engine.CreateFunctionAsync(scope, Read(r, Json.CreateFunctionRequest)).ConfigureAwait(false), Json.FunctionConfiguration, 201)),
                _ => Unknown(r),
            };
        }
        var function = s[2];
        var rest = s.Length > 3 ? string.Join('/', s[3..]) : string.Empty;
        return (version, rest, m) switch
        {
            ("2015-03-31", "", "GET") => ("GetFunction", scope => Ok(engine.GetFunction(scope, function, qualifier, r.Header("Host") is { Length: > 0 } host ? "http://" + host : null), Json.GetFunctionResponse)),
            ("2015-03-31", "", "DELETE") => ("DeleteFunction", async scope =>
            {
                await engine.DeleteFunctionAsync(scope, function, qualifier).ConfigureAwait(false);
                return NoContent;
            }
            ),
            ("2015-03-31", "configuration", "GET") => ("GetFunctionConfiguration", scope => Ok(engine.GetFunctionConfiguration(scope, function, qualifier), Json.FunctionConfiguration)),
            ("2015-03-31", "configuration", "PUT") => ("UpdateFunctionConfiguration", async scope =>
                Result(await engine.UpdateFunctionConfigurationAsync(scope, function, Read(r, Json.UpdateFunctionConfigurationRequest)).ConfigureAwait(false), Json.FunctionConfiguration)),
            ("2015-03-31", "code", "PUT") => ("UpdateFunctionCode", async scope =>
                Result(await engine.UpdateFunctionCodeAsync(scope, function, Read(r, Json.UpdateFunctionCodeRequest)).ConfigureAwait(false), Json.FunctionConfiguration)),
            ("2015-03-31", "invocations", "POST") => ("Invoke", scope => InvokeAsync(scope, r, function, qualifier)),
            ("2015-03-31", "policy", "POST") => ("AddPermission", async scope =>
                Result(await engine.AddPermissionAsync(scope, function, qualifier, Read(r, Json.AddPermissionRequest)).ConfigureAwait(false), Json.AddPermissionResponse, 201)),
            ("2015-03-31", "policy", "GET") => ("GetPolicy", scope => Ok(engine.GetPolicy(scope, function, qualifier), Json.GetPolicyResponse)),
            ("2015-03-31", _, "DELETE") when s.Length == 5 && s[3] == "policy" => ("RemovePermission", async scope =>
            {
                await engine.RemovePermissionAsync(scope, function, qualifier, s[4], r.Query("RevisionId")).ConfigureAwait(false);
                return NoContent;
            }
            ),
            ("2017-10-31", "concurrency", "PUT") => ("PutFunctionConcurrency", async scope =>
                Result(await engine.PutFunctionConcurrencyAsync(scope, function, Read(r, Json.Concurrency).ReservedConcurrentExecutions).ConfigureAwait(false), Json.Concurrency)),
            ("2017-10-31", "concurrency", "DELETE") => ("DeleteFunctionConcurrency", async scope =>
            {
                await engine.DeleteFunctionConcurrencyAsync(scope, function).ConfigureAwait(false);
                return NoContent;
            }
            ),
            ("2019-09-30", "concurrency", "GET") => ("GetFunctionConcurrency", scope => Ok(engine.GetFunctionConcurrency(scope, function), Json.Concurrency)),
            ("2019-09-25", "event-invoke-config", "PUT") => ("PutFunctionEventInvokeConfig", async scope =>
                Result(await engine.PutFunctionEventInvokeConfigAsync(scope, function, qualifier, Read(r, Json.EventInvokeConfigRequest), merge: false).ConfigureAwait(false), Json.FunctionEventInvokeConfig)),
            ("2019-09-25", "event-invoke-config", "POST") => ("UpdateFunctionEventInvokeConfig", async scope =>
                Result(await engine.PutFunctionEventInvokeConfigAsync(scope, function, qualifier, Read(r, Json.EventInvokeConfigRequest), merge: true).ConfigureAwait(false), Json.FunctionEventInvokeConfig)),
            ("2019-09-25", "event-invoke-config", "GET") => ("GetFunctionEventInvokeConfig", scope => Ok(engine.GetFunctionEventInvokeConfig(scope, function, qualifier), Json.FunctionEventInvokeConfig)),
            ("2019-09-25", "event-invoke-config", "DELETE") => ("DeleteFunctionEventInvokeConfig", async scope =>
            {
                await engine.DeleteFunctionEventInvokeConfigAsync(scope, function, qualifier).ConfigureAwait(false);
                return NoContent;
            }
            ),
            ("2019-09-25", "event-invoke-config/list", "GET") => ("ListFunctionEventInvokeConfigs", scope => Ok(engine.ListFunctionEventInvokeConfigs(scope, function), Json.ListFunctionEventInvokeConfigsResponse)),
            _ => Unknown(r),
        };
    }

    private async Task<LambdaResponse> InvokeAsync(RequestScope scope, LambdaRequest r, string function, string? qualifier)
    {
        var type = r.Header("X-Amz-Invocation-Type") switch
        {
            null or "" or "RequestResponse" => InvocationType.RequestResponse,
            "Event" => InvocationType.Event,
            "DryRun" => InvocationType.DryRun,
            var other => throw new ServiceException("ValidationException", $"1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
        };
        var tail = r.Header("X-Amz-Log-Type") switch
        {
            null or "" or "None" => false,
            "Tail" => true,
            var other => throw new ServiceException("ValidationException", $"1 validation error detected: Value '{other}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]"),
        };
        var result = await engine.InvokeAsync(scope, function, qualifier, type, tail && type == InvocationType.RequestResponse, r.Header("X-Amz-Client-Context"), r.Body).ConfigureAwait(false);
        var headers = new List<KeyValuePair<string, string>>();
        if (result.RequestId is not null)
        {
            // The invocation's id, as the function saw it and as its log lines carry it.
            headers.Add(new("x-amzn-RequestId", result.RequestId));
        }
        if (result.ExecutedVersion is not null)
        {
            headers.Add(new("X-Amz-Executed-Version", result.ExecutedVersion));
        }
        if (result.FunctionError is not null)
        {
            headers.Add(new("X-Amz-Function-Error", result.FunctionError));
        }
        if (result.LogResult is not null)
        {
            headers.Add(new("X-Amz-Log-Result", result.LogResult));
        }
        return new LambdaResponse(result.StatusCode, result.Payload, headers);
    }

    private static int? ParseInt(string? value, string member) =>
        value is null ? null : int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw new ServiceException("InvalidParameterValueException", $"The value of {member} is not a number: {value}");

    private static T Read<T>(LambdaRequest r, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        (r.Body.Length == 0 ? null : JsonSerializer.Deserialize(r.Body, type))
            ?? throw new ServiceException("InvalidRequestContentException", "Could not parse request body into json: the body is empty.");

    private static LambdaJsonContext Json => LambdaJsonContext.Default;

    private static readonly LambdaResponse NoContent = new(204, ReadOnlyMemory<byte>.Empty);

    private static Task<LambdaResponse> Ok<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => Task.FromResult(Result(value, type));

    private static LambdaResponse Result<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, int status = 200) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(value, type));

    private static (string, Func<RequestScope, Task<LambdaResponse>>) Unknown(LambdaRequest r) =>
        ("unknown", _ => throw new ServiceException("UnknownOperationException", $"No Lambda operation matches {r.Method} /{string.Join('/', r.Segments)}."));

    /// <summary>An error as Lambda writes it: status by code, <c>X-Amzn-ErrorType</c>, and the body casing the API model gives that shape.</summary>
    public static LambdaResponse Error(ServiceException e)
    {
        var status = e.Code switch
        {
            "ResourceNotFoundException" or "UnknownOperationException" => 404,
            "ResourceConflictException" => 409,
            "PreconditionFailedException" => 412,
            "RequestEntityTooLargeException" or "RequestTooLargeException" => 413,
            "UnsupportedMediaTypeException" => 415,
            "TooManyRequestsException" => 429,
            "AccessDeniedException" => 403,
            "ServiceException" or "InternalFailure" => 500,
            _ => e.SenderFault ? 400 : 500,
        };
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (e.Code is not ("ValidationException" or "RequestEntityTooLargeException"))
            {
                writer.WriteString("Type", status >= 500 ? "Service" : "User");
            }
            writer.WriteString(e.Code is "ResourceNotFoundException" or "RequestEntityTooLargeException" or "ServiceException" ? "Message" : "message", e.Message);
            if (e.Data["Reason"] is string reason)
            {
                writer.WriteString("Reason", reason);
            }
            writer.WriteEndObject();
        }
        return new LambdaResponse(status, buffer.ToArray(), [new("X-Amzn-ErrorType", e.Code)]);
    }
}

internal sealed record TagsRequest(Dictionary<string, string>? Tags);

internal sealed record TagsResponse(Dictionary<string, string> Tags);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateFunctionRequest))]
[JsonSerializable(typeof(UpdateFunctionConfigurationRequest))]
[JsonSerializable(typeof(UpdateFunctionCodeRequest))]
[JsonSerializable(typeof(FunctionConfiguration))]
[JsonSerializable(typeof(GetFunctionResponse))]
[JsonSerializable(typeof(ListFunctionsResponse))]
[JsonSerializable(typeof(Concurrency))]
[JsonSerializable(typeof(EventInvokeConfigRequest))]
[JsonSerializable(typeof(FunctionEventInvokeConfig))]
[JsonSerializable(typeof(ListFunctionEventInvokeConfigsResponse))]
[JsonSerializable(typeof(AddPermissionRequest))]
[JsonSerializable(typeof(AddPermissionResponse))]
[JsonSerializable(typeof(GetPolicyResponse))]
[JsonSerializable(typeof(GetAccountSettingsResponse))]
[JsonSerializable(typeof(TagsRequest))]
[JsonSerializable(typeof(TagsResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class LambdaJsonContext : JsonSerializerContext;
