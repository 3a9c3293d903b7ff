using System.Text;
using System.Text.Json;
using Shouldly;
using Tideway.Primitives;
using Tideway.Queues;
using Tideway.Server.Sqs;
using Tideway.Storage.Memory;
using Tideway.Testing;

namespace Tideway.Compat.Tests;

/// <summary>
/// The allocation budget of the SQS send path (bench/allocation-budget.json): bytes allocated per SendMessageBatch
/// of ten 256-byte messages, from the parsed awsJson request to the written response, with the in-memory store (so
/// the path runs synchronously on the test's thread). Kestrel, SigV4 and the SQLite writer are not in it. The
/// server's CPU per request follows from this path and the GC it feeds (docs/perf/sqs.md).
/// </summary>
public sealed class SqsAllocationBudgetTests
{
    private const int Requests = 1_000;

    [Fact]
    public async Task a_send_message_batch_stays_within_budget()
    {
        var engine = new SqsEngine(new MemoryStore().Queues, new ManualTimeProvider());
        var api = new SqsApi(engine);
        var scope = new RequestScope("000000000000", "us-east-1");
        await RunAsync(api, scope, "CreateQueue", """{"QueueName":"budget"}""");
        var body = new StringBuilder("""{"QueueUrl":"http://127.0.0.1:4566/000000000000/budget","Entries":[""");
        for (var i = 0; i < 10; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"Id\":\"m").Append(i).Append("\",\"MessageBody\":\"").Append('b', 256).Append("\"}");
        }
        var request = Encoding.UTF8.GetBytes(body.Append("]}").ToString());

        // Warm up: JIT tiers, pooled writers and the queue's structures reach their steady sizes.
        for (var i = 0; i < 200; i++)
        {
            Send(api, scope, request).ShouldContain("\"Successful\"");
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Requests; i++)
        {
            Send(api, scope, request);
        }
        var perRequest = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Requests;

        engine.GetQueueAttributes(engine.ResolveQueue(scope, scope.Account, "budget"), ["ApproximateNumberOfMessages"])
            .ShouldHaveSingleItem().Value.ShouldBe(((Requests + 200) * 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
        perRequest.ShouldBeLessThanOrEqualTo(Budget("sqs.send_message_batch.request_path"), $"{perRequest:F0} bytes per SendMessageBatch");
    }

    // One request start to finish on this thread: the in-memory store completes every step synchronously (a step that
    // did not would move the rest to another thread, and this thread's allocation count would miss it).
    private static string Send(SqsApi api, RequestScope scope, byte[] request)
    {
        using var document = JsonDocument.Parse(request);
        using var output = JsonSqsOutput.Rent();
        var task = api.ExecuteAsync("SendMessageBatch", scope, new JsonSqsInput(document.RootElement), output, "http://127.0.0.1:4566", CancellationToken.None);
        task.IsCompletedSuccessfully.ShouldBeTrue("the in-memory send path completed synchronously");
        return Encoding.UTF8.GetString(output.Finish().Span);
    }

    private static async Task RunAsync(SqsApi api, RequestScope scope, string operation, string json)
    {
        using var document = JsonDocument.Parse(json);
        using var output = JsonSqsOutput.Rent();
        await api.ExecuteAsync(operation, scope, new JsonSqsInput(document.RootElement), output, "http://127.0.0.1:4566", TestContext.Current.CancellationToken);
    }

    private static double Budget(string name)
    {
        var path = Path.Combine(ExternalClient.RepositoryRoot(), "bench", "allocation-budget.json");
        using var budget = JsonDocument.Parse(File.ReadAllBytes(path));
        return budget.RootElement.GetProperty("budgets").GetProperty(name).GetDouble();
    }
}
