using System.CommandLine;
using Tideway.Cli.Bench;

namespace Tideway.Cli.Commands;

/// <summary><c>tideway bench patterns</c>: whole-system figures measured by the project itself.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The bench-data folder (default: ../shared/bench-data beside the repository)" };
        var passes = new Option<int>("--passes") { Description = "Timed passes per row (the best is reported)", DefaultValueFactory = _ => 3 };
        var only = new Option<string?>("--category") { Description = "Run one category or combo only (for profiling)" };
        var patterns = new Command("patterns", "The CL2 pattern-matching benchmark over the citylots2 corpus, checked against event-ruler's match counts.")
        {
            data,
            passes,
            only,
        };
        patterns.SetAction(parse =>
        {
            var directory = parse.GetValue(data) ?? Cl2Corpus.DefaultDirectory();
            var corpus = Cl2Corpus.Load(directory);
            return new PatternBench(corpus, Console.Out, Math.Max(1, parse.GetValue(passes)), parse.GetValue(only)).Run();
        });
        return new Command("bench", "Benchmarks of the whole system.") { patterns };
    }
}
