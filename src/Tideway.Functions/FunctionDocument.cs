using System.Text.Json.Serialization;

namespace Tideway.Functions;

/// <summary>A function as the engine stores it (the store keeps it as an opaque JSON document).</summary>
internal sealed record FunctionDocument
{
    public string Runtime { get; set; } = string.Empty;
    public string Role { get; set; } = string.Empty;
    public string Handler { get; set; } = string.Empty;
    public string Description { get; set; } = string.Empty;
    public int Timeout { get; set; } = 3;
    public int MemorySize { get; set; } = 128;
    public int EphemeralStorage { get; set; } = 512;
    public string Architecture { get; set; } = "x86_64";
    public Dictionary<string, string>? Variables { get; set; }
    public string? DeadLetterTargetArn { get; set; }
    public string TracingMode { get; set; } = "PassThrough";
    public string LogFormat { get; set; } = "Text";
    public string? LogGroup { get; set; }
    public string CodeSha256 { get; set; } = string.Empty;
    public long CodeSize { get; set; }
    public long LastModified { get; set; }
    public string RevisionId { get; set; } = string.Empty;
    public Dictionary<string, string> Tags { get; set; } = [];
    public int? ReservedConcurrency { get; set; }
    public EventInvokeDocument? EventInvokeConfig { get; set; }
    public List<PolicyStatement> Policy { get; set; } = [];
    public string PolicyRevisionId { get; set; } = string.Empty;
}

/// <summary>A function's event invoke configuration as stored.</summary>
internal sealed record EventInvokeDocument(int? MaximumRetryAttempts, int? MaximumEventAgeInSeconds, string? OnSuccess, string? OnFailure, long LastModified);

/// <summary>One statement of a function's resource policy, as AddPermission built it (the JSON AWS reports).</summary>
internal sealed record PolicyStatement(string Sid, string Json);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionDocument))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class FunctionJsonContext : JsonSerializerContext;
