using System.Text.RegularExpressions;
using Tideway.Patterns;
using Tideway.Primitives;
using Tideway.Storage;
using Tideway.Transform;

namespace Tideway.Bus;

public sealed partial class EventBusEngine
{
    [GeneratedRegex(@"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")]
    private static partial Regex RatePattern();

    [GeneratedRegex(@"^cron\(([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+)\)$")]
    private static partial Regex CronPattern();

    [GeneratedRegex(@"^arn:aws[\w-]*:iam::\d{12}:role/.+$")]
    private static partial Regex RoleArnPattern();

    private static readonly string[] States = ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"];

    /// <summary>Checks a schedule expression: <c>rate(N unit)</c> with the singular unit for 1, or a six-field <c>cron(...)</c>.</summary>
    internal static bool IsValidSchedule(string expression)
    {
        var rate = RatePattern().Match(expression);
        if (rate.Success)
        {
            if (!long.TryParse(rate.Groups[1].Value, out var value) || value < 1)
            {
                return false;
            }
            var singular = !rate.Groups[2].Value.EndsWith('s');
            return value == 1 ? singular : !singular;
        }
        var cron = CronPattern().Match(expression);
        if (!cron.Success)
        {
            return false;
        }
        // Day-of-month and day-of-week: one of them must be '?'.
        return (cron.Groups[3].Value == "?") != (cron.Groups[5].Value == "?");
    }

    /// <summary>PutRule: creates or updates a rule; returns its ARN.</summary>
    public async Task<string> PutRuleAsync(RequestScope scope, string? name, string? eventPattern, string? scheduleExpression, string? state, string? description, string? roleArn, List<Tag>? tags, string? eventBusName)
    {
        CheckRuleName(name);
        if (eventPattern is null && scheduleExpression is null)
        {
            throw Validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
        }
        if (eventPattern is not null)
        {
            if (eventPattern.Length > 4096)
            {
                throw Validation("1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096");
            }
            if (!EventPattern.TryParse(eventPattern, out _, out var error))
            {
                throw new ServiceException("InvalidEventPatternException", error!);
            }
        }
        if (scheduleExpression is not null)
        {
            if (scheduleExpression.Length > 256 || !IsValidSchedule(scheduleExpression))
            {
                throw Validation("Parameter ScheduleExpression is not valid.");
            }
        }
        if (state is not null && !States.Contains(state))
        {
            throw Validation($"1 validation error detected: Value '{state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
        }
        CheckDescription(description);
        if (roleArn is not null && (roleArn.Length > 1600 || !RoleArnPattern().IsMatch(roleArn)))
        {
            throw Validation("Provided RoleArn is not a valid IAM role ARN.");
        }
        CheckTags(tags);
        RuleState rule;
        EventRuleRecord record;
        lock (_gate)
        {
            var bus = OwnBus(scope, eventBusName);
            if (scheduleExpression is not null && bus.Name != DefaultBus)
            {
                throw Validation("ScheduleExpression is supported only on the default event bus.");
            }
            if (bus.Rules.TryGetValue(name!, out var existing))
            {
                if (existing.Document.ManagedBy is not null)
                {
                    throw new ServiceException("ManagedRuleException", $"Rule {name} is managed by {existing.Document.ManagedBy} and cannot be changed.");
                }
                rule = existing;
                rule.Document = rule.Document with
                {
                    EventPattern = eventPattern,
                    ScheduleExpression = scheduleExpression,
                    State = state ?? "ENABLED",
                    Description = description,
                    RoleArn = roleArn,
                };
            }
            else
            {
                if (bus.Rules.Count >= MaxRulesPerBus)
                {
                    throw new ServiceException("LimitExceededException", $"The requested resource exceeds the maximum number allowed ({MaxRulesPerBus} rules per event bus).");
                }
                rule = new RuleState(bus, name!, new RuleDocument
                {
                    EventPattern = eventPattern,
                    ScheduleExpression = scheduleExpression,
                    State = state ?? "ENABLED",
                    Description = description,
                    RoleArn = roleArn,
                    CreatedBy = scope.Account,
                    Tags = tags ?? [],
                });
                bus.Rules[rule.Name] = rule;
            }
            Publish(rule);
            record = Record(rule);
        }
        await _store.SaveRuleAsync(record).ConfigureAwait(false);
        return rule.Arn;
    }

    private RuleState OwnRule(RequestScope scope, string? name, string? eventBusName, string member = "name")
    {
        CheckRuleName(name, member);
        var bus = OwnBus(scope, eventBusName);
        return bus.Rules.TryGetValue(name!, out var rule) ? rule : throw NotFound($"Rule {name} does not exist on EventBus {bus.Name}.");
    }

    private static Rule Describe(RuleState rule) => new()
    {
        Name = rule.Name,
        Arn = rule.Arn,
        EventPattern = rule.Document.EventPattern,
        ScheduleExpression = rule.Document.ScheduleExpression,
        State = rule.Document.State,
        Description = rule.Document.Description,
        RoleArn = rule.Document.RoleArn,
        ManagedBy = rule.Document.ManagedBy,
        EventBusName = rule.Bus.Name,
        CreatedBy = rule.Document.CreatedBy,
    };

    /// <summary>DescribeRule.</summary>
    public Rule DescribeRule(RequestScope scope, string? name, string? eventBusName)
    {
        lock (_gate)
        {
            return Describe(OwnRule(scope, name, eventBusName));
        }
    }

    /// <summary>ListRules: the rules of a bus by name, with an optional prefix.</summary>
    public (IReadOnlyList<Rule> Rules, string? NextToken) ListRules(RequestScope scope, string? namePrefix, string? eventBusName, int? limit, string? nextToken)
    {
        CheckLimit(limit);
        lock (_gate)
        {
            var bus = OwnBus(scope, eventBusName);
            var rules = bus.Rules.Values.Where(r => namePrefix is null || r.Name.StartsWith(namePrefix, StringComparison.Ordinal)).ToList();
            var (page, next) = Page(rules, r => r.Name, limit, nextToken);
            return ([.. page.Select(Describe)], next);
        }
    }

    /// <summary>DeleteRule: refused while the rule has targets; a managed rule needs Force. Deleting a rule that does not exist succeeds.</summary>
    public async Task DeleteRuleAsync(RequestScope scope, string? name, string? eventBusName, bool force)
    {
        CheckRuleName(name);
        BusState bus;
        lock (_gate)
        {
            bus = OwnBus(scope, eventBusName);
            if (!bus.Rules.TryGetValue(name!, out var rule))
            {
                return;
            }
            if (rule.Document.ManagedBy is not null && !force)
            {
                throw new ServiceException("ManagedRuleException", $"Rule {name} is managed by {rule.Document.ManagedBy}: delete it with Force.");
            }
            if (rule.Document.Targets.Count > 0)
            {
                throw Validation("Rule can't be deleted since it has targets.");
            }
            if (rule.InMatcher)
            {
                bus.Matcher.Remove(rule);
                rule.InMatcher = false;
            }
            bus.Rules.Remove(rule.Name);
        }
        await _store.DeleteRuleAsync(bus.Account, bus.Region, bus.Name, name!).ConfigureAwait(false);
    }

    /// <summary>EnableRule or DisableRule.</summary>
    public async Task SetRuleStateAsync(RequestScope scope, string? name, string? eventBusName, bool enabled)
    {
        EventRuleRecord record;
        lock (_gate)
        {
            var rule = OwnRule(scope, name, eventBusName);
            if (rule.Document.ManagedBy is not null)
            {
                throw new ServiceException("ManagedRuleException", $"Rule {name} is managed by {rule.Document.ManagedBy} and cannot be changed.");
            }
            rule.Document = rule.Document with { State = enabled ? (rule.Document.State == "DISABLED" ? "ENABLED" : rule.Document.State) : "DISABLED" };
            Publish(rule);
            record = Record(rule);
        }
        await _store.SaveRuleAsync(record).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ targets

    /// <summary>Classifies a target ARN; null with a message when this build cannot deliver to it.</summary>
    internal static TargetKind? Classify(string arn, out string? error)
    {
        error = null;
        var parts = arn.Split(':', 6);
        if (parts.Length < 6 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal))
        {
            error = $"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.";
            return null;
        }
        switch (parts[2])
        {
            case "sqs":
                return TargetKind.Queue;
            case "logs" when parts[5].StartsWith("log-group:", StringComparison.Ordinal):
                return TargetKind.LogGroup;
            case "events" when parts[5].StartsWith("event-bus/", StringComparison.Ordinal):
                return TargetKind.EventBus;
            case "lambda" when parts[5].StartsWith("function:", StringComparison.Ordinal):
                return TargetKind.Function;
            case "events" when parts[5].StartsWith("api-destination/", StringComparison.Ordinal):
                error = $"API destinations are not a supported target yet: Tideway delivers to SQS queues, CloudWatch Logs log groups, Lambda functions and event buses ({arn}).";
                return null;
            default:
                error = $"{parts[2]} is not a supported service for a target. Tideway delivers to SQS queues, CloudWatch Logs log groups, Lambda functions and event buses.";
                return null;
        }
    }

    private static void CheckDeadLetterArn(string? arn, string member)
    {
        if (arn is null)
        {
            return;
        }
        var parts = arn.Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "sqs")
        {
            throw Validation($"Parameter {member} is not valid. Reason: the dead-letter queue must be an SQS queue ARN.");
        }
        if (parts[5].EndsWith(".fifo", StringComparison.Ordinal))
        {
            throw Validation($"Parameter {member} is not valid. Reason: FIFO queues are not supported as dead-letter queues.");
        }
    }

    /// <summary>Validates and compiles one target; null with the entry's error message when it is not acceptable.</summary>
    private TargetState? Compile(Target target, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(target.Arn))
        {
            error = "Parameter Arn must be specified.";
            return null;
        }
        var kind = Classify(target.Arn, out error);
        if (kind is null)
        {
            return null;
        }
        if (!TargetInput.TryCreate(target.Id, target.Input, target.InputPath, target.InputTransformer?.InputPathsMap, target.InputTransformer?.InputTemplate, target.InputTransformer is not null, out var input, out error))
        {
            return null;
        }
        if (target.RetryPolicy is { } retry)
        {
            if (retry.MaximumRetryAttempts is < 0 or > 185)
            {
                error = "RetryPolicy.MaximumRetryAttempts must be between 0 and 185.";
                return null;
            }
            if (retry.MaximumEventAgeInSeconds is < 60 or > 86_400)
            {
                error = "RetryPolicy.MaximumEventAgeInSeconds must be between 60 and 86400.";
                return null;
            }
        }
        if (target.DeadLetterConfig?.Arn is { } dlq)
        {
            try
            {
                CheckDeadLetterArn(dlq, "DeadLetterConfig.Arn");
            }
            catch (ServiceException e)
            {
                error = e.Message;
                return null;
            }
        }
        if (kind is TargetKind.Queue or TargetKind.LogGroup or TargetKind.Function)
        {
            error = _ports.Validate(kind.Value, target.Arn, target);
            if (error is not null)
            {
                return null;
            }
        }
        return new TargetState(target, kind.Value, input!);
    }

    /// <summary>PutTargets: adds or replaces targets of a rule; entries that are not acceptable fail alone.</summary>
    public async Task<IReadOnlyList<TargetFailure>> PutTargetsAsync(RequestScope scope, string? ruleName, string? eventBusName, List<Target>? targets)
    {
        if (targets is null || targets.Count is 0 or > 100)
        {
            throw Validation("1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 100");
        }
        if (targets.Contains(null!))
        {
            throw Validation("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null");
        }
        foreach (var target in targets)
        {
            var position = targets.IndexOf(target) + 1;
            if (target.Id is { Length: > 64 })
            {
                throw Validation($"1 validation error detected: Value '{target.Id}' at 'targets.{position}.member.id' failed to satisfy constraint: Member must have length less than or equal to 64");
            }
            if (string.IsNullOrEmpty(target.Id) || !TargetIdPattern().IsMatch(target.Id))
            {
                throw Validation($"1 validation error detected: Value '{target.Id}' at 'targets.{position}.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
            }
        }
        var failures = new List<TargetFailure>();
        EventRuleRecord record;
        lock (_gate)
        {
            var rule = OwnRule(scope, ruleName, eventBusName, "rule");
            if (rule.Document.ManagedBy is not null)
            {
                throw new ServiceException("ManagedRuleException", $"Rule {ruleName} is managed by {rule.Document.ManagedBy} and cannot be changed.");
            }
            var current = rule.Document.Targets.ToDictionary(t => t.Id!, StringComparer.Ordinal);
            var compiled = rule.Targets.ToDictionary(t => t.Id, StringComparer.Ordinal);
            var added = targets.Select(t => t.Id!).Distinct().Count(id => !current.ContainsKey(id));
            if (current.Count + added > MaxTargetsPerRule)
            {
                throw new ServiceException("LimitExceededException", "The requested resource exceeds the maximum number allowed.");
            }
            var accepted = new List<TargetState>(targets.Count);
            foreach (var target in targets)
            {
                // As AWS: a target that is not acceptable fails the whole call, and nothing is changed.
                accepted.Add(Compile(target, out var error) ?? throw Validation(error!));
            }
            foreach (var state in accepted)
            {
                current[state.Id] = state.Definition;
                compiled[state.Id] = state;
            }
            rule.Document = rule.Document with { Targets = [.. current.Values.OrderBy(t => t.Id, StringComparer.Ordinal)] };
            rule.Targets = [.. compiled.Values.OrderBy(t => t.Id, StringComparer.Ordinal)];
            record = Record(rule);
        }
        await _store.SaveRuleAsync(record).ConfigureAwait(false);
        return failures;
    }

    /// <summary>RemoveTargets: ids that the rule does not have are reported as failed entries.</summary>
    public async Task<IReadOnlyList<TargetFailure>> RemoveTargetsAsync(RequestScope scope, string? ruleName, string? eventBusName, List<string>? ids, bool force)
    {
        if (ids is null || ids.Count is 0 or > 100 || ids.Contains(null!))
        {
            throw Validation("1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100");
        }
        var failures = new List<TargetFailure>();
        EventRuleRecord record;
        lock (_gate)
        {
            var rule = OwnRule(scope, ruleName, eventBusName, "rule");
            if (rule.Document.ManagedBy is not null && !force)
            {
                throw new ServiceException("ManagedRuleException", $"Rule {ruleName} is managed by {rule.Document.ManagedBy}: remove its targets with Force.");
            }
            var remaining = rule.Document.Targets.ToList();
            foreach (var id in ids)
            {
                if (remaining.RemoveAll(t => t.Id == id) == 0)
                {
                    failures.Add(new TargetFailure(id, "ResourceNotFoundException", $"Rule '{ruleName}' does not have a target with the Id '{id}'."));
                }
            }
            rule.Document = rule.Document with { Targets = remaining };
            rule.Targets = [.. rule.Targets.Where(t => remaining.Any(r => r.Id == t.Id))];
            record = Record(rule);
        }
        await _store.SaveRuleAsync(record).ConfigureAwait(false);
        return failures;
    }

    /// <summary>ListTargetsByRule.</summary>
    public (IReadOnlyList<Target> Targets, string? NextToken) ListTargetsByRule(RequestScope scope, string? ruleName, string? eventBusName, int? limit, string? nextToken)
    {
        CheckLimit(limit);
        lock (_gate)
        {
            var rule = OwnRule(scope, ruleName, eventBusName, "rule");
            var (page, next) = Page(rule.Document.Targets, t => t.Id!, limit, nextToken);
            return (page, next);
        }
    }

    /// <summary>ListRuleNamesByTarget: the rules of a bus with a target of that ARN.</summary>
    public (IReadOnlyList<string> RuleNames, string? NextToken) ListRuleNamesByTarget(RequestScope scope, string? targetArn, string? eventBusName, int? limit, string? nextToken)
    {
        if (string.IsNullOrEmpty(targetArn))
        {
            throw Validation("1 validation error detected: Value null at 'targetArn' failed to satisfy constraint: Member must not be null");
        }
        CheckLimit(limit);
        lock (_gate)
        {
            var bus = OwnBus(scope, eventBusName);
            var names = bus.Rules.Values.Where(r => r.Document.Targets.Any(t => t.Arn == targetArn)).Select(r => r.Name).ToList();
            return Page(names, n => n, limit, nextToken);
        }
    }

    /// <summary>TestEventPattern: whether the event matches the pattern (the event must carry the envelope fields).</summary>
    public static bool TestEventPattern(string? eventPattern, string? eventJson)
    {
        if (eventPattern is null || eventJson is null)
        {
            throw Validation("Parameter(s) EventPattern and Event must be specified.");
        }
        if (eventPattern.Length > 4096)
        {
            throw Validation("1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096");
        }
        if (!EventPattern.TryParse(eventPattern, out var pattern, out var error))
        {
            throw new ServiceException("InvalidEventPatternException", error!);
        }
        CheckTestEvent(eventJson);
        try
        {
            return pattern!.Matches(eventJson);
        }
        catch (InvalidEventException e)
        {
            _ = e;
            throw Validation("Parameter Event is not valid.");
        }
    }

    private static readonly string[] RequiredTestEventFields = ["id", "account", "source", "time", "region", "detail-type"];

    private static void CheckTestEvent(string eventJson)
    {
        System.Text.Json.JsonDocument document;
        try
        {
            document = System.Text.Json.JsonDocument.Parse(eventJson);
        }
        catch (System.Text.Json.JsonException)
        {
            throw Validation("Parameter Event is not valid.");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw Validation("Parameter Event is not valid.");
            }
            foreach (var field in RequiredTestEventFields)
            {
                bool present;
                try
                {
                    present = document.RootElement.TryGetProperty(field, out _);
                }
                catch (InvalidOperationException)
                {
                    // A member name that is not Unicode text (an escaped surrogate with no pair).
                    present = false;
                }
                if (!present)
                {
                    throw Validation("Parameter Event is not valid.");
                }
            }
        }
    }

    // ------------------------------------------------------------------ tags

    private (BusState? Bus, RuleState? Rule) Resource(RequestScope scope, string? arn)
    {
        if (string.IsNullOrEmpty(arn))
        {
            throw Validation("1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null");
        }
        var bus = BusArnPattern().Match(arn);
        if (bus.Success)
        {
            return (OwnBus(scope, arn), null);
        }
        var rule = RuleArnPattern().Match(arn);
        if (rule.Success)
        {
            var busName = rule.Groups[3].Success ? rule.Groups[3].Value : DefaultBus;
            var owner = OwnBus(scope, BusArn(rule.Groups[1].Value, rule.Groups[2].Value, busName));
            return (null, owner.Rules.TryGetValue(rule.Groups[4].Value, out var state) ? state : throw NotFound($"Rule {rule.Groups[4].Value} does not exist on EventBus {busName}."));
        }
        throw Validation($"Provided Arn is not in correct format: {arn}");
    }

    /// <summary>TagResource (a bus or a rule).</summary>
    public async Task TagResourceAsync(RequestScope scope, string? arn, List<Tag>? tags)
    {
        CheckTags(tags);
        await ChangeTagsAsync(scope, arn, existing => MergeTags(existing, tags ?? [])).ConfigureAwait(false);
    }

    /// <summary>UntagResource.</summary>
    public Task UntagResourceAsync(RequestScope scope, string? arn, List<string>? keys) =>
        ChangeTagsAsync(scope, arn, existing => [.. existing.Where(t => keys is null || !keys.Contains(t.Key))]);

    private async Task ChangeTagsAsync(RequestScope scope, string? arn, Func<List<Tag>, List<Tag>> change)
    {
        EventBusRecord? busRecord = null;
        EventRuleRecord? ruleRecord = null;
        lock (_gate)
        {
            var (bus, rule) = Resource(scope, arn);
            if (bus is not null)
            {
                bus.Document = bus.Document with { Tags = change(bus.Document.Tags) };
                bus.Stored = true;
                busRecord = Record(bus);
            }
            else
            {
                rule!.Document = rule.Document with { Tags = change(rule.Document.Tags) };
                ruleRecord = Record(rule);
            }
        }
        if (busRecord is not null)
        {
            await _store.SaveBusAsync(busRecord).ConfigureAwait(false);
        }
        else
        {
            await _store.SaveRuleAsync(ruleRecord!).ConfigureAwait(false);
        }
    }

    /// <summary>ListTagsForResource.</summary>
    public IReadOnlyList<Tag> ListTagsForResource(RequestScope scope, string? arn)
    {
        lock (_gate)
        {
            var (bus, rule) = Resource(scope, arn);
            return bus?.Document.Tags ?? rule!.Document.Tags;
        }
    }
}
