namespace Tideway.Transform;

/// <summary>
/// What a target's input needs besides the event: the values of the predefined template variables
/// <c>&lt;aws.events.rule-arn&gt;</c>, <c>&lt;aws.events.rule-name&gt;</c> and
/// <c>&lt;aws.events.event.ingestion-time&gt;</c>.
/// </summary>
/// <param name="RuleArn">The ARN of the rule that matched (on a custom bus: <c>arn:aws:events:region:account:rule/bus/name</c>).</param>
/// <param name="RuleName">The name of the rule that matched.</param>
/// <param name="IngestionTime">When EventBridge received the event, already formatted as ISO 8601 (<c>2024-06-11T08:33:10Z</c>).</param>
public readonly record struct TransformContext(string RuleArn, string RuleName, string IngestionTime);
