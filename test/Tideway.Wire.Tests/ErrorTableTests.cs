using System.Text.Json;
using Shouldly;
using Tideway.Wire.Sqs;

namespace Tideway.Wire.Tests;

/// <summary>The error tables agree with the SQS model (/work/shared/wire/error-shapes.json) and AWS's common errors.</summary>
public sealed class ErrorTableTests
{
    [Fact]
    public void has_every_sqs_error_shape_with_its_query_code_and_status()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("wire", "error-shapes.json")));
        var shapes = document.RootElement.GetProperty("sqs").EnumerateObject().ToList();

        SqsErrors.All.Select(e => e.Code).ShouldBe(shapes.Select(s => s.Name), ignoreOrder: true);
        foreach (var shape in shapes)
        {
            var error = SqsErrors.All.Single(e => e.Code == shape.Name);
            error.QueryCode.ShouldBe(shape.Value.GetProperty("queryErrorCode").GetString(), shape.Name);
            error.StatusCode.ShouldBe(shape.Value.GetProperty("httpStatusCode").GetInt32(), shape.Name);
            error.Fault.ShouldBe(AwsFault.Sender, shape.Name);
            error.Message.ShouldNotBeNullOrWhiteSpace();
        }
    }

    [Fact]
    public void exposes_each_sqs_error_as_a_field_of_its_shape_name()
    {
        var fields = typeof(SqsErrors).GetFields().Select(f => (f.Name, Error: (AwsError)f.GetValue(null)!)).ToList();

        fields.Count.ShouldBe(SqsErrors.All.Count);
        fields.ShouldAllBe(f => f.Name == f.Error.Code);
    }

    [Theory]
    [InlineData("MissingParameter", 400)]
    [InlineData("InvalidParameterValue", 400)]
    [InlineData("InvalidAction", 400)]
    [InlineData("MalformedQueryString", 404)]
    [InlineData("InvalidClientTokenId", 403)]
    [InlineData("SignatureDoesNotMatch", 403)]
    [InlineData("IncompleteSignature", 400)]
    [InlineData("RequestExpired", 400)]
    [InlineData("InternalFailure", 500)]
    [InlineData("ServiceUnavailable", 503)]
    [InlineData("MissingAuthenticationToken", 403)]
    [InlineData("UnknownOperationException", 400)]
    [InlineData("SerializationException", 400)]
    public void has_the_common_errors_with_their_documented_status(string code, int status)
    {
        var error = typeof(CommonErrors).GetFields().Select(f => (AwsError)f.GetValue(null)!).Single(e => e.Code == code);

        error.StatusCode.ShouldBe(status);
        error.Fault.ShouldBe(status >= 500 ? AwsFault.Receiver : AwsFault.Sender);
    }

    [Fact]
    public void changes_only_the_message_with_with_message()
    {
        var error = SqsErrors.QueueDoesNotExist.WithMessage("other");

        error.ShouldBe(SqsErrors.QueueDoesNotExist with { Message = "other" });
        error.FaultName.ShouldBe("Sender");
        CommonErrors.InternalFailure.FaultName.ShouldBe("Receiver");
    }
}
