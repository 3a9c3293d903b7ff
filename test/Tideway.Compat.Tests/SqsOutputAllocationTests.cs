using Shouldly;
using Tideway.Server.Sqs;

namespace Tideway.Compat.Tests;

/// <summary>The awsJson output of SQS is pooled: writing a SendMessageBatch answer allocates nothing once warm.</summary>
public sealed class SqsOutputAllocationTests
{
    [Fact]
    public void a_pooled_json_output_allocates_nothing_per_response()
    {
        const int Iterations = 1_000;
        var ids = Enumerable.Range(0, 10).Select(i => "entry-" + i).ToArray();
        var messageIds = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid().ToString()).ToArray();
        const string Md5 = "0123456789abcdef0123456789abcdef";
        var length = 0;
        void Respond()
        {
            using var output = JsonSqsOutput.Rent();
            output.BeginItems("Successful");
            for (var i = 0; i < ids.Length; i++)
            {
                output.BeginItem("SendMessageBatchResultEntry");
                output.Scalar("Id", ids[i]);
                output.Scalar("MessageId", messageIds[i]);
                output.Scalar("MD5OfMessageBody", Md5);
                output.EndItem();
            }
            output.EndItems();
            length = output.Finish().Length;
        }
        for (var i = 0; i < 100; i++)
        {
            Respond();
        }
        length.ShouldBeGreaterThan(10 * (36 + 32));

        // The fewest bytes of five rounds (see Tideway.Wire.Tests' AllocationTests: one-off runtime allocations while
        // methods tier up show in one round, a per-response allocation in all of them).
        var fewest = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Iterations; i++)
            {
                Respond();
            }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        fewest.ShouldBeLessThan(Iterations);
    }
}
