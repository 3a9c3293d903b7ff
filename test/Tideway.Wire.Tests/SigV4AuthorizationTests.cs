using Shouldly;
using Tideway.Wire.SigV4;

namespace Tideway.Wire.Tests;

/// <summary>Reading SigV4 credentials from the Authorization header and from presigned URLs, never throwing.</summary>
public sealed class SigV4AuthorizationTests
{
    private const string Valid = "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void parses_every_part_of_the_authorization_header()
    {
        SigV4Authorization.TryParseHeader(Valid, out var authorization, out var failure).ShouldBeTrue();

        failure.ShouldBe(SigV4Result.Ok);
        authorization.Scope.ShouldBe(new SigV4Scope("AKID", "20261123", "us-east-1", "sqs"));
        authorization.SignedHeaders.ShouldBe("content-type;host;x-amz-date");
        authorization.SignedHeaderNames.ShouldBe(["content-type", "host", "x-amz-date"]);
        authorization.Signature.ShouldBe("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        authorization.IsPresigned.ShouldBeFalse();
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request,SignedHeaders=host;x-amz-date,Signature=abc")]
    [InlineData("  AWS4-HMAC-SHA256   Signature=abc ,  SignedHeaders=host;x-amz-date , Credential=AKID/20261123/us-east-1/sqs/aws4_request  ")]
    public void accepts_any_spacing_and_order_of_the_parts(string header)
    {
        SigV4Authorization.TryParseHeader(header, out var authorization, out _).ShouldBeTrue();

        authorization.Region.ShouldBe("us-east-1");
        authorization.Signature.ShouldBe("abc");
    }

    [Theory]
    [InlineData("", "Authorization header requires 'Credential' parameter.")]
    [InlineData("Bearer abc", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc")]
    [InlineData("AWS AKID:c2lnbmF0dXJl", "Authorization header requires 'Credential' parameter.")]
    [InlineData("AWS4-HMAC-SHA512 Credential=a/20261123/r/s/aws4_request, SignedHeaders=host, Signature=a", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.")]
    [InlineData("AWS4-HMAC-SHA256", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request, SignedHeaders=host", "Authorization header requires 'Signature' parameter. Authorization=")]
    [InlineData("AWS4-HMAC-SHA256 Credential AKID/20261123/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=a", "'Credential AKID/20261123/us-east-1/sqs/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header:")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs, SignedHeaders=host, Signature=a", "Credential 'AKID/20261123/us-east-1/sqs' is mal-formed;")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request/x, SignedHeaders=host, Signature=a", "is mal-formed;")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/2026-11-23/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=a", "Invalid credential date \"2026-11-23\".")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123//sqs/aws4_request, SignedHeaders=host, Signature=a", "Credential should be scoped to a valid region, not ''.")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1//aws4_request, SignedHeaders=host, Signature=a", "Credential should be scoped to correct service: ''.")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_requesx, SignedHeaders=host, Signature=a", "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesx'.")]
    [InlineData("AWS4-HMAC-SHA256 Credential=/20261123/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=a", "has no access key id.")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request, SignedHeaders=, Signature=a", "SignedHeaders must name at least the 'host' header.")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/sqs/aws4_request, SignedHeaders=host;;x-amz-date, Signature=a", "has an empty header name.")]
    public void reports_a_malformed_header_as_an_incomplete_signature(string header, string message)
    {
        SigV4Authorization.TryParseHeader(header, out var authorization, out var failure).ShouldBeFalse();

        authorization.ShouldBeNull();
        failure.Status.ShouldBe(SigV4Status.IncompleteSignature);
        failure.Message.ShouldContain(message);
    }

    [Fact]
    public void never_throws_on_mangled_headers()
    {
        var random = new Random(20261123);
        var verifier = new SigV4Verifier();
        var vector = SigV4Vector.Named("sqs-form-post");
        var original = vector.Header("authorization")!;
        SigV4Authorization.TryParseHeader(original, out var expected, out _).ShouldBeTrue();
        const string Alphabet = "AWS4-HMAC-SHA256 Credential=/,;=aws4_request\t\0%é😀";
        for (var i = 0; i < 5_000; i++)
        {
            var chars = original.ToCharArray().ToList();
            for (var edits = random.Next(1, 6); edits > 0; edits--)
            {
                var at = random.Next(chars.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when chars.Count > 0 && at < chars.Count: chars.RemoveAt(at); break;
                    case 1 when at < chars.Count: chars[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                    default: chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                }
            }

            var mangled = new string([.. chars]);
            _ = SigV4Authorization.TryParseHeader(mangled, out _, out _);
            _ = SigV4Authorization.TryReadHeaderScope(mangled, out _);
            var result = vector.WithHeader("Authorization", mangled).Verify(verifier);
            // Only a header that says the same thing (spacing, empty parts, hex case aside) verifies.
            if (result.IsOk)
            {
                SigV4Authorization.TryParseHeader(mangled, out var parsed, out _).ShouldBeTrue(mangled);
                parsed.Scope.ShouldBe(expected.Scope, mangled);
                parsed.SignedHeaders.ShouldBe(expected.SignedHeaders, mangled);
                parsed.Signature.ToLowerInvariant().ShouldBe(expected.Signature, mangled);
            }
        }
    }

    [Fact]
    public void reads_the_scope_without_verifying()
    {
        var headers = SigV4Vector.Source([new("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261123/eu-west-3/logs/aws4_request, SignedHeaders=host, Signature=SIGNATURE")]);

        SigV4Authorization.TryReadScope(headers, null, out var scope).ShouldBeTrue();

        scope.ShouldBe(new SigV4Scope("test", "20261123", "eu-west-3", "logs"));
    }

    [Fact]
    public void reads_the_scope_from_an_authorization_header_with_only_a_credential()
    {
        SigV4Authorization.TryReadHeaderScope("AWS4-HMAC-SHA256 Credential=test/20261123/ap-south-1/sqs/aws4_request", out var scope).ShouldBeTrue();

        scope.Region.ShouldBe("ap-south-1");
    }

    [Fact]
    public void reads_the_scope_of_a_presigned_url()
    {
        var vector = SigV4Vector.Named("presigned-query");

        SigV4Authorization.TryReadScope(vector.HeaderSource, vector.Query, out var scope).ShouldBeTrue();

        scope.ShouldBe(new SigV4Scope("AKIDTIDEWAYEXAMPLE", "20261123", "us-east-1", "sqs"));
    }

    [Fact]
    public void finds_no_scope_without_credentials()
    {
        SigV4Authorization.TryReadScope(SigV4Vector.Source([]), "Action=ListQueues", out _).ShouldBeFalse();
        SigV4Authorization.TryReadScope(SigV4Vector.Source([new("Authorization", "Bearer x")]), null, out _).ShouldBeFalse();
    }

    [Fact]
    public void parses_a_presigned_url()
    {
        var vector = SigV4Vector.Named("presigned-query");

        SigV4Authorization.TryRead(vector.HeaderSource, vector.Query, out var authorization, out _).ShouldBeTrue();

        authorization.IsPresigned.ShouldBeTrue();
        authorization.AmzDate.ShouldBe("20261123T193646Z");
        authorization.Expires.ShouldBe(300);
        authorization.SignedHeaders.ShouldBe("host");
        authorization.Signature.Length.ShouldBe(64);
    }

    [Fact]
    public void reports_missing_authentication_when_neither_header_nor_query_has_credentials()
    {
        SigV4Authorization.TryRead(SigV4Vector.Source([]), "Action=ListQueues&Version=2012-11-05", out _, out var failure).ShouldBeFalse();

        failure.Status.ShouldBe(SigV4Status.MissingAuthentication);
    }

    [Theory]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261123%2Fus-east-1%2Fsqs%2Faws4_request", "AWS query-string parameters must include")]
    [InlineData("X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=a%2F20261123%2Fus-east-1%2Fsqs%2Faws4_request&X-Amz-Date=20261123T193646Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab", "X-Amz-Algorithm only supports")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261123%2Fus-east-1%2Fsqs%2Faws4_request&X-Amz-Date=20261123T193646Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Expires=604801", "604800")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261123%2Fus-east-1%2Fsqs%2Faws4_request&X-Amz-Date=20261123T193646Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Expires=-1", "greater than 0")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261123&X-Amz-Date=20261123T193646Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab", "is mal-formed")]
    [InlineData("X-Amz-Signature=%zz", "AWS query-string parameters must include")]
    public void reports_a_malformed_presigned_url_as_an_incomplete_signature(string query, string message)
    {
        SigV4Authorization.TryParseQuery(query, out _, out var failure).ShouldBeFalse();

        failure.Status.ShouldBe(SigV4Status.IncompleteSignature);
        failure.Message.ShouldContain(message);
    }

    [Theory]
    [InlineData(SigV4Status.MissingAuthentication, AwsProtocol.AwsQuery, "MissingAuthenticationToken", "MissingAuthenticationToken", 403)]
    [InlineData(SigV4Status.MissingAuthentication, AwsProtocol.AwsJson, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 403)]
    [InlineData(SigV4Status.IncompleteSignature, AwsProtocol.AwsQuery, "IncompleteSignature", "IncompleteSignature", 400)]
    [InlineData(SigV4Status.IncompleteSignature, AwsProtocol.AwsJson, "IncompleteSignatureException", "IncompleteSignature", 400)]
    [InlineData(SigV4Status.IncompleteSignature, AwsProtocol.RestJson, "IncompleteSignatureException", "IncompleteSignature", 403)]
    [InlineData(SigV4Status.InvalidClientTokenId, AwsProtocol.AwsQuery, "InvalidClientTokenId", "InvalidClientTokenId", 403)]
    [InlineData(SigV4Status.InvalidClientTokenId, AwsProtocol.AwsJson, "UnrecognizedClientException", "InvalidClientTokenId", 400)]
    [InlineData(SigV4Status.InvalidClientTokenId, AwsProtocol.RestJson, "UnrecognizedClientException", "InvalidClientTokenId", 403)]
    [InlineData(SigV4Status.SignatureDoesNotMatch, AwsProtocol.AwsQuery, "SignatureDoesNotMatch", "SignatureDoesNotMatch", 403)]
    [InlineData(SigV4Status.SignatureDoesNotMatch, AwsProtocol.AwsJson, "InvalidSignatureException", "SignatureDoesNotMatch", 400)]
    [InlineData(SigV4Status.RequestExpired, AwsProtocol.AwsQuery, "SignatureDoesNotMatch", "SignatureDoesNotMatch", 403)]
    [InlineData(SigV4Status.RequestExpired, AwsProtocol.AwsJson, "InvalidSignatureException", "SignatureDoesNotMatch", 400)]
    [InlineData(SigV4Status.RequestExpired, AwsProtocol.RestJson, "InvalidSignatureException", "SignatureDoesNotMatch", 403)]
    public void maps_each_failure_to_the_error_of_the_protocol(SigV4Status status, AwsProtocol protocol, string code, string queryCode, int httpStatus)
    {
        var error = SigV4Result.Fail(status, "Signature expired: x").ToAwsError(protocol);

        error.Code.ShouldBe(code);
        error.QueryCode.ShouldBe(queryCode);
        error.StatusCode.ShouldBe(httpStatus);
        error.Fault.ShouldBe(AwsFault.Sender);
        if (status != SigV4Status.MissingAuthentication)
        {
            error.Message.ShouldBe("Signature expired: x");
        }
    }

    [Fact]
    public void words_missing_authentication_as_aws_does_per_protocol()
    {
        var missing = SigV4Result.Fail(SigV4Status.MissingAuthentication, "whatever");

        missing.ToAwsError(AwsProtocol.AwsQuery).Message.ShouldBe("Request is missing Authentication Token");
        missing.ToAwsError(AwsProtocol.AwsJson).Message.ShouldBe("Missing Authentication Token");
    }
}
