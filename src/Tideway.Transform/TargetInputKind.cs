namespace Tideway.Transform;

/// <summary>Which of a target's input settings decides what it receives.</summary>
public enum TargetInputKind
{
    /// <summary>No input setting: the target receives the whole event.</summary>
    WholeEvent,

    /// <summary><c>Input</c>: the target receives a constant JSON text instead of the event.</summary>
    Input,

    /// <summary><c>InputPath</c>: the target receives the part of the event a JSONPath selects.</summary>
    InputPath,

    /// <summary><c>InputTransformer</c>: the target receives <c>InputTemplate</c> filled with values the <c>InputPathsMap</c> paths select.</summary>
    InputTransformer,
}
