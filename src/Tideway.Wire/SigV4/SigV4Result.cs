namespace Tideway.Wire.SigV4;

/// <summary>The outcome of reading or verifying a SigV4 signature.</summary>
/// <remarks>
/// The code AWS sends for each failure depends on the protocol (see <see cref="SigV4Result.ToAwsError"/>):
/// <list type="table">
/// <listheader><term>Status</term><description>awsQuery (SQS) · awsJson (Logs, EventBridge) · restJson (Lambda)</description></listheader>
/// <item><term><see cref="MissingAuthentication"/></term><description><c>MissingAuthenticationToken</c> 403 "Request is missing Authentication Token" · <c>MissingAuthenticationTokenException</c> 403 "Missing Authentication Token" · same, 403</description></item>
/// <item><term><see cref="IncompleteSignature"/></term><description><c>IncompleteSignature</c> 400 · <c>IncompleteSignatureException</c> 400 · <c>IncompleteSignatureException</c> 403</description></item>
/// <item><term><see cref="InvalidClientTokenId"/></term><description><c>InvalidClientTokenId</c> 403 · <c>UnrecognizedClientException</c> 400 · <c>UnrecognizedClientException</c> 403; message "The security token included in the request is invalid."</description></item>
/// <item><term><see cref="SignatureDoesNotMatch"/></term><description><c>SignatureDoesNotMatch</c> 403 · <c>InvalidSignatureException</c> 400 · <c>InvalidSignatureException</c> 403</description></item>
/// <item><term><see cref="RequestExpired"/></term><description>as <see cref="SignatureDoesNotMatch"/>, message "Signature expired: 20261123T193646Z is now earlier than 20261123T194500Z (20261123T200000Z - 15 min.)"</description></item>
/// </list>
/// </remarks>
public enum SigV4Status
{
    /// <summary>The signature is valid (or, from the readers, the credentials were read).</summary>
    Ok,

    /// <summary>Neither an <c>Authorization</c> header nor <c>X-Amz-*</c> query parameters.</summary>
    MissingAuthentication,

    /// <summary>The credentials are there but malformed (missing parts, bad scope, bad date).</summary>
    IncompleteSignature,

    /// <summary>The access key id is not known to the server.</summary>
    InvalidClientTokenId,

    /// <summary>The signature, the scope date or the payload hash does not match.</summary>
    SignatureDoesNotMatch,

    /// <summary>The signing time is more than the allowed skew from now, or a presigned URL has expired.</summary>
    RequestExpired,
}

/// <summary>A <see cref="SigV4Status"/> plus a message worded as AWS words it.</summary>
public readonly struct SigV4Result : IEquatable<SigV4Result>
{
    private readonly string? _message;

    private SigV4Result(SigV4Status status, string? message)
    {
        Status = status;
        _message = message;
    }

    /// <summary>Success.</summary>
    public static SigV4Result Ok => default;

    /// <summary>What happened.</summary>
    public SigV4Status Status { get; }

    /// <summary>True when <see cref="Status"/> is <see cref="SigV4Status.Ok"/>.</summary>
    public bool IsOk => Status == SigV4Status.Ok;

    /// <summary>The failure message (empty on success).</summary>
    public string Message => _message ?? string.Empty;

    /// <summary>A failure with <paramref name="status"/> and <paramref name="message"/>.</summary>
    public static SigV4Result Fail(SigV4Status status, string message) => new(status, message);

    /// <summary>
    /// The AWS error to send for this failure in <paramref name="protocol"/> (see <see cref="SigV4Status"/>
    /// for the table). For an awsQuery-compatible JSON service (SQS) use <see cref="AwsProtocol.AwsJson"/>
    /// and send <see cref="AwsError.QueryErrorHeaderValue"/> in <c>x-amzn-query-error</c>.
    /// </summary>
    public AwsError ToAwsError(AwsProtocol protocol)
    {
        var restJson = protocol == AwsProtocol.RestJson;
        var query = protocol == AwsProtocol.AwsQuery;
        var error = Status switch
        {
            SigV4Status.MissingAuthentication => query ? CommonErrors.MissingAuthenticationToken : CommonErrors.MissingAuthenticationTokenException,
            SigV4Status.IncompleteSignature => query ? CommonErrors.IncompleteSignature : CommonErrors.IncompleteSignatureException,
            SigV4Status.InvalidClientTokenId => query ? CommonErrors.InvalidClientTokenId : CommonErrors.UnrecognizedClientException,
            SigV4Status.SignatureDoesNotMatch or SigV4Status.RequestExpired => query ? CommonErrors.SignatureDoesNotMatch : CommonErrors.InvalidSignatureException,
            _ => throw new InvalidOperationException("A successful verification has no error."),
        };
        if (restJson)
        {
            error = error with { StatusCode = 403 };
        }

        return Status == SigV4Status.MissingAuthentication || _message is null ? error : error.WithMessage(_message);
    }

    /// <inheritdoc />
    public bool Equals(SigV4Result other) => Status == other.Status && Message == other.Message;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SigV4Result other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Message);

    /// <inheritdoc />
    public override string ToString() => IsOk ? "Ok" : Status + ": " + Message;

    /// <summary>Equality of status and message.</summary>
    public static bool operator ==(SigV4Result left, SigV4Result right) => left.Equals(right);

    /// <summary>Inequality of status or message.</summary>
    public static bool operator !=(SigV4Result left, SigV4Result right) => !left.Equals(right);
}
