namespace Tideway.Transform.Tests;

/// <summary>Finds the shared data folder beside the repository (the repository's parent holds <c>shared/conformance</c>).</summary>
internal static class SharedData
{
    public static string Directory { get; } = FindShared();

    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    private static string FindShared()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            var shared = Path.Combine(directory.FullName, "shared");
            if (System.IO.Directory.Exists(Path.Combine(shared, "conformance")))
            {
                return shared;
            }

            directory = directory.Parent;
        }

        throw new InvalidOperationException("No shared/conformance folder above " + AppContext.BaseDirectory);
    }
}
