namespace Tideway.Wire.Tests;

/// <summary>Finds the repository root, the shared data folder beside it, and this project's fixtures.</summary>
internal static class SharedData
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Directory { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    public static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

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
