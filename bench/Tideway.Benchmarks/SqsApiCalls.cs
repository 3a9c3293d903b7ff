using System.Text.Json;
using Tideway.Primitives;
using Tideway.Server.Sqs;

namespace Tideway.Benchmarks;

/// <summary>An awsJson SQS request run through the server's SQS API, without Kestrel or SigV4.</summary>
internal static class SqsApiCalls
{
    private static readonly RequestScope Scope = new("000000000000", "us-east-1");

    /// <summary>Runs <paramref name="operation"/> and returns the length of the response written.</summary>
    public static int Run(SqsApi api, string operation, byte[] request)
    {
        using var document = JsonDocument.Parse(request);
        using var output = JsonSqsOutput.Rent();
        api.ExecuteAsync(operation, Scope, new JsonSqsInput(document.RootElement), output, "http://127.0.0.1:4566", CancellationToken.None).GetAwaiter().GetResult();
        return output.Finish().Length;
    }
}
