namespace Tideway.Primitives;

/// <summary>
/// An AWS error an engine reports to the caller: the error code of the JSON shape (e.g.
/// <c>QueueDoesNotExist</c>, <c>ResourceNotFoundException</c>) and a message. Protocol adapters map the
/// code to the wire (query error code, HTTP status). Thrown on control-plane paths only.
/// </summary>
public sealed class ServiceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceException(string code, string message, bool senderFault = true) : base(message)
    {
        Code = code;
        SenderFault = senderFault;
    }

    /// <summary>Creates the exception (for serializers; prefer the code and message constructor).</summary>
    public ServiceException() : this("InternalFailure", "An internal error occurred.", false) { }

    /// <summary>Creates the exception (prefer the code and message constructor).</summary>
    public ServiceException(string message) : this("InternalFailure", message, false) { }

    /// <summary>Creates the exception (prefer the code and message constructor).</summary>
    public ServiceException(string message, Exception innerException) : base(message, innerException)
    {
        Code = "InternalFailure";
    }

    /// <summary>The AWS error shape name.</summary>
    public string Code { get; } = "InternalFailure";

    /// <summary>True for client errors (4xx), false for server faults.</summary>
    public bool SenderFault { get; }
}
