using System.Text;
using System.Text.RegularExpressions;
using Tideway.Primitives;

namespace Tideway.Functions;

public sealed partial class FunctionsEngine
{
    [GeneratedRegex(@"^([a-zA-Z0-9-_]+)$")]
    private static partial Regex StatementIdPattern();

    [GeneratedRegex(@"^(lambda:[*]|lambda:[a-zA-Z]+|[*])$")]
    private static partial Regex ActionPattern();

    /// <summary>AddPermission: one statement of the function's resource policy (who may invoke it).</summary>
    public Task<AddPermissionResponse> AddPermissionAsync(RequestScope scope, string? functionName, string? qualifier, AddPermissionRequest request)
    {
        var key = Key(scope, functionName, qualifier);
        if (qualifier == Latest)
        {
            throw InvalidParameter("We currently do not support adding policies for $LATEST.");
        }
        if (string.IsNullOrEmpty(request.StatementId) || request.StatementId.Length > 100 || !StatementIdPattern().IsMatch(request.StatementId))
        {
            throw Validation($"1 validation error detected: Value '{request.StatementId}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        }
        if (string.IsNullOrEmpty(request.Action) || !ActionPattern().IsMatch(request.Action))
        {
            throw Validation($"1 validation error detected: Value '{request.Action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
        }
        if (string.IsNullOrEmpty(request.Principal))
        {
            throw Validation("1 validation error detected: Value null at 'principal' failed to satisfy constraint: Member must not be null");
        }
        if (!IsPrincipal(request.Principal))
        {
            throw InvalidParameter("The provided principal was invalid. Please check the principal and try again.");
        }
        var arn = FunctionArn(key.Region, key.Account, key.Name);
        var statement = StatementJson(request, arn);
        return ChangeAsync(key, d =>
        {
            CheckPolicyRevision(d, request.RevisionId);
            if (d.Policy.Any(s => s.Sid == request.StatementId))
            {
                throw new ServiceException("ResourceConflictException", $"The statement id ({request.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.");
            }
            return (d with { Policy = [.. d.Policy, new PolicyStatement(request.StatementId!, statement)], PolicyRevisionId = NewRevision() }, new AddPermissionResponse(statement));
        });
    }

    // A principal is "*", an account id, an IAM ARN or a service principal (a DNS name of AWS).
    private static bool IsPrincipal(string principal) =>
        principal == "*" || (principal.Length == 12 && principal.All(char.IsAsciiDigit)) || principal.StartsWith("arn:aws", StringComparison.Ordinal)
        || principal.EndsWith(".amazonaws.com", StringComparison.Ordinal) || principal.EndsWith(".amazon.com", StringComparison.Ordinal);

    private static void CheckPolicyRevision(FunctionDocument d, string? revisionId)
    {
        if (revisionId is not null && revisionId != d.PolicyRevisionId)
        {
            throw new ServiceException("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id");
        }
    }

    // The statement as AWS writes it: an account id or an account ARN principal becomes {"AWS": arn}, a service {"Service": name}.
    private static string StatementJson(AddPermissionRequest request, string functionArn)
    {
        var text = new StringBuilder("{\"Sid\":");
        Json.AppendString(text, request.StatementId!);
        text.Append(",\"Effect\":\"Allow\",\"Principal\":");
        var principal = request.Principal!;
        if (principal == "*")
        {
            text.Append("\"*\"");
        }
        else
        {
            var isAccount = principal.Length == 12 && principal.All(char.IsAsciiDigit);
            text.Append(principal.EndsWith(".amazonaws.com", StringComparison.Ordinal) ? "{\"Service\":" : "{\"AWS\":");
            Json.AppendString(text, isAccount ? $"arn:aws:iam::{principal}:root" : principal);
            text.Append('}');
        }
        text.Append(",\"Action\":");
        Json.AppendString(text, request.Action!);
        text.Append(",\"Resource\":");
        Json.AppendString(text, functionArn);
        var conditions = new List<string>();
        if (request.SourceArn is not null)
        {
            var c = new StringBuilder("\"ArnLike\":{\"AWS:SourceArn\":");
            Json.AppendString(c, request.SourceArn);
            conditions.Add(c.Append('}').ToString());
        }
        if (request.SourceAccount is not null || request.PrincipalOrgID is not null || request.FunctionUrlAuthType is not null || request.EventSourceToken is not null)
        {
            var c = new StringBuilder("\"StringEquals\":{");
            var first = true;
            void Add(string name, string? value)
            {
                if (value is null)
                {
                    return;
                }
                if (!first)
                {
                    c.Append(',');
                }
                first = false;
                Json.AppendString(c, name);
                c.Append(':');
                Json.AppendString(c, value);
            }
            Add("AWS:SourceAccount", request.SourceAccount);
            Add("aws:PrincipalOrgID", request.PrincipalOrgID);
            Add("lambda:FunctionUrlAuthType", request.FunctionUrlAuthType);
            Add("lambda:EventSourceToken", request.EventSourceToken);
            conditions.Add(c.Append('}').ToString());
        }
        if (conditions.Count > 0)
        {
            text.Append(",\"Condition\":{").Append(string.Join(',', conditions)).Append('}');
        }
        return text.Append('}').ToString();
    }

    /// <summary>RemovePermission.</summary>
    public Task RemovePermissionAsync(RequestScope scope, string? functionName, string? qualifier, string? statementId, string? revisionId)
    {
        var key = Key(scope, functionName, qualifier);
        lock (_gate)
        {
            if (!_functions.ContainsKey(key))
            {
                throw new ServiceException("ResourceNotFoundException", "No policy found for: " + FunctionArn(key.Region, key.Account, key.Name));
            }
        }
        return ChangeAsync(key, d =>
        {
            CheckPolicyRevision(d, revisionId);
            if (d.Policy.Count == 0)
            {
                throw new ServiceException("ResourceNotFoundException", "No policy is associated with the given resource.");
            }
            if (!d.Policy.Any(s => s.Sid == statementId))
            {
                throw new ServiceException("ResourceNotFoundException", "Statement " + statementId + " is not found in resource policy.");
            }
            return (d with { Policy = [.. d.Policy.Where(s => s.Sid != statementId)], PolicyRevisionId = NewRevision() }, true);
        });
    }

    /// <summary>GetPolicy.</summary>
    public GetPolicyResponse GetPolicy(RequestScope scope, string? functionName, string? qualifier)
    {
        var key = Key(scope, functionName, qualifier);
        lock (_gate)
        {
            var d = Get(key);
            if (d.Policy.Count == 0)
            {
                throw new ServiceException("ResourceNotFoundException", "The resource you requested does not exist.");
            }
            var policy = "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[" + string.Join(',', d.Policy.Select(s => s.Json)) + "]}";
            return new GetPolicyResponse(policy, d.PolicyRevisionId);
        }
    }

    // ------------------------------------------------------------------ event invoke config

    /// <summary>PutFunctionEventInvokeConfig (replace) and UpdateFunctionEventInvokeConfig (merge).</summary>
    public Task<FunctionEventInvokeConfig> PutFunctionEventInvokeConfigAsync(RequestScope scope, string? functionName, string? qualifier, EventInvokeConfigRequest request, bool merge)
    {
        var key = Key(scope, functionName, qualifier);
        if (request.MaximumRetryAttempts is < 0 or > 2)
        {
            throw Validation($"1 validation error detected: Value '{request.MaximumRetryAttempts}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value {(request.MaximumRetryAttempts < 0 ? "greater than or equal to 0" : "less than or equal to 2")}");
        }
        if (request.MaximumEventAgeInSeconds is < 60 or > 21600)
        {
            throw Validation($"1 validation error detected: Value '{request.MaximumEventAgeInSeconds}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value {(request.MaximumEventAgeInSeconds < 60 ? "greater than or equal to 60" : "less than or equal to 21600")}");
        }
        if (request.MaximumRetryAttempts is null && request.MaximumEventAgeInSeconds is null && request.DestinationConfig is null)
        {
            throw InvalidParameter("You must specify at least one of error handling or destination setting.");
        }
        lock (_gate)
        {
            if (!_functions.ContainsKey(key))
            {
                throw new ServiceException("ResourceNotFoundException", "The function doesn't exist.");
            }
        }
        CheckDestination(key, request.DestinationConfig?.OnSuccess?.Destination);
        CheckDestination(key, request.DestinationConfig?.OnFailure?.Destination);
        return ChangeAsync(key, d =>
        {
            var old = d.EventInvokeConfig;
            if (merge && old is null)
            {
                throw new ServiceException("ResourceNotFoundException", $"The function {FunctionArn(key.Region, key.Account, key.Name)}:{Latest} doesn't have an EventInvokeConfig");
            }
            var config = merge
                ? new EventInvokeDocument(request.MaximumRetryAttempts ?? old!.MaximumRetryAttempts, request.MaximumEventAgeInSeconds ?? old!.MaximumEventAgeInSeconds,
                    request.DestinationConfig?.OnSuccess is null ? old!.OnSuccess : NullIfEmpty(request.DestinationConfig.OnSuccess.Destination),
                    request.DestinationConfig?.OnFailure is null ? old!.OnFailure : NullIfEmpty(request.DestinationConfig.OnFailure.Destination), Now)
                : new EventInvokeDocument(request.MaximumRetryAttempts, request.MaximumEventAgeInSeconds,
                    NullIfEmpty(request.DestinationConfig?.OnSuccess?.Destination), NullIfEmpty(request.DestinationConfig?.OnFailure?.Destination), Now);
            return (d with { EventInvokeConfig = config }, EventInvokeConfig(key, config));
        });
    }

    private void CheckDestination((string Account, string Region, string Name) key, string? arn)
    {
        if (string.IsNullOrEmpty(arn))
        {
            return;
        }
        var parts = arn.Split(':');
        var service = parts.Length >= 6 && parts[0] == "arn" ? parts[2] : null;
        if (service is not ("sqs" or "sns" or "lambda" or "events"))
        {
            throw InvalidParameter($"The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination={arn})) is invalid.");
        }
        if (service == "sns")
        {
            throw InvalidParameter(NoSns("destination", arn));
        }
        if (service == "lambda")
        {
            // Another function of this server: it must exist, and may not be the function itself.
            var target = parts.Length >= 7 && parts[5] == "function" ? (parts[4], parts[3], parts[6]) : default;
            if (target == key)
            {
                throw InvalidParameter("You can't specify the function as a destination for itself.");
            }
            lock (_gate)
            {
                if (target.Item3 is null || !_functions.ContainsKey(target))
                {
                    throw InvalidParameter($"The destination ARN {arn} is invalid.");
                }
            }
        }
    }

    private static FunctionEventInvokeConfig EventInvokeConfig((string Account, string Region, string Name) key, EventInvokeDocument c) =>
        new(c.LastModified / 1000.0, FunctionArn(key.Region, key.Account, key.Name) + ":" + Latest, c.MaximumRetryAttempts, c.MaximumEventAgeInSeconds,
            new DestinationConfig(c.OnSuccess is null ? new OnSuccess(null) : new OnSuccess(c.OnSuccess), c.OnFailure is null ? new OnFailure(null) : new OnFailure(c.OnFailure)));

    /// <summary>GetFunctionEventInvokeConfig.</summary>
    public FunctionEventInvokeConfig GetFunctionEventInvokeConfig(RequestScope scope, string? functionName, string? qualifier)
    {
        var key = Key(scope, functionName, qualifier);
        lock (_gate)
        {
            return Get(key).EventInvokeConfig is { } config
                ? EventInvokeConfig(key, config)
                : throw new ServiceException("ResourceNotFoundException", $"The function {FunctionArn(key.Region, key.Account, key.Name)}:{Latest} doesn't have an EventInvokeConfig");
        }
    }

    /// <summary>ListFunctionEventInvokeConfigs (one at most: only $LATEST exists).</summary>
    public ListFunctionEventInvokeConfigsResponse ListFunctionEventInvokeConfigs(RequestScope scope, string? functionName)
    {
        var key = Key(scope, functionName, null);
        lock (_gate)
        {
            if (!_functions.ContainsKey(key))
            {
                throw new ServiceException("ResourceNotFoundException", "The function doesn't exist.");
            }
            return new ListFunctionEventInvokeConfigsResponse(Get(key).EventInvokeConfig is { } config ? [EventInvokeConfig(key, config)] : [], null);
        }
    }

    /// <summary>DeleteFunctionEventInvokeConfig.</summary>
    public Task DeleteFunctionEventInvokeConfigAsync(RequestScope scope, string? functionName, string? qualifier)
    {
        var key = Key(scope, functionName, qualifier);
        return ChangeAsync(key, d => d.EventInvokeConfig is null
            ? throw new ServiceException("ResourceNotFoundException", $"The function {FunctionArn(key.Region, key.Account, key.Name)}:{Latest} doesn't have an EventInvokeConfig")
            : (d with { EventInvokeConfig = null }, true));
    }
}
