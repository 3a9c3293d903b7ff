using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Shouldly;
using Tideway.Primitives;
using Tideway.Storage;
using Tideway.Storage.Memory;
using Tideway.Testing;

namespace Tideway.Functions.Tests;

/// <summary>The Lambda control plane: validation, configuration, concurrency, policies, event invoke configs, tags (no processes run here).</summary>
public sealed class ControlPlaneTests : IAsyncDisposable
{
    private static readonly RequestScope Scope = new("000000000000", "us-east-1");
    private const string Role = "arn:aws:iam::000000000000:role/lambda";

    private readonly MemoryFunctionStore _store = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tideway-fn-tests-" + Guid.NewGuid().ToString("N"));
    private readonly FunctionsEngine _engine;

    public ControlPlaneTests()
    {
        _engine = Open(_store);
    }

    private readonly RecordingDestinations _destinations = new();

    private FunctionsEngine Open(IFunctionStore store) =>
        new(store, new FunctionsOptions { RuntimeRoot = _root, Endpoints = new NoEndpoints(), ConcurrentExecutions = 1000 }, new NoLogs(), _time, _destinations);

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    internal static byte[] Zip(string name, string content)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            // A fixed time: an entry stamped with the clock made two zips of the same content differ across a
            // two-second boundary (and a test comparing their SHA-256 fail now and then).
            var entry = archive.CreateEntry(name);
            entry.LastWriteTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            using var writer = new StreamWriter(entry.Open());
            writer.Write(content);
        }
        return buffer.ToArray();
    }

    private static CreateFunctionRequest Request(string name = "f1") => new()
    {
        FunctionName = name,
        Runtime = "provided.al2023",
        Role = Role,
        Handler = "function.handler",
        Code = new FunctionCode(Zip("bootstrap", "#!/bin/sh\n"), null, null, null, null),
    };

    private static async Task<ServiceException> Fails(Func<Task> action)
    {
        var e = await Should.ThrowAsync<ServiceException>(action);
        return e;
    }

    [Fact]
    public async Task creates_a_function_reported_pending_then_active_with_aws_defaults()
    {
        var created = await _engine.CreateFunctionAsync(Scope, Request());

        created.State.ShouldBe("Pending");
        created.StateReasonCode.ShouldBe("Creating");
        created.LastUpdateStatus.ShouldBeNull();
        created.FunctionArn.ShouldBe("arn:aws:lambda:us-east-1:000000000000:function:f1");
        created.Timeout.ShouldBe(3);
        created.MemorySize.ShouldBe(128);
        created.EphemeralStorage.Size.ShouldBe(512);
        created.Architectures.ShouldBe(["x86_64"]);
        created.LastModified.ShouldBe("2026-12-03T12:00:00.000+0000");
        created.CodeSha256.ShouldBe(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Request().Code!.ZipFile!)));
        created.LoggingConfig.LogGroup.ShouldBe("/aws/lambda/f1");

        var read = _engine.GetFunctionConfiguration(Scope, "f1", null);
        read.State.ShouldBe("Active");
        read.LastUpdateStatus.ShouldBe("Successful");
    }

    [Fact]
    public async Task a_second_function_of_the_same_name_conflicts()
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        var e = await Fails(() => _engine.CreateFunctionAsync(Scope, Request()));

        e.Code.ShouldBe("ResourceConflictException");
        e.Message.ShouldBe("Function already exist: f1");
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:f1")]
    [InlineData("000000000000:function:f1")]
    [InlineData("f1:$LATEST")]
    public async Task finds_a_function_by_name_arn_or_partial_arn(string name)
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        _engine.GetFunction(Scope, name, null).Configuration.FunctionName.ShouldBe("f1");
    }

    [Fact]
    public void a_malformed_function_name_is_refused_with_the_pattern_aws_prints()
    {
        var e = Should.Throw<ServiceException>(() => _engine.GetFunction(Scope, "bad name!", null));

        e.Code.ShouldBe("ValidationException");
        e.Message.ShouldEndWith(@"Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?");
    }

    [Fact]
    public void an_unknown_function_is_not_found_with_its_arn()
    {
        var e = Should.Throw<ServiceException>(() => _engine.GetFunction(Scope, "nope", null));

        e.Code.ShouldBe("ResourceNotFoundException");
        e.Message.ShouldBe("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
    }

    [Theory]
    [InlineData("bad role", "ValidationException", "at 'role'")]
    [InlineData("runtime", "InvalidParameterValueException", "Member must satisfy enum value set")]
    [InlineData("unsupported runtime", "InvalidParameterValueException", "not supported by Tideway")]
    [InlineData("memory", "ValidationException", "Member must have value less than or equal to 10240")]
    [InlineData("timeout", "ValidationException", "Member must have value less than or equal to 900")]
    [InlineData("ephemeral", "ValidationException", "at 'ephemeralStorage.size'")]
    [InlineData("reserved variable", "InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION")]
    [InlineData("big environment", "InvalidParameterValueException", "exceeded the 4KB limit")]
    [InlineData("not a zip", "InvalidParameterValueException", "Could not unzip uploaded file.")]
    [InlineData("long name", "InvalidParameterValueException", "Member must have length less than or equal to 64")]
    [InlineData("architectures", "ValidationException", "at 'architectures'")]
    public async Task refuses_what_lambda_refuses(string what, string code, string message)
    {
        var request = what switch
        {
            "bad role" => Request() with { Role = "r1" },
            "runtime" => Request() with { Runtime = "cobol85" },
            "unsupported runtime" => Request() with { Runtime = "java21" },
            "memory" => Request() with { MemorySize = 10241 },
            "timeout" => Request() with { Timeout = 901 },
            "ephemeral" => Request() with { EphemeralStorage = new EphemeralStorage(100) },
            "reserved variable" => Request() with { Environment = new FunctionEnvironment(new() { ["AWS_REGION"] = "x" }) },
            "big environment" => Request() with { Environment = new FunctionEnvironment(new() { ["BIG"] = new string('x', 5000) }) },
            "not a zip" => Request() with { Code = new FunctionCode(Encoding.UTF8.GetBytes("not a zip"), null, null, null, null) },
            "long name" => Request(new string('a', 65)),
            _ => Request() with { Architectures = ["x86_64", "arm64"] },
        };

        var e = await Fails(() => _engine.CreateFunctionAsync(Scope, request));

        e.Code.ShouldBe(code);
        e.Message.ShouldContain(message);
        _engine.ListFunctions(Scope, null, null).Functions.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_zip_climbing_out_of_its_folder_is_refused()
    {
        var e = await Fails(() => _engine.CreateFunctionAsync(Scope, Request() with { Code = new FunctionCode(Zip("../escape", "x"), null, null, null, null) }));

        e.Code.ShouldBe("InvalidParameterValueException");
    }

    [Fact]
    public async Task lists_functions_by_name_in_pages()
    {
        foreach (var name in new[] { "c", "a", "b" })
        {
            await _engine.CreateFunctionAsync(Scope, Request(name));
        }

        var first = _engine.ListFunctions(Scope, null, 2);
        var second = _engine.ListFunctions(Scope, first.NextMarker, 2);

        first.Functions.Select(f => f.FunctionName).ShouldBe(["a", "b"]);
        second.Functions.Select(f => f.FunctionName).ShouldBe(["c"]);
        second.NextMarker.ShouldBeNull();
    }

    [Fact]
    public async Task updates_keep_what_is_left_out_and_check_the_revision()
    {
        var created = await _engine.CreateFunctionAsync(Scope, Request() with { Description = "d", Environment = new FunctionEnvironment(new() { ["A"] = "1" }) });
        _time.Advance(TimeSpan.FromSeconds(5));

        var updated = await _engine.UpdateFunctionConfigurationAsync(Scope, "f1", new UpdateFunctionConfigurationRequest { Timeout = 30 });

        updated.Timeout.ShouldBe(30);
        updated.Description.ShouldBe("d");
        updated.Environment!.Variables.ShouldContainKeyAndValue("A", "1");
        updated.LastUpdateStatus.ShouldBe("InProgress");
        updated.RevisionId.ShouldNotBe(created.RevisionId);
        updated.LastModified.ShouldBe("2026-12-03T12:00:05.000+0000");
        var stale = await Fails(() => _engine.UpdateFunctionConfigurationAsync(Scope, "f1", new UpdateFunctionConfigurationRequest { RevisionId = created.RevisionId }));
        stale.Code.ShouldBe("PreconditionFailedException");
    }

    [Fact]
    public async Task new_code_replaces_the_package_and_the_old_one_is_deleted()
    {
        var created = await _engine.CreateFunctionAsync(Scope, Request());
        var oldHex = Convert.ToHexStringLower(Convert.FromBase64String(created.CodeSha256));

        var updated = await _engine.UpdateFunctionCodeAsync(Scope, "f1", new UpdateFunctionCodeRequest { ZipFile = Zip("bootstrap", "#!/bin/sh\necho 2\n") });

        updated.CodeSha256.ShouldNotBe(created.CodeSha256);
        _store.ReadCode(oldHex).ShouldBeNull();
        _store.ReadCode(Convert.ToHexStringLower(Convert.FromBase64String(updated.CodeSha256))).ShouldNotBeNull();
    }

    [Fact]
    public async Task the_code_location_serves_the_package_for_ten_minutes_with_its_own_signature_only()
    {
        var created = await _engine.CreateFunctionAsync(Scope, Request());
        var (file, expires, signature) = Link(_engine.GetFunction(Scope, "f1", null).Code.Location);

        var download = _engine.DownloadCode(file, expires, signature);

        download.StatusCode.ShouldBe(200);
        Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(download.Zip!)).ShouldBe(created.CodeSha256);
        var later = (long.Parse(expires, CultureInfo.InvariantCulture) + 3600).ToString(CultureInfo.InvariantCulture);
        _engine.DownloadCode(file, later, signature).ErrorCode.ShouldBe("SignatureDoesNotMatch");
        _engine.DownloadCode((file[0] == 'a' ? "b" : "a") + file[1..], expires, signature).ErrorCode.ShouldBe("SignatureDoesNotMatch");
        _engine.DownloadCode(file, expires, null).ErrorCode.ShouldBe("AccessDenied");
        _time.Advance(FunctionsEngine.CodeLinkLifetime);
        _engine.DownloadCode(file, expires, signature).StatusCode.ShouldBe(200);
        _time.Advance(TimeSpan.FromSeconds(1));
        var expired = _engine.DownloadCode(file, expires, signature);
        (expired.StatusCode, expired.ErrorCode, expired.Message).ShouldBe((403, "AccessDenied", "Request has expired"));

        // The link names the server as the caller reached it (as queue URLs do).
        _engine.GetFunction(Scope, "f1", null, "http://tideway.example:4566").Code.Location.ShouldStartWith("http://tideway.example:4566" + FunctionsEngine.CodePath + "/");

        // A fresh link to code that is gone: not found.
        var (file2, expires2, signature2) = Link(_engine.GetFunction(Scope, "f1", null).Code.Location);
        await _engine.DeleteFunctionAsync(Scope, "f1", null);
        _engine.DownloadCode(file2, expires2, signature2).ErrorCode.ShouldBe("NoSuchKey");
    }

    private static (string File, string Expires, string Signature) Link(string location)
    {
        location.ShouldStartWith("http://127.0.0.1:4566" + FunctionsEngine.CodePath + "/");
        var uri = new Uri(location);
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        return (uri.AbsolutePath[(FunctionsEngine.CodePath.Length + 1)..], query["Expires"]!, query["Signature"]!);
    }

    [Fact]
    public async Task delete_forgets_the_function_and_its_code()
    {
        var created = await _engine.CreateFunctionAsync(Scope, Request());

        await _engine.DeleteFunctionAsync(Scope, "f1", null);

        Should.Throw<ServiceException>(() => _engine.GetFunction(Scope, "f1", null)).Code.ShouldBe("ResourceNotFoundException");
        _store.ReadCode(Convert.ToHexStringLower(Convert.FromBase64String(created.CodeSha256))).ShouldBeNull();
        (await Fails(() => _engine.DeleteFunctionAsync(Scope, "f1", null))).Code.ShouldBe("ResourceNotFoundException");
    }

    [Fact]
    public async Task functions_survive_a_restart_of_the_engine()
    {
        await _engine.CreateFunctionAsync(Scope, Request() with { Tags = new() { ["team"] = "a" } });
        await _engine.PutFunctionConcurrencyAsync(Scope, "f1", 7);

        await using var reopened = Open(_store);

        var function = reopened.GetFunction(Scope, "f1", null);
        function.Tags!["team"].ShouldBe("a");
        function.Concurrency!.ReservedConcurrentExecutions.ShouldBe(7);
    }

    [Fact]
    public async Task reserved_concurrency_keeps_100_unreserved_and_shows_in_account_settings()
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        (await _engine.PutFunctionConcurrencyAsync(Scope, "f1", 900)).ReservedConcurrentExecutions.ShouldBe(900);
        var e = await Fails(() => _engine.PutFunctionConcurrencyAsync(Scope, "f1", 901));

        e.Message.ShouldBe("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
        var settings = _engine.GetAccountSettings(Scope);
        settings.AccountLimit.UnreservedConcurrentExecutions.ShouldBe(100);
        settings.AccountUsage.FunctionCount.ShouldBe(1);
        await _engine.DeleteFunctionConcurrencyAsync(Scope, "f1");
        _engine.GetFunctionConcurrency(Scope, "f1").ReservedConcurrentExecutions.ShouldBeNull();
    }

    [Fact]
    public async Task a_reservation_of_zero_throttles_every_synchronous_invoke()
    {
        await _engine.CreateFunctionAsync(Scope, Request());
        await _engine.PutFunctionConcurrencyAsync(Scope, "f1", 0);

        var e = await Fails(() => _engine.InvokeAsync(Scope, "f1", null, InvocationType.RequestResponse, false, null, "{}"u8.ToArray()));

        e.Code.ShouldBe("TooManyRequestsException");
        e.Data["Reason"].ShouldBe("ReservedFunctionConcurrentInvocationLimitExceeded");
        var metrics = _engine.Metrics.Snapshot().ShouldHaveSingleItem();
        metrics.Throttles.ShouldBe(1);
        metrics.Invocations.ShouldBe(0);
    }

    [Fact]
    public async Task with_no_runtime_api_address_free_an_invoke_is_throttled()
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        var e = await Fails(() => _engine.InvokeAsync(Scope, "f1", null, InvocationType.RequestResponse, false, null, "{}"u8.ToArray()));

        e.Code.ShouldBe("TooManyRequestsException");
        e.Data["Reason"].ShouldBe("ConcurrentInvocationLimitExceeded");
    }

    [Theory]
    [InlineData("{not json", "InvalidRequestContentException")]
    [InlineData("oversized", "RequestEntityTooLargeException")]
    public async Task bad_payloads_are_refused_before_anything_runs(string payload, string code)
    {
        await _engine.CreateFunctionAsync(Scope, Request());
        var bytes = payload == "oversized" ? new byte[FunctionsEngine.MaxSyncPayloadBytes + 1] : Encoding.UTF8.GetBytes(payload);

        (await Fails(() => _engine.InvokeAsync(Scope, "f1", null, InvocationType.RequestResponse, false, null, bytes))).Code.ShouldBe(code);
    }

    [Fact]
    public async Task dry_run_checks_the_function_and_answers_204()
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        (await _engine.InvokeAsync(Scope, "f1", null, InvocationType.DryRun, false, null, default)).StatusCode.ShouldBe(204);
        (await Fails(() => _engine.InvokeAsync(Scope, "f2", null, InvocationType.DryRun, false, null, default))).Message
            .ShouldBe("Function not found: arn:aws:lambda:us-east-1:000000000000:function:f2:$LATEST");
    }

    [Fact]
    public async Task permissions_build_the_statements_aws_builds()
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        var added = await _engine.AddPermissionAsync(Scope, "f1", null, new AddPermissionRequest
        {
            StatementId = "events",
            Action = "lambda:InvokeFunction",
            Principal = "events.amazonaws.com",
            SourceArn = "arn:aws:events:us-east-1:000000000000:rule/r1",
        });
        await _engine.AddPermissionAsync(Scope, "f1", null, new AddPermissionRequest { StatementId = "acct", Action = "lambda:*", Principal = "111122223333" });

        using (var statement = JsonDocument.Parse(added.Statement))
        {
            statement.RootElement.GetProperty("Principal").GetProperty("Service").GetString().ShouldBe("events.amazonaws.com");
            statement.RootElement.GetProperty("Condition").GetProperty("ArnLike").GetProperty("AWS:SourceArn").GetString().ShouldBe("arn:aws:events:us-east-1:000000000000:rule/r1");
        }
        using (var policy = JsonDocument.Parse(_engine.GetPolicy(Scope, "f1", null).Policy))
        {
            var statements = policy.RootElement.GetProperty("Statement");
            statements.GetArrayLength().ShouldBe(2);
            statements[1].GetProperty("Principal").GetProperty("AWS").GetString().ShouldBe("arn:aws:iam::111122223333:root");
        }
        (await Fails(() => _engine.AddPermissionAsync(Scope, "f1", null, new AddPermissionRequest { StatementId = "acct", Action = "lambda:*", Principal = "*" })))
            .Message.ShouldBe("The statement id (acct) provided already exists. Please provide a new statement id, or remove the existing statement.");
        await _engine.RemovePermissionAsync(Scope, "f1", null, "events", null);
        await _engine.RemovePermissionAsync(Scope, "f1", null, "acct", null);
        Should.Throw<ServiceException>(() => _engine.GetPolicy(Scope, "f1", null)).Message.ShouldBe("The resource you requested does not exist.");
    }

    [Fact]
    public async Task event_invoke_config_is_replaced_by_put_and_merged_by_update()
    {
        await _engine.CreateFunctionAsync(Scope, Request());

        await _engine.PutFunctionEventInvokeConfigAsync(Scope, "f1", null, new EventInvokeConfigRequest(1, 120,
            new DestinationConfig(null, new OnFailure("arn:aws:sqs:us-east-1:000000000000:dlq"))), merge: false);
        var merged = await _engine.PutFunctionEventInvokeConfigAsync(Scope, "f1", null, new EventInvokeConfigRequest(0, null, null), merge: true);

        merged.MaximumRetryAttempts.ShouldBe(0);
        merged.MaximumEventAgeInSeconds.ShouldBe(120);
        merged.DestinationConfig.OnFailure!.Destination.ShouldBe("arn:aws:sqs:us-east-1:000000000000:dlq");
        merged.FunctionArn.ShouldEndWith(":function:f1:$LATEST");
        (await Fails(() => _engine.PutFunctionEventInvokeConfigAsync(Scope, "f1", null, new EventInvokeConfigRequest(3, null, null), merge: false))).Code.ShouldBe("ValidationException");
        await _engine.DeleteFunctionEventInvokeConfigAsync(Scope, "f1", null);
        Should.Throw<ServiceException>(() => _engine.GetFunctionEventInvokeConfig(Scope, "f1", null)).Code.ShouldBe("ResourceNotFoundException");
    }

    [Fact]
    public async Task tags_are_added_merged_and_removed_by_arn()
    {
        var arn = (await _engine.CreateFunctionAsync(Scope, Request() with { Tags = new() { ["a"] = "1" } })).FunctionArn;

        await _engine.TagResourceAsync(Scope, arn, new() { ["b"] = "2" });
        await _engine.UntagResourceAsync(Scope, arn, ["a"]);

        _engine.ListTags(Scope, arn).ShouldBe(new Dictionary<string, string> { ["b"] = "2" });
        Should.Throw<ServiceException>(() => _engine.ListTags(Scope, "f1")).Code.ShouldBe("ValidationException");
    }

    [Fact]
    public async Task dead_letter_targets_are_sqs_queues_and_sns_is_refused_where_aws_would_take_it()
    {
        const string Topic = "arn:aws:sns:us-east-1:000000000000:alerts";
        var sns = await Should.ThrowAsync<ServiceException>(() => _engine.CreateFunctionAsync(Scope, Request() with { DeadLetterConfig = new DeadLetterConfig(Topic) }));
        sns.Code.ShouldBe("InvalidParameterValueException");
        sns.Message.ShouldContain("Tideway runs no SNS");
        (await Should.ThrowAsync<ServiceException>(() => _engine.CreateFunctionAsync(Scope, Request() with { DeadLetterConfig = new DeadLetterConfig("not-an-arn") }))).Code.ShouldBe("ValidationException");
        (await Should.ThrowAsync<ServiceException>(() => _engine.CreateFunctionAsync(Scope, Request() with { DeadLetterConfig = new DeadLetterConfig("arn:aws:s3:::bucket") }))).Code.ShouldBe("InvalidParameterValueException");

        await _engine.CreateFunctionAsync(Scope, Request() with { DeadLetterConfig = new DeadLetterConfig("arn:aws:sqs:us-east-1:000000000000:dlq") });
        var destination = await Should.ThrowAsync<ServiceException>(() => _engine.PutFunctionEventInvokeConfigAsync(Scope, "f1", null,
            new EventInvokeConfigRequest(null, null, new DestinationConfig(new OnSuccess(Topic), null)), merge: false));
        destination.Code.ShouldBe("InvalidParameterValueException");
        destination.Message.ShouldContain("Tideway runs no SNS");
        // An empty target clears the dead-letter queue.
        var cleared = await _engine.UpdateFunctionConfigurationAsync(Scope, "f1", new UpdateFunctionConfigurationRequest { DeadLetterConfig = new DeadLetterConfig(string.Empty) });
        cleared.DeadLetterConfig.ShouldBeNull();
    }

    [Fact]
    public async Task an_event_for_a_function_reserved_at_zero_goes_to_its_failure_destination_and_dead_letter_queue()
    {
        const string OnFailure = "arn:aws:sqs:us-east-1:000000000000:failures";
        const string DeadLetter = "arn:aws:sqs:us-east-1:000000000000:dlq";
        await _engine.CreateFunctionAsync(Scope, Request() with { DeadLetterConfig = new DeadLetterConfig(DeadLetter) });
        await _engine.PutFunctionEventInvokeConfigAsync(Scope, "f1", null, new EventInvokeConfigRequest(null, null, new DestinationConfig(null, new OnFailure(OnFailure))), merge: false);
        await _engine.PutFunctionConcurrencyAsync(Scope, "f1", 0);
        var settled = _destinations.WhenSent(2);

        var accepted = await _engine.InvokeAsync(Scope, "f1", null, InvocationType.Event, false, null, "{\"order\":1}"u8.ToArray());
        await settled;

        accepted.StatusCode.ShouldBe(202);
        var (destination, success, record) = _destinations.Records.ShouldHaveSingleItem();
        destination.ShouldBe(OnFailure);
        success.ShouldBeFalse();
        using var document = JsonDocument.Parse(record);
        var context = document.RootElement.GetProperty("requestContext");
        context.GetProperty("condition").GetString().ShouldBe("ZeroReservedConcurrency");
        context.GetProperty("approximateInvokeCount").GetInt32().ShouldBe(0);
        context.GetProperty("functionArn").GetString().ShouldBe("arn:aws:lambda:us-east-1:000000000000:function:f1:$LATEST");
        document.RootElement.GetProperty("requestPayload").GetProperty("order").GetInt32().ShouldBe(1);
        document.RootElement.TryGetProperty("responseContext", out _).ShouldBeFalse();
        _destinations.DeadLetters.ShouldHaveSingleItem().ShouldBe((DeadLetter, "{\"order\":1}"));
        // The record goes out before the invocation is forgotten (at least once): wait for the forgetting.
        SpinWait.SpinUntil(() => _engine.AsyncSettled == 1, TimeSpan.FromSeconds(10)).ShouldBeTrue();
        _store.PendingInvocations().ShouldBeEmpty();
    }

    [Fact]
    public async Task an_accepted_event_is_stored_before_the_202_and_resumed_by_a_new_engine()
    {
        await _engine.CreateFunctionAsync(Scope, Request());
        await _engine.PutFunctionConcurrencyAsync(Scope, "f1", 0);
        await _engine.PutFunctionEventInvokeConfigAsync(Scope, "f1", null, new EventInvokeConfigRequest(null, null, new DestinationConfig(null, new OnFailure("arn:aws:sqs:us-east-1:000000000000:q"))), merge: false);
        var store = new MemoryFunctionStore();
        foreach (var record in _store.Functions())
        {
            await store.SaveFunctionAsync(record);
        }
        await store.EnqueueInvocationAsync(new AsyncInvocation(0, "000000000000", "us-east-1", "f1", "r-1", "{}"u8.ToArray(), 0, 0, 0));
        var settled = _destinations.WhenSettled(1);

        await using var reopened = Open(store);
        reopened.Resume();
        await settled;

        SpinWait.SpinUntil(() => reopened.AsyncSettled == 1, TimeSpan.FromSeconds(10)).ShouldBeTrue();
        store.PendingInvocations().ShouldBeEmpty();
        JsonDocument.Parse(_destinations.Records.ShouldHaveSingleItem().Record).RootElement.GetProperty("requestContext").GetProperty("requestId").GetString().ShouldBe("r-1");
    }

    private sealed class RecordingDestinations : IAsyncDestinations
    {
        private readonly List<(int Count, TaskCompletionSource Done)> _waits = [];
        private int _sent;

        public List<(string Destination, bool Success, byte[] Record)> Records { get; } = [];

        public List<(string Queue, string Body)> DeadLetters { get; } = [];

        public Task WhenSent(int count) => Wait(count);

        public Task WhenSettled(int count) => Wait(count);

        private Task Wait(int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waits)
            {
                _waits.Add((count, done));
            }
            return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        private void Sent()
        {
            lock (_waits)
            {
                _sent++;
                foreach (var (count, done) in _waits.Where(w => w.Count <= _sent))
                {
                    done.TrySetResult();
                }
            }
        }

        public ValueTask SendRecordAsync(RequestScope scope, string destinationArn, string functionArn, bool success, byte[] record)
        {
            lock (_waits)
            {
                Records.Add((destinationArn, success, record));
            }
            Sent();
            return ValueTask.CompletedTask;
        }

        public ValueTask SendToDeadLetterAsync(RequestScope scope, string targetArn, ReadOnlyMemory<byte> payload, string requestId, int errorCode, string errorMessage)
        {
            lock (_waits)
            {
                DeadLetters.Add((targetArn, Encoding.UTF8.GetString(payload.Span)));
            }
            Sent();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoEndpoints : IRuntimeEndpoints
    {
        public IRuntimeLease? Lease(IRuntimeApi environment) => null;
    }

    private sealed class NoLogs : IFunctionLogs
    {
        public void Append(string account, string region, string group, string stream, IReadOnlyList<FunctionLogLine> lines)
        {
        }
    }

    [Theory]
    [InlineData("{\"errorMessage\":\"boom\",\"errorType\":\"E\"}", "boom")]
    [InlineData("{\"errorMessage\":\"\\ud800\"}", "{\"errorMessage\":\"\\ud800\"}")]
    [InlineData("not json", "not json")]
    public void a_dead_letter_takes_the_error_message_or_else_the_payload_as_it_came(string payload, string expected) =>
        // An errorMessage that is not Unicode text (an escaped surrogate with no pair) threw while the invocation settled.
        FunctionsEngine.ErrorMessageOf(Encoding.UTF8.GetBytes(payload)).ShouldBe(expected);
}
