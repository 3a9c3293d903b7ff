namespace Tideway.Cli.Commands;

/// <summary>Arguments given inline or, with a leading '@', read from a file ('@-' reads standard input).</summary>
internal static class InputArgument
{
    public static string Read(string value)
    {
        if (!value.StartsWith('@'))
        {
            return value;
        }

        var path = value[1..];
        return path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
    }
}
