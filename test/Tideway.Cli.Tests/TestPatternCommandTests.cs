using System.Diagnostics;
using Shouldly;
using Tideway.Cli.Commands;

namespace Tideway.Cli.Tests;

/// <summary><c>tideway test-pattern</c>: output and exit codes, in process and through the real executable.</summary>
public sealed class TestPatternCommandTests
{
    private static (int Code, string Output, string Error) Run(string pattern, string @event)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = TestPatternCommand.Run(pattern, @event, output, error);
        return (code, output.ToString().Trim(), error.ToString().Trim());
    }

    [Fact]
    public void prints_true_and_exits_0_when_the_pattern_matches()
    {
        var (code, output, _) = Run("{\"detail\":{\"state\":[{\"anything-but\":\"pending\"}]}}", "{\"detail\":{\"state\":\"running\"}}");
        code.ShouldBe(0);
        output.ShouldBe("true");
    }

    [Fact]
    public void prints_false_and_exits_0_when_it_does_not()
    {
        var (code, output, _) = Run("{\"detail\":{\"state\":[\"pending\"]}}", "{\"detail\":{\"state\":\"running\"}}");
        code.ShouldBe(0);
        output.ShouldBe("false");
    }

    [Fact]
    public void invalid_pattern_prints_the_eventbridge_message_and_exits_2()
    {
        var (code, output, error) = Run("{\"source\":\"aws.ec2\"}", "{}");
        code.ShouldBe(TestPatternCommand.InvalidPattern);
        output.ShouldBeEmpty();
        error.ShouldBe("Event pattern is not valid. Reason: \"source\" must be an object or an array");
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\": ")]
    [InlineData("not json")]
    public void event_that_is_not_a_json_object_exits_3(string @event)
    {
        var (code, output, error) = Run("{\"a\":[1]}", @event);
        code.ShouldBe(TestPatternCommand.InvalidEvent);
        output.ShouldBeEmpty();
        error.ShouldStartWith("The event is not a JSON object");
    }

    [Fact]
    public void reads_pattern_and_event_from_files()
    {
        WithFiles("{\"n\":[{\"numeric\":[\">\",4,\"<=\",5]}]}", "{\"n\":5e0}", (pattern, @event) =>
        {
            var (code, output, _) = Run("@" + pattern, "@" + @event);
            code.ShouldBe(0);
            output.ShouldBe("true");
        });
    }

    [Fact]
    public void the_built_executable_gives_the_same_exit_codes()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "tideway.dll");
        File.Exists(cli).ShouldBeTrue();
        Exec(cli, "test-pattern", "--pattern", "{\"a\":[\"x\"]}", "--event", "{\"a\":\"x\"}").ShouldBe((0, "true"));
        Exec(cli, "test-pattern", "--pattern", "{\"a\":\"x\"}", "--event", "{\"a\":\"x\"}").Code.ShouldBe(2);
        Exec(cli, "test-pattern", "--pattern", "{\"a\":[\"x\"]}", "--event", "[]").Code.ShouldBe(3);

        // '@file' is ours, not a System.CommandLine response file: spaces and quotes survive.
        WithFiles("{ \"a\": [ \"x y\" ] }", "{ \"a\": \"x y\" }", (pattern, @event) =>
            Exec(cli, "test-pattern", "--pattern", "@" + pattern, "--event", "@" + @event).ShouldBe((0, "true")));
    }

    private static void WithFiles(string pattern, string @event, Action<string, string> test)
    {
        var directory = Directory.CreateTempSubdirectory("tideway-cli-");
        try
        {
            var patternFile = Path.Combine(directory.FullName, "pattern.json");
            var eventFile = Path.Combine(directory.FullName, "event.json");
            File.WriteAllText(patternFile, pattern);
            File.WriteAllText(eventFile, @event);
            test(patternFile, eventFile);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static (int Code, string Output) Exec(string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Bounded: a CLI that never ends fails this test instead of hanging the run.
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tideway {string.Join(' ', arguments)} did not end within 2 minutes");
        }
        _ = error.Result;
        return (process.ExitCode, output.Result.Trim());
    }
}
