using System.CommandLine;
using Tideway.Cli.Commands;

var root = new RootCommand("Tideway: a self-hosted event bus and function runtime that speaks the AWS wire APIs.")
{
    ServeCommand.Create(),
    CredentialsCommand.Create(),
    TestPatternCommand.Create(),
    BenchCommand.Create(),
    FunctionsCommand.Create(),
};

// '@file' arguments are ours (InputArgument), not System.CommandLine response files.
var configuration = new ParserConfiguration { ResponseFileTokenReplacer = null };
return await root.Parse(args, configuration).InvokeAsync().ConfigureAwait(false);
