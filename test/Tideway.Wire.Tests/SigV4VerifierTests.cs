using System.Buffers;
using System.Security.Cryptography;
using Shouldly;
using Tideway.Wire.SigV4;

namespace Tideway.Wire.Tests;

/// <summary>Requests signed by botocore and the AWS SigV4 test suite verify; any change to them does not.</summary>
public sealed class SigV4VerifierTests
{
    private readonly SigV4Verifier _verifier = new();

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void every_vector_verifies(string name)
    {
        var vector = SigV4Vector.Named(name);

        vector.Verify(_verifier).ShouldBe(SigV4Result.Ok);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.BotocoreNames), MemberType = typeof(SigV4Vector))]
    public void builds_the_canonical_request_botocore_built(string name)
    {
        var vector = SigV4Vector.Named(name);
        SigV4Authorization.TryRead(vector.HeaderSource, vector.Query, out var authorization, out _).ShouldBeTrue();
        var payloadHash = vector.Header("x-amz-content-sha256") ?? Convert.ToHexStringLower(SHA256.HashData(vector.Body));

        var canonical = SigV4Canonical.Build(vector.Method, vector.Path, vector.Query, vector.HeaderSource, authorization, payloadHash);

        canonical.ShouldBe(vector.CanonicalRequest);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void rejects_signature_when_body_changes(string name)
    {
        var vector = SigV4Vector.Named(name);
        Assert.SkipWhen(vector.Header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD", "the payload is not signed");
        var body = vector.Body.Length == 0 ? "x"u8.ToArray() : (byte[])vector.Body.Clone();
        body[^1] ^= 1;

        var result = (vector with { Body = body }).Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
    }

    [Fact]
    public void accepts_any_body_when_the_payload_is_unsigned()
    {
        var vector = SigV4Vector.Named("unsigned-payload");

        (vector with { Body = "Action=DeleteQueue"u8.ToArray() }).Verify(_verifier).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void rejects_a_body_that_does_not_match_its_signed_content_sha256()
    {
        var vector = SigV4Vector.Named("content-sha256-header");
        var body = (byte[])vector.Body.Clone();
        body[0] = (byte)' ';

        var result = (vector with { Body = body }).Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
        result.Message.ShouldBe("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    [Fact]
    public void rejects_a_content_sha256_that_is_neither_a_hash_nor_unsigned_payload()
    {
        var vector = SigV4Vector.Named("unsigned-payload").WithHeader("X-Amz-Content-SHA256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");

        var result = vector.Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.IncompleteSignature);
    }

    [Fact]
    public void accepts_the_whole_raw_target_as_the_path()
    {
        var vector = SigV4Vector.Named("lambda-invoke-qualifier");

        (vector with { Path = vector.Path + "?" + vector.Query }).Verify(_verifier).ShouldBe(SigV4Result.Ok);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void rejects_signature_when_a_signed_header_changes(string name)
    {
        var vector = SigV4Vector.Named(name);

        var result = vector.WithHeader("Host", vector.Header("host") + "x").Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
    }

    [Fact]
    public void rejects_signature_when_the_target_operation_changes()
    {
        var vector = SigV4Vector.Named("logs-json-post");

        var result = vector.WithHeader("X-Amz-Target", "Logs_20140328.DeleteLogGroup").Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
        result.Message.ShouldBe("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void ignores_headers_that_were_not_signed(string name)
    {
        var vector = SigV4Vector.Named(name);

        var result = vector.WithHeader("User-Agent", "something else").WithHeader("X-Amzn-Trace-Id", "Root=other").Verify(_verifier);

        result.ShouldBe(SigV4Result.Ok);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void rejects_signature_when_the_query_changes(string name)
    {
        var vector = SigV4Vector.Named(name);
        var query = vector.Query.Length == 0 ? "extra=1" : vector.Query + "&extra=1";

        var result = (vector with { Query = query }).Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void rejects_signature_when_the_path_changes(string name)
    {
        var vector = SigV4Vector.Named(name);

        var result = (vector with { Path = vector.Path.TrimEnd('/') + "/x" }).Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void rejects_signature_made_with_another_secret(string name)
    {
        var vector = SigV4Vector.Named(name);

        var result = vector.Verify(_verifier, secret: vector.Secret[..^1] + "X");

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
    }

    [Theory]
    [InlineData("Qualifier=$LATEST")]
    [InlineData("?Qualifier=%24LATEST")]
    [InlineData("Qualifier=%24LATEST&")]
    public void normalizes_the_query_encoding_before_comparing(string query)
    {
        var vector = SigV4Vector.Named("lambda-invoke-qualifier");

        (vector with { Query = query }).Verify(_verifier).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void reads_a_plus_and_a_percent_20_in_the_query_as_the_same_space()
    {
        var vector = SigV4Vector.Named("get-query-encoding");
        vector.Query.ShouldContain("a=x+y");

        (vector with { Query = vector.Query.Replace("a=x+y", "a=x%20y", StringComparison.Ordinal) }).Verify(_verifier).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void signs_the_lambda_path_encoded_twice()
    {
        var vector = SigV4Vector.Named("lambda-invoke-qualifier");

        vector.CanonicalRequest!.Split('\n')[1].ShouldBe("/2015-03-31/functions/my%2520fn/invocations");
        (vector with { Path = "/2015-03-31/functions/my fn/invocations" }).Verify(_verifier).Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
    }

    [Theory]
    [MemberData(nameof(SigV4Vector.Names), MemberType = typeof(SigV4Vector))]
    public void accepts_a_clock_14_minutes_either_way(string name)
    {
        var vector = SigV4Vector.Named(name);
        Assert.SkipWhen(vector.Name == "presigned-query", "a presigned URL expires after its X-Amz-Expires (300 s)");

        vector.Verify(_verifier, vector.Now.AddMinutes(14)).ShouldBe(SigV4Result.Ok);
        vector.Verify(_verifier, vector.Now.AddMinutes(-14)).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void rejects_a_signature_16_minutes_old()
    {
        var vector = SigV4Vector.Named("sqs-form-post");

        var result = vector.Verify(_verifier, vector.Now.AddMinutes(16));

        result.Status.ShouldBe(SigV4Status.RequestExpired);
        result.Message.ShouldBe("Signature expired: 20261123T193646Z is now earlier than 20261123T193746Z (20261123T195246Z - 15 min.)");
    }

    [Fact]
    public void rejects_a_signature_16_minutes_in_the_future()
    {
        var vector = SigV4Vector.Named("logs-json-post");

        var result = vector.Verify(_verifier, vector.Now.AddMinutes(-16));

        result.Status.ShouldBe(SigV4Status.RequestExpired);
        result.Message.ShouldBe("Signature not yet current: 20261123T193646Z is still later than 20261123T193546Z (20261123T192046Z + 15 min.)");
    }

    [Fact]
    public void honours_a_configured_clock_skew()
    {
        var vector = SigV4Vector.Named("sqs-form-post");

        vector.Verify(new SigV4Verifier(TimeSpan.FromMinutes(5)), vector.Now.AddMinutes(6)).Status.ShouldBe(SigV4Status.RequestExpired);
        vector.Verify(new SigV4Verifier(TimeSpan.FromMinutes(5)), vector.Now.AddMinutes(4)).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void accepts_a_presigned_url_until_it_expires()
    {
        var vector = SigV4Vector.Named("presigned-query");

        vector.Verify(_verifier, vector.Now.AddSeconds(300)).ShouldBe(SigV4Result.Ok);
        vector.Verify(_verifier, vector.Now.AddSeconds(301)).Status.ShouldBe(SigV4Status.RequestExpired);
    }

    [Fact]
    public void ignores_the_presigned_signature_parameter_in_the_canonical_query()
    {
        var vector = SigV4Vector.Named("presigned-query");

        vector.CanonicalRequest!.ShouldNotContain("X-Amz-Signature");
        vector.Verify(_verifier).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void rejects_a_scope_date_that_is_not_the_signing_date()
    {
        var vector = SigV4Vector.Named("sqs-form-post");
        var authorization = vector.Header("authorization")!.Replace("/20261123/", "/20261124/", StringComparison.Ordinal);

        var result = vector.WithHeader("Authorization", authorization).Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.SignatureDoesNotMatch);
        result.Message.ShouldBe("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261124' != '20261123', from '20261123T193646Z'.");
    }

    [Fact]
    public void reports_missing_authentication_when_there_are_no_credentials()
    {
        var vector = SigV4Vector.Named("sqs-form-post").WithoutHeader("Authorization");

        var result = vector.Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.MissingAuthentication);
    }

    [Fact]
    public void reports_an_unknown_access_key_as_an_invalid_client_token()
    {
        var vector = SigV4Vector.Named("sqs-form-post");

        var result = _verifier.Verify(vector.Method, vector.Path, vector.Query, vector.HeaderSource, vector.Body, _ => null, vector.Now, out var authorization);

        result.Status.ShouldBe(SigV4Status.InvalidClientTokenId);
        result.Message.ShouldBe("The security token included in the request is invalid.");
        authorization.ShouldNotBeNull().AccessKeyId.ShouldBe("AKIDTIDEWAYEXAMPLE");
    }

    [Fact]
    public void requires_a_date()
    {
        var vector = SigV4Vector.Named("sqs-form-post").WithoutHeader("X-Amz-Date");

        var result = vector.Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.IncompleteSignature);
        result.Message.ShouldBe("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }

    [Fact]
    public void requires_an_iso_8601_basic_x_amz_date()
    {
        var vector = SigV4Vector.Named("sqs-form-post").WithHeader("X-Amz-Date", "2026-11-23T19:36:46Z");

        var result = vector.Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.IncompleteSignature);
        result.Message.ShouldStartWith("Date must be in ISO-8601 'basic format'. Got '2026-11-23T19:36:46Z'.");
    }

    [Fact]
    public void requires_the_host_header_to_be_signed()
    {
        var vector = SigV4Vector.Named("sqs-form-post");
        var authorization = vector.Header("authorization")!.Replace("content-type;host;x-amz-date", "content-type;x-amz-date", StringComparison.Ordinal);

        var result = vector.WithHeader("Authorization", authorization).Verify(_verifier);

        result.Status.ShouldBe(SigV4Status.IncompleteSignature);
    }

    [Fact]
    public void verifies_a_body_in_several_segments()
    {
        var vector = SigV4Vector.Named("content-sha256-header");
        SigV4Authorization.TryRead(vector.HeaderSource, vector.Query, out var authorization, out _).ShouldBeTrue();
        var body = Segments(vector.Body, 7);

        _verifier.Verify(authorization, vector.Method, vector.Path, vector.Query, vector.HeaderSource, body, vector.Secret, vector.Now).ShouldBe(SigV4Result.Ok);
        var sqs = SigV4Vector.Named("sqs-form-post");
        SigV4Authorization.TryRead(sqs.HeaderSource, sqs.Query, out var sqsAuthorization, out _).ShouldBeTrue();
        _verifier.Verify(sqsAuthorization, sqs.Method, sqs.Path, sqs.Query, sqs.HeaderSource, Segments(sqs.Body, 10), sqs.Secret, sqs.Now).ShouldBe(SigV4Result.Ok);
    }

    [Fact]
    public void caches_one_signing_key_per_secret_day_region_and_service()
    {
        var verifier = new SigV4Verifier();
        var vector = SigV4Vector.Named("sqs-form-post");

        vector.Verify(verifier).ShouldBe(SigV4Result.Ok);
        vector.Verify(verifier).ShouldBe(SigV4Result.Ok);
        SigV4Vector.Named("logs-json-post").Verify(verifier).ShouldBe(SigV4Result.Ok);

        verifier.CachedKeyCount.ShouldBe(2);
    }

    [Fact]
    public void derives_the_signing_key_of_the_aws_documentation_example()
    {
        // "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
        var key = SigningKeyCache.Derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");

        Convert.ToHexStringLower(key).ShouldBe("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var memory = bytes.AsMemory(i, Math.Min(size, bytes.Length - i));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
