using System.Text.Json.Serialization;
using Tideway.Patterns;
using Tideway.Transform;

namespace Tideway.Bus;

/// <summary>What the store keeps of a bus (the engine's document).</summary>
internal sealed record BusDocument
{
    public string? Description { get; init; }

    public string? KmsKeyIdentifier { get; init; }

    public DeadLetterConfig? DeadLetterConfig { get; init; }

    public string? Policy { get; init; }

    public List<Tag> Tags { get; init; } = [];

    public long CreatedAt { get; init; }

    public long ModifiedAt { get; init; }
}

/// <summary>What the store keeps of a rule, targets included.</summary>
internal sealed record RuleDocument
{
    public string? EventPattern { get; init; }

    public string? ScheduleExpression { get; init; }

    public string State { get; init; } = "ENABLED";

    public string? Description { get; init; }

    public string? RoleArn { get; init; }

    public string? ManagedBy { get; init; }

    public string? CreatedBy { get; init; }

    public List<Tag> Tags { get; init; } = [];

    public List<Target> Targets { get; init; } = [];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BusDocument))]
[JsonSerializable(typeof(RuleDocument))]
internal sealed partial class BusJsonContext : JsonSerializerContext;

/// <summary>A bus in memory: its definition, its rules, and the compiled matcher over its enabled rules.</summary>
internal sealed class BusState(string account, string region, string name, BusDocument document)
{
    public string Account { get; } = account;

    public string Region { get; } = region;

    public string Name { get; } = name;

    public string Arn { get; } = EventBusEngine.BusArn(region, account, name);

    public BusDocument Document { get; set; } = document;

    /// <summary>True once the bus has been written to the store (the default bus exists without it).</summary>
    public bool Stored { get; set; }

    public SortedDictionary<string, RuleState> Rules { get; } = new(StringComparer.Ordinal);

    public PatternMatcher<RuleState> Matcher { get; } = new();

    public BusPolicy? Policy { get; set; }
}

/// <summary>A rule in memory: its definition and its compiled targets (replaced whole, read without a lock).</summary>
internal sealed class RuleState(BusState bus, string name, RuleDocument document)
{
    public BusState Bus { get; } = bus;

    public string Name { get; } = name;

    public string Arn { get; } = EventBusEngine.RuleArn(bus.Region, bus.Account, bus.Name, name);

    public RuleDocument Document { get; set; } = document;

    public volatile TargetState[] Targets = [];

    public bool InMatcher { get; set; }

    public bool Enabled => Document.State != "DISABLED";
}

/// <summary>A target compiled for delivery.</summary>
internal sealed class TargetState(Target definition, TargetKind kind, TargetInput input)
{
    public Target Definition { get; } = definition;

    public string Id => Definition.Id!;

    public string Arn => Definition.Arn!;

    public TargetKind Kind { get; } = kind;

    public TargetInput Input { get; } = input;

    public int MaximumRetryAttempts => Definition.RetryPolicy?.MaximumRetryAttempts ?? EventBusEngine.DefaultMaximumRetryAttempts;

    public long MaximumEventAgeMs => (Definition.RetryPolicy?.MaximumEventAgeInSeconds ?? EventBusEngine.DefaultMaximumEventAgeInSeconds) * 1000L;

    public string? DeadLetterArn => Definition.DeadLetterConfig?.Arn;
}
