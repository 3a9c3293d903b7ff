using System.Text.Json;
using Shouldly;

namespace Tideway.Transform.Tests;

/// <summary>
/// What Amazon EventBridge delivered to a target (or how PutTargets refused it) in 34 recorded
/// cases (../shared/conformance/eventbridge-transformer): every output and every message must agree.
/// </summary>
public sealed class ConformanceTests
{
    private const string TargetId = "target-4c1d9e2a";

    private static readonly Lazy<JsonDocument> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("conformance", "eventbridge-transformer", "cases.json"))));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Cases.Value.RootElement.EnumerateArray())
        {
            data.Add(entry.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Fact]
    public void the_corpus_holds_34_cases_12_exact_20_json_and_2_errors()
    {
        var expected = Cases.Value.RootElement.EnumerateArray().Select(c => c.GetProperty("expected")).ToList();
        expected.Count.ShouldBe(34);
        expected.Count(e => e.TryGetProperty("match", out var m) && m.GetString() == "exact").ShouldBe(12);
        expected.Count(e => e.TryGetProperty("match", out var m) && m.GetString() == "json").ShouldBe(20);
        expected.Count(e => e.TryGetProperty("error", out _)).ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void output_agrees_with_eventbridge(string name)
    {
        var recorded = Cases.Value.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var expected = recorded.GetProperty("expected");
        var created = Create(recorded.GetProperty("target_input"), out var targetInput, out var error);

        if (expected.TryGetProperty("error", out var expectedError))
        {
            created.ShouldBeFalse();
            expectedError.GetProperty("code").GetString().ShouldBe("ValidationException");
            error.ShouldBe(expectedError.GetProperty("message").GetString()!.Replace("<target-id>", TargetId, StringComparison.Ordinal));
            return;
        }

        created.ShouldBeTrue(error);
        var utf8Event = recorded.GetProperty("event") is { ValueKind: JsonValueKind.Object } sent
            ? TestEvents.Envelope(sent.GetProperty("Source").GetString()!, sent.GetProperty("DetailType").GetString()!, sent.GetProperty("Detail"))
            : TestEvents.ScheduledEnvelope();

        targetInput!.TryRender(utf8Event, TestEvents.Context, out var output, out var renderError).ShouldBeTrue(renderError);
        var body = TestEvents.Text(output!);
        var comparer = new RecordedOutput();
        string why;
        var matches = expected.GetProperty("match").GetString() == "exact"
            ? comparer.MatchesExactly(expected.GetProperty("body").GetString()!, body, out why)
            : comparer.MatchesJson(expected.GetProperty("body_json"), body, out why);
        matches.ShouldBeTrue(why);
    }

    private static bool Create(JsonElement settings, out TargetInput? targetInput, out string? error)
    {
        string? input = settings.TryGetProperty("Input", out var i) ? i.GetString() : null;
        string? inputPath = settings.TryGetProperty("InputPath", out var p) ? p.GetString() : null;
        Dictionary<string, string>? map = null;
        string? template = null;
        var hasTransformer = settings.TryGetProperty("InputTransformer", out var transformer);
        if (hasTransformer)
        {
            template = transformer.TryGetProperty("InputTemplate", out var t) ? t.GetString() : null;
            if (transformer.TryGetProperty("InputPathsMap", out var paths))
            {
                map = paths.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!);
            }
        }

        return TargetInput.TryCreate(TargetId, input, inputPath, map, template, hasTransformer, out targetInput, out error);
    }
}
