using System.CommandLine;
using System.Text;
using System.Text.Json;
using Tideway.Patterns;

namespace Tideway.Cli.Commands;

/// <summary>
/// <c>tideway test-pattern --pattern P --event E</c>: prints <c>true</c> or <c>false</c> (exit 0);
/// an invalid pattern prints EventBridge's message on stderr (exit 2); an event that is not a JSON
/// object exits 3.
/// </summary>
internal static class TestPatternCommand
{
    public const int InvalidPattern = 2;
    public const int InvalidEvent = 3;

    public static Command Create()
    {
        var pattern = new Option<string>("--pattern") { Description = "The event pattern: JSON, or @file", Required = true };
        var @event = new Option<string>("--event") { Description = "The event: JSON, or @file", Required = true };
        var command = new Command("test-pattern", "Tests whether an event pattern matches an event, as EventBridge's TestEventPattern does.")
        {
            pattern,
            @event,
        };
        command.SetAction(parse => Run(parse.GetValue(pattern)!, parse.GetValue(@event)!, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string patternArgument, string eventArgument, TextWriter output, TextWriter error)
    {
        string patternText, eventText;
        try
        {
            patternText = InputArgument.Read(patternArgument);
            eventText = InputArgument.Read(eventArgument);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 1;
        }

        if (!EventPattern.TryParse(patternText, out var pattern, out var message))
        {
            error.WriteLine(message);
            return InvalidPattern;
        }

        var eventBytes = Encoding.UTF8.GetBytes(eventText);
        if (!IsJsonObject(eventBytes, out var reason))
        {
            error.WriteLine("The event is not a JSON object: " + reason);
            return InvalidEvent;
        }

        try
        {
            output.WriteLine(pattern.Matches(eventBytes) ? "true" : "false");
            return 0;
        }
        catch (InvalidEventException e)
        {
            error.WriteLine("The event is not a JSON object: " + e.Message);
            return InvalidEvent;
        }
    }

    private static bool IsJsonObject(byte[] json, out string reason)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4096 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                reason = "it does not start with '{'.";
                return false;
            }

            reader.Skip();
            if (reader.Read())
            {
                reason = "there is more after the object.";
                return false;
            }

            reason = string.Empty;
            return true;
        }
        catch (JsonException e)
        {
            reason = e.Message;
            return false;
        }
    }
}
