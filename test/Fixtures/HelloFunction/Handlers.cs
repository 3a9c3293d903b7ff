using Amazon.Lambda.Core;

namespace HelloFunction;

/// <summary>An order as the tests send it.</summary>
public sealed record Order(string Name, int Quantity);

/// <summary>What <see cref="Handlers.Greet"/> answers.</summary>
public sealed record Greeting(string Message, string RequestId, string Function, int Memory, bool HasTimeLeft, int Calls);

/// <summary>The handlers the tests name as <c>HelloFunction::HelloFunction.Handlers::Method</c>.</summary>
public sealed class Handlers
{
    // One instance per execution environment: a warm environment keeps counting.
    private int _calls;

    /// <summary>Input and context in, a record out; logs one line.</summary>
    public Greeting Greet(Order order, ILambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(context);
        context.Logger.LogLine($"greeting {order.Name}");
        return new Greeting($"hello {order.Name} x{order.Quantity}", context.AwsRequestId, context.FunctionName, context.MemoryLimitInMB, context.RemainingTime > TimeSpan.Zero, ++_calls);
    }

    /// <summary>An asynchronous handler returning a number.</summary>
    public static async Task<int> CountAsync(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        await Task.Yield();
        return order.Quantity * 2;
    }

    /// <summary>Always fails.</summary>
    public static void Fail(Order order) => throw new InvalidOperationException($"cannot handle {order?.Name}");
}
