using System.CommandLine;
using Tideway.Cli.Commands;

var root = new RootCommand("Tideway: a self-hosted event bus and function runtime that speaks the AWS wire APIs.")
{
    TestPatternCommand.Create(),
    BenchCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
