// The shapes of Amazon.Lambda.Core this function uses, declared here because that package is not served to this
// build machine. A real function ships Amazon.Lambda.Core.dll in its package; Tideway's .NET runtime client
// matches the interfaces by name either way.
namespace Amazon.Lambda.Core;

/// <summary>The invocation's context.</summary>
public interface ILambdaContext
{
    string AwsRequestId { get; }

    string FunctionName { get; }

    int MemoryLimitInMB { get; }

    TimeSpan RemainingTime { get; }

    ILambdaLogger Logger { get; }
}

/// <summary>The function's logger.</summary>
public interface ILambdaLogger
{
    void LogLine(string message);
}
