using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// TestEventPattern over HTTP for the whole conformance corpus (../shared/conformance/eventbridge-patterns: what Amazon
/// EventBridge answered for 155 pattern/event pairs, plus its recorded answers to non-JSON patterns and events). Every
/// outcome and error code must agree, and every recorded error message.
/// </summary>
public sealed class EventsConformanceTests(ServerFixture server)
{
    private static readonly HttpClient Http = new();

    private static string Folder => Path.GetFullPath(Path.Combine(ExternalClient.RepositoryRoot(), "..", "shared", "conformance", "eventbridge-patterns"));

    /// <summary>One case: the request, what EventBridge answered (Result, or error code and message), and its message with the parser's location suffix.</summary>
    private sealed record Case(string Name, string EventPattern, string Event, bool? Result, string? Code, string? Message, string? RawMessage);

    /// <summary>What Tideway answered.</summary>
    private sealed record Answer(HttpStatusCode Status, bool? Result, string? Code, string? Message);

    private async Task<Answer> TestEventPatternAsync(string pattern, string eventJson)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint + "/")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["EventPattern"] = pattern, ["Event"] = eventJson }), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSEvents.TestEventPattern");
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = body.RootElement;
        return root.TryGetProperty("Result", out var result)
            ? new Answer(response.StatusCode, result.GetBoolean(), null, null)
            : new Answer(response.StatusCode, null, root.GetProperty("__type").GetString(), root.GetProperty("message").GetString());
    }

    private static IEnumerable<Case> Corpus()
    {
        using var recorded = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "aws-recorded-results.json")));
        var tests = recorded.RootElement.EnumerateObject().ToDictionary(t => t.Name[(t.Name.LastIndexOf("::", StringComparison.Ordinal) + 2)..], t => t.Value.GetProperty("recorded-content").Clone());
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 4096 };
        foreach (var file in Directory.GetFiles(Path.Combine(Folder, "templates"), "*.json5").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            using var template = JsonDocument.Parse(File.ReadAllBytes(file), options);
            // As the recording test sent them: json.dumps of the parsed JSON5 (its separators are ", " and ": ").
            var pattern = PythonJson(template.RootElement.GetProperty("EventPattern"));
            var eventJson = PythonJson(template.RootElement.GetProperty("Event"));
            if (!name.EndsWith("_EXC", StringComparison.Ordinal))
            {
                tests[$"test_event_pattern[{name}]"].EnumerateObject().ShouldBeEmpty(name);
                yield return new Case(name, pattern, eventJson, !name.EndsWith("_NEG", StringComparison.Ordinal), null, null, null);
                continue;
            }
            var error = tests[$"test_event_pattern[{name}]"].GetProperty(name).GetProperty("exception_message").GetProperty("Error");
            yield return new Case(name, pattern, eventJson, null, error.GetProperty("Code").GetString(), error.GetProperty("Message").GetString(), error.GetProperty("MessageRaw").GetString());
        }

        // Patterns that are not JSON, or not an object.
        const string Marker = "test_invalid_json_event_pattern[";
        var someEvent = "{\"id\": \"1\", \"source\": \"order\", \"detail-type\": \"Test\", \"account\": \"123456789012\", \"region\": \"us-east-1\", \"time\": \"2022-07-13T13:48:01Z\"}";
        foreach (var (test, content) in tests.Where(t => t.Key.StartsWith(Marker, StringComparison.Ordinal)))
        {
            var error = content.GetProperty("invalid-pattern").GetProperty("Error");
            var message = error.GetProperty("Message").GetString();
            yield return new Case(test, test[Marker.Length..^1], someEvent, null, error.GetProperty("Code").GetString(), message, message);
        }

        // Events that are not JSON objects.
        var invalidEvent = tests["test_plain_string_payload"].GetProperty("plain-string-payload-exc").GetProperty("Error");
        yield return new Case("plain string event", "{\"source\": [\"order\"]}", "plain string", null, invalidEvent.GetProperty("Code").GetString(), invalidEvent.GetProperty("Message").GetString(), null);
        var arrayEvent = tests["test_array_event_payload"].GetProperty("array-event-payload-exc").GetProperty("Error");
        yield return new Case("array event", "{\"source\": [\"order\"]}", "[" + someEvent + "]", null, arrayEvent.GetProperty("Code").GetString(), arrayEvent.GetProperty("Message").GetString(), null);

        // A large event with many keys against the matching complex pattern.
        tests["test_event_with_large_and_complex_payload"].GetProperty("complex-event-complex-pattern").GetProperty("Result").GetBoolean().ShouldBeTrue();
        yield return new Case("complex_multi_key_event", File.ReadAllText(Path.Combine(Folder, "templates", "complex_multi_key_event_pattern.json")),
            File.ReadAllText(Path.Combine(Folder, "templates", "complex_multi_key_event.json")), true, null, null, null);
    }

    /// <summary>Asks Tideway every case of the corpus; returns each case with its answer.</summary>
    private async Task<List<(Case Case, Answer Answer)>> AskAllAsync()
    {
        var cases = Corpus().ToList();
        cases.Count.ShouldBe(155 + 4 + 2 + 1);
        var answers = new List<(Case, Answer)>(cases.Count);
        foreach (var c in cases)
        {
            answers.Add((c, await TestEventPatternAsync(c.EventPattern, c.Event)));
        }
        return answers;
    }

    [Fact]
    public async Task test_event_pattern_agrees_with_eventbridge_on_every_outcome_and_error_code()
    {
        var wrong = new List<string>();
        foreach (var (c, answer) in await AskAllAsync())
        {
            if (c.Result is { } expected ? answer.Status != HttpStatusCode.OK || answer.Result != expected : answer.Status != HttpStatusCode.BadRequest || answer.Code != c.Code)
            {
                wrong.Add($"{c.Name}: expected {(object?)c.Result ?? c.Code}, got {answer}");
            }
        }
        wrong.ShouldBeEmpty(string.Join("\n", wrong));
    }

    /// <summary>
    /// Each error message is EventBridge's, up to the location its JSON parser appends to most of them
    /// (<c>\n at [Source: (String)"..."; line: 1, column: N]</c>), which the next test holds to.
    /// </summary>
    [Fact]
    public async Task error_messages_agree_with_eventbridge_up_to_the_parser_location()
    {
        var wrong = new List<string>();
        foreach (var (c, answer) in await AskAllAsync())
        {
            if (c.Result is null && answer.Message != c.Message && answer.Message != c.RawMessage && answer.Message != WithoutLocation(c.RawMessage ?? c.Message))
            {
                wrong.Add($"{c.Name}: expected \"{c.RawMessage ?? c.Message}\", got \"{answer.Message}\"");
            }
        }
        wrong.ShouldBeEmpty(string.Join("\n", wrong));
    }

    /// <summary>TestEventPattern's EventPattern has PutRule's limit in the API model (4,096 characters).</summary>
    [Fact]
    public async Task a_pattern_longer_than_4096_characters_is_refused_as_put_rule_refuses_it()
    {
        var pattern = "{\"source\": [\"" + new string('a', 4096) + "\"]}";
        var answer = await TestEventPatternAsync(pattern, "{\"id\": \"1\", \"source\": \"a\", \"detail-type\": \"t\", \"account\": \"1\", \"region\": \"us-east-1\", \"time\": \"2022-07-13T13:48:01Z\", \"resources\": []}");
        answer.ShouldBe(new Answer(HttpStatusCode.BadRequest, null, "ValidationException",
            "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096"));
    }

    private static string? WithoutLocation(string? message) =>
        message?.IndexOf("\n at [Source: ", StringComparison.Ordinal) is int at and >= 0 ? message[..at] : message;

    /// <summary>JSON text as Python's <c>json.dumps</c> writes it by default (", " and ": " separators, non-ASCII escaped).</summary>
    private static string PythonJson(JsonElement element)
    {
        var text = new StringBuilder();
        Write(element);
        return text.ToString();

        void Write(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    text.Append('{');
                    var first = true;
                    foreach (var property in value.EnumerateObject())
                    {
                        text.Append(first ? "" : ", ");
                        first = false;
                        WriteString(property.Name);
                        text.Append(": ");
                        Write(property.Value);
                    }
                    text.Append('}');
                    break;
                case JsonValueKind.Array:
                    text.Append('[');
                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        text.Append(index++ == 0 ? "" : ", ");
                        Write(item);
                    }
                    text.Append(']');
                    break;
                case JsonValueKind.String:
                    WriteString(value.GetString()!);
                    break;
                default:
                    text.Append(value.GetRawText());
                    break;
            }
        }

        void WriteString(string s)
        {
            text.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    case '\r': text.Append("\\r"); break;
                    case '\t': text.Append("\\t"); break;
                    case '\b': text.Append("\\b"); break;
                    case '\f': text.Append("\\f"); break;
                    default:
                        if (c < 0x20 || c > 0x7f)
                        {
                            text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            text.Append(c);
                        }
                        break;
                }
            }
            text.Append('"');
        }
    }
}
