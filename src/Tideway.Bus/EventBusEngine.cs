using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tideway.Primitives;
using Tideway.Storage;

namespace Tideway.Bus;

/// <summary>
/// The EventBridge engine: event buses, rules and targets (the control plane, in this file), PutEvents
/// ingest, routing and delivery (the other parts). State lives in memory and is written through
/// <see cref="IBusStore"/>; control-plane changes are serialized by one lock.
/// </summary>
public sealed partial class EventBusEngine : IAsyncDisposable
{
    /// <summary>The bus every account and region has.</summary>
    public const string DefaultBus = "default";

    /// <summary>Targets per rule.</summary>
    public const int MaxTargetsPerRule = 5;

    /// <summary>Rules per bus.</summary>
    public const int MaxRulesPerBus = 2000;

    /// <summary>Default MaximumRetryAttempts of a target.</summary>
    public const int DefaultMaximumRetryAttempts = 185;

    /// <summary>Default MaximumEventAgeInSeconds of a target.</summary>
    public const int DefaultMaximumEventAgeInSeconds = 86_400;

    private readonly IBusStore _store;
    private readonly ITargetPorts _ports;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly Dictionary<(string Account, string Region, string Name), BusState> _buses = [];

    /// <summary>Creates the engine and loads buses, rules, unrouted events and pending retries from the store.</summary>
    public EventBusEngine(IBusStore store, ITargetPorts ports, TimeProvider time, Random? jitter = null)
    {
        _store = store;
        _ports = ports;
        _time = time;
        _jitter = jitter ?? Random.Shared;
        Load();
        _router = RouteLoopAsync();
        ResumeDeliveries();
    }

    /// <summary>Delivery counters and latency, per bus and rule.</summary>
    public BusMetrics Metrics { get; } = new();

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The ARN of a bus.</summary>
    public static string BusArn(string region, string account, string name) => $"arn:aws:events:{region}:{account}:event-bus/{name}";

    /// <summary>The ARN of a rule (rules of the default bus leave the bus name out).</summary>
    public static string RuleArn(string region, string account, string bus, string name) =>
        bus == DefaultBus ? $"arn:aws:events:{region}:{account}:rule/{name}" : $"arn:aws:events:{region}:{account}:rule/{bus}/{name}";

    // ------------------------------------------------------------------ loading

    private void Load()
    {
        foreach (var record in _store.Buses())
        {
            var document = JsonSerializer.Deserialize(record.Document, BusJsonContext.Default.BusDocument) ?? new BusDocument();
            var bus = new BusState(record.Account, record.Region, record.Name, document) { Stored = true };
            bus.Policy = document.Policy is { } policy && BusPolicy.TryParse(policy, out var parsed, out _) ? parsed : null;
            _buses[(record.Account, record.Region, record.Name)] = bus;
        }
        foreach (var record in _store.Rules())
        {
            var bus = BusOrDefault(record.Account, record.Region, record.Bus);
            if (bus is null)
            {
                continue;
            }
            var document = JsonSerializer.Deserialize(record.Document, BusJsonContext.Default.RuleDocument) ?? new RuleDocument();
            var rule = new RuleState(bus, record.Name, document);
            bus.Rules[rule.Name] = rule;
            rule.Targets = [.. document.Targets.Select(t => Compile(t, out _)).OfType<TargetState>()];
            Publish(rule);
        }
    }

    /// <summary>The bus, creating the default bus's in-memory state on first use.</summary>
    private BusState? BusOrDefault(string account, string region, string name)
    {
        if (_buses.TryGetValue((account, region, name), out var bus))
        {
            return bus;
        }
        if (name != DefaultBus)
        {
            return null;
        }
        bus = new BusState(account, region, name, new BusDocument { CreatedAt = 0, ModifiedAt = 0 });
        _buses[(account, region, name)] = bus;
        return bus;
    }

    /// <summary>Adds an enabled rule with a pattern to its bus's matcher, or takes a disabled one out.</summary>
    private static void Publish(RuleState rule)
    {
        var wanted = rule.Enabled && rule.Document.EventPattern is not null;
        if (rule.InMatcher)
        {
            rule.Bus.Matcher.Remove(rule);
            rule.InMatcher = false;
        }
        if (wanted)
        {
            rule.Bus.Matcher.Add(rule, rule.Document.EventPattern!);
            rule.InMatcher = true;
        }
    }

    // ------------------------------------------------------------------ names

    [GeneratedRegex(@"^[/\.\-_A-Za-z0-9]{1,256}$")]
    private static partial Regex BusNamePattern();

    [GeneratedRegex(@"^[\.\-_A-Za-z0-9]{1,64}$")]
    private static partial Regex RuleNamePattern();

    [GeneratedRegex(@"^[\.\-_A-Za-z0-9]{1,64}$")]
    private static partial Regex TargetIdPattern();

    [GeneratedRegex(@"^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus/([/\.\-_A-Za-z0-9]{1,256})$")]
    private static partial Regex BusArnPattern();

    [GeneratedRegex(@"^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):rule/(?:([/\.\-_A-Za-z0-9]+)/)?([\.\-_A-Za-z0-9]{1,64})$")]
    private static partial Regex RuleArnPattern();

    private static ServiceException Validation(string message) => new("ValidationException", message);

    private static ServiceException NotFound(string message) => new("ResourceNotFoundException", message);

    /// <summary>Resolves an EventBusName member (a name or an ARN; absent means default) to (account, region, name).</summary>
    internal static (string Account, string Region, string Name) BusKey(RequestScope scope, string? nameOrArn)
    {
        if (string.IsNullOrEmpty(nameOrArn))
        {
            return (scope.Account, scope.Region, DefaultBus);
        }
        if (nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            var match = BusArnPattern().Match(nameOrArn);
            if (!match.Success)
            {
                throw Validation($"1 validation error detected: Value '{nameOrArn}' at 'eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]{{2}}-[a-z]+-[\\w-]+:[0-9]{{12}}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+");
            }
            return (match.Groups[2].Value, match.Groups[1].Value, match.Groups[3].Value);
        }
        if (!BusNamePattern().IsMatch(nameOrArn))
        {
            throw Validation($"1 validation error detected: Value '{nameOrArn}' at 'eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]{{2}}-[a-z]+-[\\w-]+:[0-9]{{12}}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+");
        }
        return (scope.Account, scope.Region, nameOrArn);
    }

    /// <summary>The caller's own bus, or ResourceNotFoundException (a bus of another account is not the caller's to manage).</summary>
    private BusState OwnBus(RequestScope scope, string? nameOrArn)
    {
        var key = BusKey(scope, nameOrArn);
        if (key.Account != scope.Account || key.Region != scope.Region)
        {
            throw new ServiceException("AccessDeniedException", $"Account {scope.Account} is not authorized to manage event bus {BusArn(key.Region, key.Account, key.Name)}.");
        }
        return BusOrDefault(key.Account, key.Region, key.Name) ?? throw NotFound($"Event bus {key.Name} does not exist.");
    }

    private static void CheckRuleName(string? name, string member = "name")
    {
        if (string.IsNullOrEmpty(name) || !RuleNamePattern().IsMatch(name))
        {
            throw Validation($"1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64");
        }
    }

    private static void CheckDescription(string? description)
    {
        if (description is { Length: > 512 })
        {
            throw Validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512");
        }
    }

    private static void CheckTags(List<Tag>? tags)
    {
        if (tags is null)
        {
            return;
        }
        if (tags.Count > 50)
        {
            throw Validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
        }
        foreach (var tag in tags)
        {
            if (tag is null || string.IsNullOrEmpty(tag.Key) || tag.Key.Length > 128 || tag.Value is null || tag.Value.Length > 256)
            {
                throw Validation("Tag keys must be 1 to 128 characters and tag values at most 256 characters.");
            }
            if (tag.Key.StartsWith("aws:", StringComparison.Ordinal))
            {
                throw Validation("Tag keys may not start with 'aws:'.");
            }
        }
    }

    private static List<Tag> MergeTags(List<Tag> existing, List<Tag> added)
    {
        var merged = existing.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        foreach (var tag in added)
        {
            merged[tag.Key] = tag.Value;
        }
        return [.. merged.Select(p => new Tag(p.Key, p.Value))];
    }

    // ------------------------------------------------------------------ buses

    /// <summary>CreateEventBus.</summary>
    public async Task<EventBus> CreateEventBusAsync(RequestScope scope, string? name, string? eventSourceName, string? description, string? kmsKeyIdentifier, DeadLetterConfig? deadLetterConfig, List<Tag>? tags)
    {
        if (name is not null && name.Contains('/', StringComparison.Ordinal) && eventSourceName is null)
        {
            throw Validation("Event bus name must not contain '/'.");
        }
        if (string.IsNullOrEmpty(name) || !BusNamePattern().IsMatch(name))
        {
            throw Validation($"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 256");
        }
        if (name == DefaultBus)
        {
            throw Validation("Event bus name 'default' is reserved.");
        }
        if (name.StartsWith("aws.", StringComparison.Ordinal) && eventSourceName is null)
        {
            throw Validation("EventBus name starting with 'aws.' is not valid.");
        }
        CheckDescription(description);
        CheckTags(tags);
        CheckDeadLetterArn(deadLetterConfig?.Arn, "deadLetterConfig.arn");
        EventBusRecord record;
        BusState bus;
        lock (_gate)
        {
            if (_buses.ContainsKey((scope.Account, scope.Region, name)))
            {
                throw new ServiceException("ResourceAlreadyExistsException", $"Event bus {name} already exists.");
            }
            var now = Now;
            bus = new BusState(scope.Account, scope.Region, name, new BusDocument
            {
                Description = description,
                KmsKeyIdentifier = kmsKeyIdentifier,
                DeadLetterConfig = deadLetterConfig,
                Tags = tags ?? [],
                CreatedAt = now,
                ModifiedAt = now,
            })
            { Stored = true };
            _buses[(scope.Account, scope.Region, name)] = bus;
            record = Record(bus);
        }
        await _store.SaveBusAsync(record).ConfigureAwait(false);
        return Describe(bus);
    }

    private static EventBusRecord Record(BusState bus) =>
        new(bus.Account, bus.Region, bus.Name, JsonSerializer.Serialize(bus.Document, BusJsonContext.Default.BusDocument));

    private static EventRuleRecord Record(RuleState rule) =>
        new(rule.Bus.Account, rule.Bus.Region, rule.Bus.Name, rule.Name, JsonSerializer.Serialize(rule.Document, BusJsonContext.Default.RuleDocument));

    private static EventBus Describe(BusState bus) => new()
    {
        Name = bus.Name,
        Arn = bus.Arn,
        Description = bus.Document.Description,
        KmsKeyIdentifier = bus.Document.KmsKeyIdentifier,
        DeadLetterConfig = bus.Document.DeadLetterConfig,
        Policy = bus.Document.Policy,
        CreationTime = bus.Document.CreatedAt > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(bus.Document.CreatedAt) : null,
        LastModifiedTime = bus.Document.ModifiedAt > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(bus.Document.ModifiedAt) : null,
    };

    /// <summary>DescribeEventBus (the default bus when no name is given).</summary>
    public EventBus DescribeEventBus(RequestScope scope, string? name)
    {
        lock (_gate)
        {
            return Describe(OwnBus(scope, name));
        }
    }

    /// <summary>ListEventBuses: the default bus and the custom buses, by name.</summary>
    public (IReadOnlyList<EventBus> Buses, string? NextToken) ListEventBuses(RequestScope scope, string? namePrefix, int? limit, string? nextToken)
    {
        CheckLimit(limit);
        lock (_gate)
        {
            BusOrDefault(scope.Account, scope.Region, DefaultBus);
            var names = _buses.Values.Where(b => b.Account == scope.Account && b.Region == scope.Region && (namePrefix is null || b.Name.StartsWith(namePrefix, StringComparison.Ordinal)))
                .OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
            var (page, next) = Page(names, b => b.Name, limit, nextToken);
            return ([.. page.Select(Describe)], next);
        }
    }

    private static void CheckLimit(int? limit)
    {
        if (limit is < 1 or > 100)
        {
            throw Validation($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
        }
    }

    /// <summary>Pages an ordered list by key: the token is the last key returned.</summary>
    private static (List<T> Page, string? Next) Page<T>(List<T> items, Func<T, string> key, int? limit, string? nextToken)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(nextToken))
        {
            string after;
            try
            {
                after = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(nextToken));
            }
            catch (FormatException)
            {
                throw Validation("The NextToken is not valid.");
            }
            while (start < items.Count && string.CompareOrdinal(key(items[start]), after) <= 0)
            {
                start++;
            }
        }
        var size = limit ?? 100;
        var page = items.Skip(start).Take(size).ToList();
        var next = start + size < items.Count ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key(page[^1]))) : null;
        return (page, next);
    }

    /// <summary>DeleteEventBus: deletes a custom bus and its rules (deleting one that does not exist succeeds).</summary>
    public async Task DeleteEventBusAsync(RequestScope scope, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
        }
        var key = BusKey(scope, name);
        if (key.Name == DefaultBus)
        {
            throw Validation("Cannot delete event bus default.");
        }
        lock (_gate)
        {
            if (!_buses.Remove((key.Account, key.Region, key.Name), out var bus))
            {
                return;
            }
            bus.Matcher.Dispose();
        }
        await _store.DeleteBusAsync(key.Account, key.Region, key.Name).ConfigureAwait(false);
    }

    /// <summary>UpdateEventBus: description, KMS key, dead-letter queue.</summary>
    public async Task<EventBus> UpdateEventBusAsync(RequestScope scope, string? name, string? description, string? kmsKeyIdentifier, DeadLetterConfig? deadLetterConfig)
    {
        CheckDescription(description);
        CheckDeadLetterArn(deadLetterConfig?.Arn, "deadLetterConfig.arn");
        BusState bus;
        EventBusRecord record;
        lock (_gate)
        {
            bus = OwnBus(scope, name);
            bus.Document = bus.Document with
            {
                Description = description ?? bus.Document.Description,
                KmsKeyIdentifier = kmsKeyIdentifier ?? bus.Document.KmsKeyIdentifier,
                DeadLetterConfig = deadLetterConfig ?? bus.Document.DeadLetterConfig,
                CreatedAt = bus.Document.CreatedAt == 0 ? Now : bus.Document.CreatedAt,
                ModifiedAt = Now,
            };
            bus.Stored = true;
            record = Record(bus);
        }
        await _store.SaveBusAsync(record).ConfigureAwait(false);
        return Describe(bus);
    }

    // ------------------------------------------------------------------ permissions

    /// <summary>PutPermission: adds a statement letting an account (or everyone) call an action on the bus, or replaces the whole policy.</summary>
    public async Task PutPermissionAsync(RequestScope scope, string? eventBusName, string? action, string? principal, string? statementId, JsonElement? condition, string? policy)
    {
        BusState bus;
        EventBusRecord record;
        lock (_gate)
        {
            bus = OwnBus(scope, eventBusName);
            string text;
            if (policy is not null)
            {
                if (action is not null || principal is not null || statementId is not null)
                {
                    throw Validation("Give either Policy, or Action, Principal and StatementId, not both.");
                }
                text = policy;
            }
            else
            {
                if (action is null || principal is null || statementId is null)
                {
                    throw Validation("Action, Principal and StatementId are required when Policy is not given.");
                }
                if (action != "events:PutEvents")
                {
                    throw Validation("Provided value in parameter 'action' is not supported.");
                }
                if (principal != "*" && !Regex.IsMatch(principal, "^\\d{12}$"))
                {
                    throw Validation($"1 validation error detected: Value '{principal}' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\d{{12}}|\\*)");
                }
                if (statementId.Length is 0 or > 64 || !Regex.IsMatch(statementId, "^[a-zA-Z0-9-_]+$"))
                {
                    throw Validation($"1 validation error detected: Value '{statementId}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+");
                }
                var root = bus.Document.Policy is { } existing ? JsonNode.Parse(existing)!.AsObject() : new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = new JsonArray() };
                var statements = StatementsOf(root);
                if (statements.Any(s => SidOf(s) == statementId))
                {
                    throw new ServiceException("ResourceAlreadyExistsException", $"Statement with the same statement id {statementId} already exists.");
                }
                var statement = new JsonObject
                {
                    ["Sid"] = statementId,
                    ["Effect"] = "Allow",
                    ["Principal"] = principal == "*" ? JsonValue.Create("*") : new JsonObject { ["AWS"] = $"arn:aws:iam::{principal}:root" },
                    ["Action"] = action,
                    ["Resource"] = bus.Arn,
                };
                if (condition is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } c)
                {
                    if (c.ValueKind != JsonValueKind.Object || Member(c, "Type") != "StringEquals" || Member(c, "Key") != "aws:PrincipalOrgID" || Member(c, "Value") is not { Length: > 0 } organization)
                    {
                        throw Validation("Condition must have Type StringEquals, Key aws:PrincipalOrgID and a Value.");
                    }
                    statement["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["aws:PrincipalOrgID"] = organization } };
                }
                statements.Add(statement);
                text = root.ToJsonString();
            }
            if (text.Length > 10_240)
            {
                throw new ServiceException("PolicyLengthExceededException", "The event bus policy is too long.");
            }
            if (!BusPolicy.TryParse(text, out var parsed, out var error))
            {
                throw Validation(error!);
            }
            bus.Policy = parsed;
            bus.Document = bus.Document with { Policy = text, CreatedAt = bus.Document.CreatedAt == 0 ? Now : bus.Document.CreatedAt, ModifiedAt = Now };
            bus.Stored = true;
            record = Record(bus);
        }
        await _store.SaveBusAsync(record).ConfigureAwait(false);
    }

    /// <summary>
    /// The statements of a stored policy as a list in the policy (a policy set whole may give one statement as an object,
    /// which becomes a list of one).
    /// </summary>
    private static JsonArray StatementsOf(JsonObject root)
    {
        var statements = root["Statement"] switch
        {
            JsonArray list => list,
            JsonObject single => [single.DeepClone()],
            _ => [],
        };
        root["Statement"] = statements;
        return statements;
    }

    /// <summary>A stored statement's Sid, or null (none, or not a string: a policy set whole may hold anything there).</summary>
    private static string? SidOf(JsonNode? statement) =>
        statement is JsonObject o && o["Sid"] is JsonValue sid && sid.TryGetValue<string>(out var text) ? text : null;

    private static string? Member(JsonElement element, string name)
    {
        try
        {
            return element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            // A member name or value that is not Unicode text (an escaped surrogate with no pair): not the member sought.
            return null;
        }
    }

    /// <summary>RemovePermission: removes one statement, or the whole policy.</summary>
    public async Task RemovePermissionAsync(RequestScope scope, string? eventBusName, string? statementId, bool removeAll)
    {
        EventBusRecord record;
        lock (_gate)
        {
            var bus = OwnBus(scope, eventBusName);
            if (removeAll)
            {
                bus.Document = bus.Document with { Policy = null, ModifiedAt = Now };
                bus.Policy = null;
            }
            else
            {
                if (string.IsNullOrEmpty(statementId))
                {
                    throw Validation("StatementId is required unless RemoveAllPermissions is true.");
                }
                if (bus.Document.Policy is null)
                {
                    throw NotFound("Statement with the provided id does not exist.");
                }
                var root = JsonNode.Parse(bus.Document.Policy)!.AsObject();
                var statements = StatementsOf(root);
                var found = statements.FirstOrDefault(s => SidOf(s) == statementId)
                    ?? throw NotFound("Statement with the provided id does not exist.");
                statements.Remove(found);
                var text = statements.Count == 0 ? null : root.ToJsonString();
                bus.Policy = text is not null && BusPolicy.TryParse(text, out var parsed, out _) ? parsed : null;
                bus.Document = bus.Document with { Policy = text, ModifiedAt = Now };
            }
            bus.Stored = true;
            record = Record(bus);
        }
        await _store.SaveBusAsync(record).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="account"/> may put events on <paramref name="bus"/> (its own bus, or by the bus's policy).</summary>
    private static bool MayPutEvents(BusState bus, string account) =>
        bus.Account == account || (bus.Policy?.Allows(account, "events:PutEvents", bus.Arn) ?? false);
}
