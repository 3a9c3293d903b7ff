using System.CommandLine;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tideway.Cli.Commands;

/// <summary>
/// <c>tideway functions deploy DIR --name N --runtime R --handler H</c>: zips a folder (keeping the files' Unix
/// modes, so a <c>bootstrap</c> stays executable) and creates the function, or updates its code and
/// configuration when it exists. Requests are SigV4-signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
/// </summary>
internal static class FunctionsCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("dir") { Description = "The folder to deploy (its contents become the package root)" };
        var name = new Option<string>("--name") { Description = "Function name", Required = true };
        var runtime = new Option<string>("--runtime") { Description = "Runtime, e.g. python3.12, nodejs20.x, provided.al2023, dotnet10", Required = true };
        var handler = new Option<string>("--handler") { Description = "Handler, e.g. app.handler (for provided runtimes, any value)", Required = true };
        var endpoint = new Option<string>("--endpoint-url") { Description = "Tideway's endpoint", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL") ?? "http://127.0.0.1:4566" };
        var region = new Option<string>("--region") { Description = "Region", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1" };
        var memory = new Option<int?>("--memory-size") { Description = "MemorySize in MB" };
        var timeout = new Option<int?>("--timeout") { Description = "Timeout in seconds" };
        var role = new Option<string>("--role") { Description = "Role ARN (stored)", DefaultValueFactory = _ => "arn:aws:iam::000000000000:role/lambda" };
        var deploy = new Command("deploy", "Zip a folder and create the function, or update its code and configuration.")
        {
            folder, name, runtime, handler, endpoint, region, memory, timeout, role,
        };
        deploy.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(folder)!;
            if (!directory.Exists)
            {
                await Console.Error.WriteLineAsync($"tideway functions deploy: {directory.FullName} does not exist.").ConfigureAwait(false);
                return 2;
            }
            using var client = new LambdaClient(parse.GetValue(endpoint)!, parse.GetValue(region)!);
            var zip = Zip(directory.FullName);
            var functionName = parse.GetValue(name)!;
            var configuration = new Dictionary<string, object>
            {
                ["Runtime"] = parse.GetValue(runtime)!,
                ["Handler"] = parse.GetValue(handler)!,
                ["Role"] = parse.GetValue(role)!,
            };
            if (parse.GetValue(memory) is { } mb)
            {
                configuration["MemorySize"] = mb;
            }
            if (parse.GetValue(timeout) is { } seconds)
            {
                configuration["Timeout"] = seconds;
            }
            try
            {
                var (status, _) = await client.SendAsync(HttpMethod.Get, $"/2015-03-31/functions/{functionName}/configuration", null, cancellationToken).ConfigureAwait(false);
                string body;
                if (status == HttpStatusCode.NotFound)
                {
                    configuration["FunctionName"] = functionName;
                    configuration["Code"] = new Dictionary<string, object> { ["ZipFile"] = Convert.ToBase64String(zip) };
                    (_, body) = await client.RequireAsync(HttpMethod.Post, "/2015-03-31/functions", Serialize(configuration), cancellationToken).ConfigureAwait(false);
                    Console.WriteLine($"created {functionName} ({zip.Length:N0}-byte package)");
                }
                else
                {
                    await client.RequireAsync(HttpMethod.Put, $"/2015-03-31/functions/{functionName}/code",
                        Serialize(new Dictionary<string, object> { ["ZipFile"] = Convert.ToBase64String(zip) }), cancellationToken).ConfigureAwait(false);
                    (_, body) = await client.RequireAsync(HttpMethod.Put, $"/2015-03-31/functions/{functionName}/configuration", Serialize(configuration), cancellationToken).ConfigureAwait(false);
                    Console.WriteLine($"updated {functionName} ({zip.Length:N0}-byte package)");
                }
                using var document = JsonDocument.Parse(body);
                Console.WriteLine(document.RootElement.GetProperty("FunctionArn").GetString());
                return 0;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"tideway functions deploy: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return new Command("functions", "Lambda functions: deploy a folder.") { deploy };
    }

    private static string Serialize(Dictionary<string, object> value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, item) in value)
            {
                writer.WritePropertyName(key);
                switch (item)
                {
                    case int number:
                        writer.WriteNumberValue(number);
                        break;
                    case Dictionary<string, object> nested:
                        writer.WriteRawValue(Serialize(nested));
                        break;
                    default:
                        writer.WriteStringValue(item.ToString());
                        break;
                }
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The folder as a zip; ZipFile keeps Unix file modes on Unix.</summary>
    private static byte[] Zip(string directory)
    {
        using var buffer = new MemoryStream();
        ZipFile.CreateFromDirectory(directory, buffer, CompressionLevel.Optimal, includeBaseDirectory: false);
        return buffer.ToArray();
    }

    /// <summary>Lambda REST calls signed with SigV4 (service <c>lambda</c>).</summary>
    private sealed class LambdaClient(string endpoint, string region) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = new Uri(endpoint), Timeout = TimeSpan.FromMinutes(5) };

        public void Dispose() => _http.Dispose();

        public async Task<(HttpStatusCode Status, string Body)> RequireAsync(HttpMethod method, string path, string? body, CancellationToken cancellationToken)
        {
            var (status, text) = await SendAsync(method, path, body, cancellationToken).ConfigureAwait(false);
            return (int)status is >= 200 and < 300 ? (status, text) : throw new HttpRequestException($"{method} {path}: {(int)status} {text}");
        }

        public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? body, CancellationToken cancellationToken)
        {
            var payload = Encoding.UTF8.GetBytes(body ?? string.Empty);
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            }
            Sign(request, payload);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }

        private static byte[] SigningKey(string secret, string date, string region)
        {
            var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
            key = HMACSHA256.HashData(key, "lambda"u8);
            return HMACSHA256.HashData(key, "aws4_request"u8);
        }

        private void Sign(HttpRequestMessage request, byte[] payload)
        {
            var accessKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "test";
            var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "test";
            var now = DateTime.UtcNow;
            var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var date = amzDate[..8];
            var host = _http.BaseAddress!.Authority;
            var payloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));
            var canonical = $"{request.Method.Method}\n{request.RequestUri!.OriginalString}\n\nhost:{host}\nx-amz-content-sha256:{payloadHash}\nx-amz-date:{amzDate}\n\nhost;x-amz-content-sha256;x-amz-date\n{payloadHash}";
            var scope = $"{date}/{region}/lambda/aws4_request";
            var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(SigningKey(secret, date, region), Encoding.UTF8.GetBytes(toSign)));
            request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
            request.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", payloadHash);
            request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}");
        }
    }
}
