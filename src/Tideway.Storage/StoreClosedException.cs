namespace Tideway.Storage;

/// <summary>Thrown by a store's methods once it is disposed or once its writer failed for good.</summary>
public sealed class StoreClosedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreClosedException() : base("The store is closed.") { }

    /// <summary>Creates the exception with a message.</summary>
    public StoreClosedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the failure that closed the store.</summary>
    public StoreClosedException(string message, Exception inner) : base(message, inner) { }
}
