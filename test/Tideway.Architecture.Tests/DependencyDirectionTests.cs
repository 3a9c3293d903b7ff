using System.Reflection;
using Shouldly;

namespace Tideway.Architecture.Tests;

/// <summary>
/// Keeps the dependency direction of DESIGN.md: the engine libraries (Patterns, later Transform)
/// depend on the BCL only; nothing below the CLI references the CLI or anything above it.
/// </summary>
public sealed class DependencyDirectionTests
{
    /// <summary>Each Tideway assembly and the Tideway assemblies it may reference.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Tideway.Patterns"] = [],
        ["Tideway.Primitives"] = [],
        ["Tideway.Wire"] = [],
        ["Tideway.Storage"] = ["Tideway.Primitives"],
        ["Tideway.Storage.Sqlite"] = ["Tideway.Storage", "Tideway.Primitives"],
        ["Tideway.Queues"] = ["Tideway.Storage", "Tideway.Primitives"],
        ["Tideway.Logs"] = ["Tideway.Storage", "Tideway.Primitives"],
        ["Tideway.Transform"] = [],
        ["Tideway.Bus"] = ["Tideway.Storage", "Tideway.Primitives", "Tideway.Patterns", "Tideway.Transform"],
        ["Tideway.Functions"] = ["Tideway.Storage", "Tideway.Primitives"],
        ["Tideway.Targets"] = ["Tideway.Bus", "Tideway.Queues", "Tideway.Logs", "Tideway.Functions", "Tideway.Storage", "Tideway.Primitives"],
        ["Tideway.Server"] = ["Tideway.Primitives", "Tideway.Storage", "Tideway.Storage.Sqlite", "Tideway.Queues", "Tideway.Logs", "Tideway.Bus", "Tideway.Functions", "Tideway.Targets", "Tideway.Wire", "Tideway.Patterns"],
        ["tideway"] = ["Tideway.Patterns", "Tideway.Primitives", "Tideway.Storage", "Tideway.Storage.Sqlite", "Tideway.Queues", "Tideway.Logs", "Tideway.Bus", "Tideway.Wire", "Tideway.Server"],
    };

    private static readonly string[] Engines = ["Tideway.Queues", "Tideway.Logs", "Tideway.Bus", "Tideway.Functions"];

    /// <summary>Engines know nothing of HTTP, of a database driver, or of each other (DESIGN.md).</summary>
    [Theory]
    [InlineData("Tideway.Queues")]
    [InlineData("Tideway.Logs")]
    [InlineData("Tideway.Bus")]
    [InlineData("Tideway.Functions")]
    [InlineData("Tideway.Storage")]
    public void engines_and_the_contract_reference_no_http_and_no_database_driver(string assembly)
    {
        var references = Load(assembly).GetReferencedAssemblies().Select(r => r.Name!).ToArray();
        references.ShouldNotContain(name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.Data", StringComparison.Ordinal) || name.StartsWith("Npgsql", StringComparison.Ordinal)
            || name == "Tideway.Wire" || name == "Tideway.Server"
            || (Engines.Contains(name) && name != assembly));
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    [Theory]
    [InlineData("Tideway.Patterns")]
    [InlineData("Tideway.Primitives")]
    [InlineData("Tideway.Wire")]
    [InlineData("Tideway.Storage")]
    [InlineData("Tideway.Storage.Sqlite")]
    [InlineData("Tideway.Queues")]
    [InlineData("Tideway.Logs")]
    [InlineData("Tideway.Transform")]
    [InlineData("Tideway.Bus")]
    [InlineData("Tideway.Functions")]
    [InlineData("Tideway.Targets")]
    [InlineData("Tideway.Server")]
    [InlineData("tideway")]
    public void references_only_the_layers_below(string assembly)
    {
        var references = Load(assembly).GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(n => n.StartsWith("Tideway", StringComparison.OrdinalIgnoreCase) || n == "tideway")
            .ToArray();
        references.ShouldBeSubsetOf(Allowed[assembly]);
    }

    [Theory]
    [InlineData("Tideway.Patterns")]
    [InlineData("Tideway.Primitives")]
    [InlineData("Tideway.Wire")]
    [InlineData("Tideway.Transform")]
    public void pure_libraries_depend_on_the_bcl_only(string assembly)
    {
        var references = Load(assembly).GetReferencedAssemblies().Select(r => r.Name!).ToArray();
        references.ShouldAllBe(name => name == "netstandard" || name.StartsWith("System", StringComparison.Ordinal) || name == "Microsoft.Win32.Primitives");
    }
}
