namespace Tideway.Wire.SigV4;

/// <summary>
/// The request headers as the verifier reads them. Implement it as a struct over the host's header
/// collection (e.g. ASP.NET's <c>IHeaderDictionary</c>) so that verification does not allocate for it.
/// </summary>
public interface ISigV4Headers
{
    /// <summary>
    /// The value of the header named <paramref name="lowercaseName"/> (matched case-insensitively),
    /// with the values of a repeated header joined by <c>','</c> in the order received, or null when
    /// the request does not have it. Values are as the HTTP parser gives them (outer whitespace
    /// trimmed); the verifier collapses inner whitespace itself.
    /// </summary>
    string? GetHeader(string lowercaseName);
}

/// <summary>An <see cref="ISigV4Headers"/> over a lookup function (tests, adapters).</summary>
/// <param name="lookup">Returns the combined value of a header by lowercase name, or null.</param>
public readonly struct DelegateSigV4Headers(Func<string, string?> lookup) : ISigV4Headers
{
    /// <inheritdoc />
    public string? GetHeader(string lowercaseName) => lookup(lowercaseName);
}
