using System.Buffers;
using System.Text;
using System.Text.Json;
using Shouldly;
using Tideway.Wire.Json;
using Tideway.Wire.Sqs;

namespace Tideway.Wire.Tests;

/// <summary>JSON error bodies as the captured SQS, Logs and Lambda responses have them.</summary>
public sealed class AwsJsonErrorTests
{
    [Fact]
    public void writes_the_sqs_error_with_its_namespace_and_query_error_header()
    {
        var output = new ArrayBufferWriter<byte>();

        AwsJsonError.Write(output, SqsErrors.QueueDoesNotExist, AwsJsonError.SqsTypePrefix);

        Encoding.UTF8.GetString(output.WrittenSpan).ShouldBe("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue does not exist.\"}");
        SqsErrors.QueueDoesNotExist.QueryErrorHeaderValue.ShouldBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
    }

    [Fact]
    public void writes_a_bare_type_for_logs()
    {
        var output = new ArrayBufferWriter<byte>();
        var error = new AwsError("ResourceNotFoundException", "ResourceNotFoundException", 400, AwsFault.Sender, "The specified log group does not exist.");

        AwsJsonError.Write(output, error);

        Encoding.UTF8.GetString(output.WrittenSpan).ShouldBe("{\"__type\":\"ResourceNotFoundException\",\"message\":\"The specified log group does not exist.\"}");
    }

    [Fact]
    public void escapes_the_message_as_json()
    {
        var output = new ArrayBufferWriter<byte>();
        const string Message = "Value \"x\" at 'a<b>&c' failed: é 😀 \n\t\\";

        AwsJsonError.Write(output, CommonErrors.ValidationException.WithMessage(Message));

        using var document = JsonDocument.Parse(output.WrittenMemory);
        document.RootElement.GetProperty("message").GetString().ShouldBe(Message);
        document.RootElement.GetProperty("__type").GetString().ShouldBe("ValidationException");
    }

    [Fact]
    public void writes_a_rest_json_error_as_lambda_does()
    {
        var output = new ArrayBufferWriter<byte>();
        var error = new AwsError("ResourceNotFoundException", "ResourceNotFoundException", 404, AwsFault.Sender, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");

        AwsJsonError.WriteRestJson(output, error);

        Encoding.UTF8.GetString(output.WrittenSpan).ShouldBe("{\"Type\":\"User\",\"message\":\"Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope\"}");
    }
}
