namespace Tideway.Patterns.Tests;

/// <summary>Finds the repository root and the shared data folder beside it.</summary>
internal static class SharedData
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Directory { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Tideway.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Tideway.slnx not found above " + AppContext.BaseDirectory);
    }
}
