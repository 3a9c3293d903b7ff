using Amazon.Runtime;
using Amazon.SQS;
using Shouldly;
using Tideway.Server.Hosting;
using Tideway.Testing;

namespace Tideway.Compat.Tests;

/// <summary>SigV4 with credentials configured: real clients signing right and wrong.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string KeyId = "TWTESTKEY0000000001";
    private const string Secret = "s3cr3t/with+chars=";
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TidewayServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = new TidewayServer(new TidewayOptions
        {
            Port = 0,
            DataDirectory = ":memory:",
            Credentials = [new Credential(KeyId, Secret, "123456789012")],
        }, _clock);
        await _server.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private AmazonSQSClient Client(string key, string secret) => new(new BasicAWSCredentials(key, secret), new AmazonSQSConfig
    {
        ServiceURL = _server.Endpoint,
        AuthenticationRegion = "eu-west-1",
        MaxErrorRetry = 0,
    });

    [Fact]
    public async Task a_correctly_signed_request_acts_in_the_credentials_account_and_the_signing_region()
    {
        using var sqs = Client(KeyId, Secret);
        var url = (await sqs.CreateQueueAsync("signed", TestContext.Current.CancellationToken)).QueueUrl;
        url.ShouldEndWith("/123456789012/signed");
        var arn = (await sqs.GetQueueAttributesAsync(url, ["QueueArn"], TestContext.Current.CancellationToken)).QueueARN;
        arn.ShouldBe("arn:aws:sqs:eu-west-1:123456789012:signed");
    }

    [Fact]
    public async Task a_wrong_secret_is_signature_does_not_match()
    {
        using var sqs = Client(KeyId, "wrong");
        var e = await Should.ThrowAsync<AmazonSQSException>(() => sqs.ListQueuesAsync("x", TestContext.Current.CancellationToken));
        e.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        e.ErrorCode.ShouldBe("SignatureDoesNotMatch");
    }

    [Fact]
    public async Task an_unknown_access_key_is_invalid_client_token_id()
    {
        using var sqs = Client("TWUNKNOWN", Secret);
        var e = await Should.ThrowAsync<AmazonSQSException>(() => sqs.ListQueuesAsync("x", TestContext.Current.CancellationToken));
        e.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        e.ErrorCode.ShouldBe("InvalidClientTokenId");
    }

    [Fact]
    public async Task the_query_protocol_gets_its_xml_403_from_the_aws_cli()
    {
        var run = await ExternalClient.RunAsync(ExternalClient.AwsCliV2, ["--endpoint-url", _server.Endpoint, "sqs", "list-queues"], environment: new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = KeyId,
            ["AWS_SECRET_ACCESS_KEY"] = "wrong",
        });
        run.ExitCode.ShouldBe(254, run.ToString());
        run.Stderr.ShouldContain("SignatureDoesNotMatch");
        var ok = await ExternalClient.RunAsync(ExternalClient.AwsCliV2, ["--endpoint-url", _server.Endpoint, "sqs", "list-queues"], environment: new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = KeyId,
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
        });
        ok.ExitCode.ShouldBe(0, ok.ToString());
    }

    [Fact]
    public async Task a_request_signed_more_than_15_minutes_away_from_the_server_clock_is_refused()
    {
        _clock.Advance(TimeSpan.FromMinutes(16));
        using var sqs = Client(KeyId, Secret);
        var e = await Should.ThrowAsync<AmazonSQSException>(() => sqs.ListQueuesAsync("x", TestContext.Current.CancellationToken));
        e.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
    }

    [Fact]
    public void binding_a_network_address_without_credentials_is_refused_with_a_clear_message()
    {
        var e = Should.Throw<ArgumentException>(() => new TidewayOptions { Host = "0.0.0.0" }.Validate());
        e.Message.ShouldContain("Refusing to listen on 0.0.0.0 with no credentials configured");
        new TidewayOptions { Host = "0.0.0.0", Credentials = [new Credential(KeyId, Secret, "123456789012")] }.Validate();
        new TidewayOptions { Host = "::1" }.Validate();
    }
}
