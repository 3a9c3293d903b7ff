using Shouldly;
using Tideway.Wire.SigV4;

namespace Tideway.Wire.Tests;

/// <summary>SigV4 verification runs on every request: once the credentials are read it allocates nothing.</summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData("sqs-form-post")]
    [InlineData("logs-json-post")]
    [InlineData("get-query-encoding")]
    [InlineData("get-long-query")]
    [InlineData("lambda-invoke-qualifier")]
    [InlineData("presigned-query")]
    [InlineData("content-sha256-header")]
    public void verifying_a_parsed_request_allocates_nothing(string name)
    {
        const int Iterations = 1_000;
        var verifier = new SigV4Verifier();
        var vector = SigV4Vector.Named(name);
        var headers = new MapHeaders(vector.Headers);
        SigV4Authorization.TryRead(headers, vector.Query, out var authorization, out _).ShouldBeTrue();
        for (var i = 0; i < 100; i++)
        {
            verifier.Verify(authorization, vector.Method, vector.Path, vector.Query, headers, vector.Body, vector.Secret, vector.Now).ShouldBe(SigV4Result.Ok);
        }

        // The fewest bytes of five rounds: a per-call allocation shows in every round (the smallest object is
        // 24 bytes, so at least 24,000 per round); the runtime's one-off allocations while it tiers methods up
        // (seen in CI: about 1 KB in one round) do not.
        var fewest = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Iterations; i++)
            {
                _ = verifier.Verify(authorization, vector.Method, vector.Path, vector.Query, headers, vector.Body, vector.Secret, vector.Now);
            }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        fewest.ShouldBeLessThan(Iterations);
    }

    /// <summary>A header source as a server would write one: a struct over a prepared map.</summary>
    private readonly struct MapHeaders : ISigV4Headers
    {
        private readonly Dictionary<string, string> _map = new(StringComparer.OrdinalIgnoreCase);

        public MapHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
        {
            foreach (var (name, value) in headers)
            {
                _map[name] = _map.TryGetValue(name, out var existing) ? existing + "," + value : value;
            }
        }

        public string? GetHeader(string lowercaseName) => _map.TryGetValue(lowercaseName, out var value) ? value : null;
    }
}
