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
        ["tideway"] = ["Tideway.Patterns"],
    };

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    [Theory]
    [InlineData("Tideway.Patterns")]
    [InlineData("tideway")]
    public void references_only_the_layers_below(string assembly)
    {
        var references = Load(assembly).GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(n => n.StartsWith("Tideway", StringComparison.OrdinalIgnoreCase) || n == "tideway")
            .ToArray();
        references.ShouldBeSubsetOf(Allowed[assembly]);
    }

    [Fact]
    public void patterns_depends_on_the_bcl_only()
    {
        var references = Load("Tideway.Patterns").GetReferencedAssemblies().Select(r => r.Name!).ToArray();
        references.ShouldAllBe(name => name == "netstandard" || name.StartsWith("System", StringComparison.Ordinal) || name == "Microsoft.Win32.Primitives");
    }
}
