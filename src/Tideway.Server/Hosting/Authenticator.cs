using Tideway.Primitives;
using Tideway.Wire;
using Tideway.Wire.SigV4;

namespace Tideway.Server.Hosting;

/// <summary>
/// Decides who a request is. With no credentials configured (loopback only), any access key is
/// accepted as account 000000000000, in the region of its SigV4 scope. With credentials, every request
/// must carry a valid SigV4 signature by a configured key, within 15 minutes of the server's clock.
/// </summary>
internal sealed class Authenticator(IReadOnlyList<Credential> credentials, TimeProvider time)
{
    private readonly Dictionary<string, Credential> _byKey = credentials.ToDictionary(c => c.AccessKeyId, StringComparer.Ordinal);
    private readonly SigV4Verifier _verifier = new();

    public bool Open => _byKey.Count == 0;

    /// <summary>Returns the scope, or an AWS error of <paramref name="protocol"/>.</summary>
    public RequestScope? Authenticate<THeaders>(string method, string rawPath, string? rawQuery, THeaders headers, ReadOnlySpan<byte> body, AwsProtocol protocol, out AwsError? error)
        where THeaders : ISigV4Headers
    {
        error = null;
        if (Open)
        {
            var region = SigV4Authorization.TryReadScope(headers, rawQuery, out var scope) && scope.Region.Length > 0 ? scope.Region : RequestScope.DefaultRegion;
            return new RequestScope(RequestScope.DefaultAccount, region);
        }
        var result = _verifier.Verify(method, rawPath, rawQuery, headers, body,
            key => _byKey.TryGetValue(key, out var credential) ? credential.SecretAccessKey : null,
            time.GetUtcNow(), out var authorization);
        if (!result.IsOk)
        {
            error = result.ToAwsError(protocol);
            return null;
        }
        return new RequestScope(_byKey[authorization!.AccessKeyId].Account, authorization.Region);
    }
}
