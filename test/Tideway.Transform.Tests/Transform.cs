using Shouldly;

namespace Tideway.Transform.Tests;

/// <summary>Creates a target input from settings and renders it for an event with a given detail.</summary>
internal static class Transform
{
    /// <summary>Renders an InputTransformer for an event whose detail is <paramref name="detailJson"/>.</summary>
    public static string Render(string detailJson, string template, params (string Key, string Path)[] map)
    {
        var targetInput = Create(template, map);
        targetInput.TryRender(TestEvents.Envelope(detailJson), TestEvents.Context, out var output, out var error).ShouldBeTrue(error);
        return TestEvents.Text(output!);
    }

    /// <summary>Renders an InputTransformer that EventBridge would not deliver, and returns why.</summary>
    public static string Undeliverable(string detailJson, string template, params (string Key, string Path)[] map)
    {
        var targetInput = Create(template, map);
        targetInput.TryRender(TestEvents.Envelope(detailJson), TestEvents.Context, out var output, out var error).ShouldBeFalse();
        output.ShouldBeNull();
        return error!;
    }

    /// <summary>Renders an InputPath for an event whose detail is <paramref name="detailJson"/>.</summary>
    public static string RenderPath(string detailJson, string inputPath)
    {
        TargetInput.TryCreate("t1", null, inputPath, null, null, false, out var targetInput, out var error).ShouldBeTrue(error);
        targetInput!.TryRender(TestEvents.Envelope(detailJson), TestEvents.Context, out var output, out var renderError).ShouldBeTrue(renderError);
        return TestEvents.Text(output!);
    }

    public static TargetInput Create(string template, params (string Key, string Path)[] map)
    {
        var paths = map.ToDictionary(e => e.Key, e => e.Path);
        TargetInput.TryCreate("t1", null, null, paths, template, true, out var targetInput, out var error).ShouldBeTrue(error);
        targetInput!.Kind.ShouldBe(TargetInputKind.InputTransformer);
        return targetInput;
    }

    /// <summary>The PutTargets message for an InputTransformer (target Id t1).</summary>
    public static string? CreateError(string? template, params (string Key, string Path)[] map)
    {
        var paths = map.ToDictionary(e => e.Key, e => e.Path);
        TargetInput.TryCreate("t1", null, null, paths, template, true, out var targetInput, out var error).ShouldBeFalse();
        targetInput.ShouldBeNull();
        return error;
    }
}
