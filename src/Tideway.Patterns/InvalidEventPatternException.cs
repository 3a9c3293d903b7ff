namespace Tideway.Patterns;

/// <summary>
/// Thrown when an event pattern is not valid. <see cref="Exception.Message"/> is the text Amazon
/// EventBridge returns with <c>InvalidEventPatternException</c>:
/// <c>Event pattern is not valid. Reason: ...</c>.
/// </summary>
public sealed class InvalidEventPatternException : Exception
{
    /// <summary>The prefix that every message of this exception starts with.</summary>
    public const string MessagePrefix = "Event pattern is not valid. Reason: ";

    /// <summary>Creates the exception for a reason (the part of the message after the prefix).</summary>
    /// <param name="reason">Why the pattern is not valid.</param>
    public InvalidEventPatternException(string reason)
        : base(MessagePrefix + reason)
    {
        Reason = reason;
    }

    /// <summary>Creates the exception with the default reason.</summary>
    public InvalidEventPatternException()
        : this("Filter is not an object")
    {
    }

    /// <summary>Creates the exception for a reason and an inner exception.</summary>
    /// <param name="reason">Why the pattern is not valid.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidEventPatternException(string reason, Exception innerException)
        : base(MessagePrefix + reason, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the pattern is not valid, without the <see cref="MessagePrefix"/>.</summary>
    public string Reason { get; }
}

/// <summary>Thrown when the bytes given as an event are not a JSON object.</summary>
public sealed class InvalidEventException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the event.</param>
    public InvalidEventException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public InvalidEventException()
        : base("Event is not a JSON object.")
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    /// <param name="message">What is wrong with the event.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidEventException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
