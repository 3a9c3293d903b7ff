using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// The outcomes Amazon EventBridge's TestEventPattern gave for 157 pattern/event pairs
/// (../shared/conformance/eventbridge-patterns): every outcome and every error message must agree.
/// </summary>
public sealed class ConformanceTests
{
    private static readonly string Folder = SharedData.PathOf("conformance", "eventbridge-patterns");

    private static readonly Lazy<JsonDocument> Recorded = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "aws-recorded-results.json"))));

    public static TheoryData<string> Templates()
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(Folder, "templates"), "*.json5").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    /// <summary>
    /// 155 single-file templates; the corpus's 157 files also hold one event/pattern pair in two
    /// .json files (a duplicate key in a pattern) with no recorded outcome, covered in PatternSemanticsTests.
    /// </summary>
    [Fact]
    public void the_corpus_holds_all_155_recorded_templates() => Templates().Count.ShouldBe(155);

    [Theory]
    [MemberData(nameof(Templates))]
    public void outcome_agrees_with_eventbridge(string name)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 4096 };
        using var template = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "templates", name + ".json5")), options);
        var eventJson = Compact(template.RootElement.GetProperty("Event"));
        var patternJson = Compact(template.RootElement.GetProperty("EventPattern"));

        if (name.EndsWith("_EXC", StringComparison.Ordinal))
        {
            var error = Should.Throw<InvalidEventPatternException>(() => EventPattern.Parse(patternJson));
            error.Message.ShouldBe(ExpectedMessage(name));
            return;
        }

        var pattern = EventPattern.Parse(patternJson);
        pattern.Matches(Encoding.UTF8.GetBytes(eventJson)).ShouldBe(!name.EndsWith("_NEG", StringComparison.Ordinal));
    }

    public static TheoryData<string> InvalidJsonCases()
    {
        var data = new TheoryData<string>();
        foreach (var test in Recorded.Value.RootElement.EnumerateObject())
        {
            const string marker = "test_invalid_json_event_pattern[";
            var at = test.Name.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                data.Add(test.Name[(at + marker.Length)..^1]);
            }
        }

        return data;
    }

    /// <summary>
    /// Patterns that are not JSON, or not an object, get EventBridge's message. For JSON syntax errors
    /// that includes the parser's location suffix; for "Filter is not an object" we compare the reason only.
    /// </summary>
    [Theory]
    [MemberData(nameof(InvalidJsonCases))]
    public void invalid_json_pattern_gets_eventbridge_message(string pattern)
    {
        var recorded = Recorded.Value.RootElement.EnumerateObject()
            .Single(t => t.Name.EndsWith("test_invalid_json_event_pattern[" + pattern + "]", StringComparison.Ordinal))
            .Value.GetProperty("recorded-content").GetProperty("invalid-pattern").GetProperty("Error");
        recorded.GetProperty("Code").GetString().ShouldBe("InvalidEventPatternException");
        var expected = recorded.GetProperty("Message").GetString()!;
        var error = Should.Throw<InvalidEventPatternException>(() => EventPattern.Parse(pattern));
        if (error.Reason == "Filter is not an object")
        {
            expected = expected[..expected.IndexOf("\n at [Source", StringComparison.Ordinal)];
        }

        error.Message.ShouldBe(expected);
    }

    [Fact]
    public void there_are_four_recorded_invalid_json_cases() => InvalidJsonCases().Count.ShouldBe(4);

    private static string ExpectedMessage(string name)
    {
        foreach (var test in Recorded.Value.RootElement.EnumerateObject())
        {
            if (!test.Name.EndsWith("test_event_pattern[" + name + "]", StringComparison.Ordinal))
            {
                continue;
            }

            var error = test.Value.GetProperty("recorded-content").GetProperty(name).GetProperty("exception_message").GetProperty("Error");
            error.GetProperty("Code").GetString().ShouldBe("InvalidEventPatternException");
            return error.GetProperty("Message").GetString()!;
        }

        throw new InvalidOperationException("No recorded outcome for " + name);
    }

    internal static string Compact(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
