namespace Tideway.Functions;

/// <summary>
/// What an execution environment runs: one revision of a function's code and configuration. A change to either
/// makes a new instance; environments of the old one finish what they hold and stop.
/// </summary>
internal sealed record FunctionInstance(
    string Account,
    string Region,
    string Name,
    string Arn,
    string Runtime,
    string Handler,
    int MemorySize,
    int Timeout,
    IReadOnlyDictionary<string, string> Variables,
    string LogGroup,
    string CodeFolder,
    string RevisionId,
    int EphemeralStorage = 512);
