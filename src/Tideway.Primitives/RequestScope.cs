namespace Tideway.Primitives;

/// <summary>The account and region a request acts in (the region comes from the SigV4 scope).</summary>
/// <param name="Account">12-digit account id.</param>
/// <param name="Region">Region name, e.g. <c>us-east-1</c>.</param>
public readonly record struct RequestScope(string Account, string Region)
{
    /// <summary>The account of an unauthenticated local setup.</summary>
    public const string DefaultAccount = "000000000000";

    /// <summary>The region used when a request carries none.</summary>
    public const string DefaultRegion = "us-east-1";
}
