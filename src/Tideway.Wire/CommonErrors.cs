namespace Tideway.Wire;

/// <summary>
/// The errors common to all AWS services ("Common Errors" in each API reference), plus the JSON
/// protocol's framework errors. <see cref="AwsError.Code"/> is what a JSON service sends as
/// <c>__type</c>; <see cref="AwsError.QueryCode"/> is what a query service sends as <c>Code</c>.
/// </summary>
/// <remarks>
/// Statuses follow the Common Errors pages (e.g. EMR, RDS, CloudSearch API references):
/// MalformedQueryString really is documented as 404, ThrottlingException as 400. Where a
/// failure has a different name in JSON services (UnrecognizedClientException for
/// InvalidClientTokenId, InvalidSignatureException for SignatureDoesNotMatch), there are two
/// entries; <c>SigV4Result.ToAwsError</c> picks the one for the protocol.
/// </remarks>
public static class CommonErrors
{
    private const AwsFault S = AwsFault.Sender;

    /// <summary>Query: the caller may not perform the action (403).</summary>
    public static readonly AwsError AccessDenied = new("AccessDenied", "AccessDenied", 403, S, "Access to the resource is denied.");

    /// <summary>JSON: the caller may not perform the action (the Common Errors pages say 400 or 403 by service; 403 here).</summary>
    public static readonly AwsError AccessDeniedException = new("AccessDeniedException", "AccessDenied", 403, S, "You do not have sufficient access to perform this action.");

    /// <summary>Query: the request signature does not conform to AWS standards (400).</summary>
    public static readonly AwsError IncompleteSignature = new("IncompleteSignature", "IncompleteSignature", 400, S, "The request signature does not conform to AWS standards.");

    /// <summary>JSON: the request signature does not conform to AWS standards (400; 403 for restJson services).</summary>
    public static readonly AwsError IncompleteSignatureException = new("IncompleteSignatureException", "IncompleteSignature", 400, S, "The request signature does not conform to AWS standards.");

    /// <summary>An unknown error, exception or failure (500, Receiver).</summary>
    public static readonly AwsError InternalFailure = new("InternalFailure", "InternalFailure", 500, AwsFault.Receiver, "The request processing has failed because of an unknown error, exception or failure.");

    /// <summary>Query: the <c>Action</c> is not an operation of this service (400).</summary>
    public static readonly AwsError InvalidAction = new("InvalidAction", "InvalidAction", 400, S, "The action or operation requested is invalid. Verify that the action is typed correctly.");

    /// <summary>Query: the access key id is unknown (403).</summary>
    public static readonly AwsError InvalidClientTokenId = new("InvalidClientTokenId", "InvalidClientTokenId", 403, S, "The security token included in the request is invalid.");

    /// <summary>JSON: the access key id is unknown (400 for awsJson services such as Logs; 403 for restJson such as Lambda).</summary>
    public static readonly AwsError UnrecognizedClientException = new("UnrecognizedClientException", "InvalidClientTokenId", 400, S, "The security token included in the request is invalid.");

    /// <summary>Parameters that must not be used together were used together (400).</summary>
    public static readonly AwsError InvalidParameterCombination = new("InvalidParameterCombination", "InvalidParameterCombination", 400, S, "Parameters that must not be used together were used together.");

    /// <summary>An invalid or out-of-range value was supplied for a parameter (400).</summary>
    public static readonly AwsError InvalidParameterValue = new("InvalidParameterValue", "InvalidParameterValue", 400, S, "An invalid or out-of-range value was supplied for the input parameter.");

    /// <summary>The query string is malformed or does not adhere to AWS standards (400).</summary>
    public static readonly AwsError InvalidQueryParameter = new("InvalidQueryParameter", "InvalidQueryParameter", 400, S, "The AWS query string is malformed or does not adhere to AWS standards.");

    /// <summary>The query string (or form body) has a syntax error (documented as 404).</summary>
    public static readonly AwsError MalformedQueryString = new("MalformedQueryString", "MalformedQueryString", 404, S, "The query string contains a syntax error.");

    /// <summary>The request has no <c>Action</c> (400).</summary>
    public static readonly AwsError MissingAction = new("MissingAction", "MissingAction", 400, S, "The request is missing an action or a required parameter.");

    /// <summary>Query: no credentials in the request (403). STS and SQS word it "Request is missing Authentication Token".</summary>
    public static readonly AwsError MissingAuthenticationToken = new("MissingAuthenticationToken", "MissingAuthenticationToken", 403, S, "Request is missing Authentication Token");

    /// <summary>JSON: no credentials in the request (403).</summary>
    public static readonly AwsError MissingAuthenticationTokenException = new("MissingAuthenticationTokenException", "MissingAuthenticationToken", 403, S, "Missing Authentication Token");

    /// <summary>A required parameter is not supplied (400).</summary>
    public static readonly AwsError MissingParameter = new("MissingParameter", "MissingParameter", 400, S, "A required parameter for the specified action is not supplied.");

    /// <summary>The caller does not have permission (400).</summary>
    public static readonly AwsError NotAuthorized = new("NotAuthorized", "NotAuthorized", 400, S, "You do not have permission to perform this action.");

    /// <summary>The access key needs a subscription for the service (403).</summary>
    public static readonly AwsError OptInRequired = new("OptInRequired", "OptInRequired", 403, S, "The AWS access key ID needs a subscription for the service.");

    /// <summary>
    /// The request is more than 15 minutes old or in the future (documented as 400). SQS and the other
    /// query services actually answer a skewed signature with <see cref="SignatureDoesNotMatch"/>
    /// "Signature expired: …" (403); <c>SigV4Result</c> does that.
    /// </summary>
    public static readonly AwsError RequestExpired = new("RequestExpired", "RequestExpired", 400, S, "The request reached the service more than 15 minutes after the date stamp on the request or more than 15 minutes after the request expiration date (such as for pre-signed URLs), or the date stamp on the request is more than 15 minutes in the future.");

    /// <summary>A temporary failure of the server (503, Receiver).</summary>
    public static readonly AwsError ServiceUnavailable = new("ServiceUnavailable", "ServiceUnavailable", 503, AwsFault.Receiver, "The request has failed due to a temporary failure of the server.");

    /// <summary>Query: the signature does not match (403).</summary>
    public static readonly AwsError SignatureDoesNotMatch = new("SignatureDoesNotMatch", "SignatureDoesNotMatch", 403, S, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");

    /// <summary>JSON: the signature does not match or has expired (400 for awsJson services; 403 for restJson).</summary>
    public static readonly AwsError InvalidSignatureException = new("InvalidSignatureException", "SignatureDoesNotMatch", 400, S, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");

    /// <summary>The request was denied due to throttling (400).</summary>
    public static readonly AwsError ThrottlingException = new("ThrottlingException", "Throttling", 400, S, "Rate exceeded");

    /// <summary>Query: the input fails to satisfy the constraints of the service (400).</summary>
    public static readonly AwsError ValidationError = new("ValidationError", "ValidationError", 400, S, "The input fails to satisfy the constraints specified by an AWS service.");

    /// <summary>JSON: the input fails to satisfy the constraints of the service (400).</summary>
    public static readonly AwsError ValidationException = new("ValidationException", "ValidationError", 400, S, "The input fails to satisfy the constraints specified by an AWS service.");

    /// <summary>JSON: the <c>X-Amz-Target</c> names no operation of this service (400).</summary>
    public static readonly AwsError UnknownOperationException = new("UnknownOperationException", "InvalidAction", 400, S, "The operation requested is not known to this service.");

    /// <summary>JSON: the body is not JSON, or a member has the wrong type (400).</summary>
    public static readonly AwsError SerializationException = new("SerializationException", "SerializationException", 400, S, "The request body could not be deserialized.");
}
