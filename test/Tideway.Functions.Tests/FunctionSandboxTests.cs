using Shouldly;

namespace Tideway.Functions.Tests;

/// <summary>
/// When the namespaces of a server not run as root are used, and when they are refused (real <c>unshare</c>
/// processes; what a function can and cannot read in them is tested end to end in the Compat tests).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FunctionSandboxTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tideway-sandbox-" + Guid.NewGuid().ToString("N"));

    public FunctionSandboxTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void a_runtime_root_inside_a_folder_to_hide_is_refused_with_the_reason()
    {
        var root = Path.Combine(_folder, "runtime");
        Directory.CreateDirectory(root);

        var (sandbox, reason) = FunctionSandbox.Detect(root, [_folder]);

        sandbox.ShouldBeNull();
        reason.ShouldBe($"the runtime root {root} is inside {_folder}, which functions must not see");
    }

    [Fact]
    public void a_server_run_as_root_gets_no_namespaces_and_others_get_them_when_the_trial_start_works()
    {
        var root = Path.Combine(_folder, "runtime");
        var hidden = Path.Combine(_folder, "data");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(hidden);

        var (sandbox, reason) = FunctionSandbox.Detect(root, [hidden, Path.Combine(_folder, "missing")]);

        if (Environment.UserName == "root")
        {
            // Root in the namespaces would still own the machine's root-owned files: a root server uses setpriv, or nothing.
            sandbox.ShouldBeNull();
            reason.ShouldBe("the server runs as root but `setpriv` (util-linux) is not on its PATH");
            return;
        }
        if (sandbox is null)
        {
            // Only a machine without unshare, or that forbids user namespaces, may refuse.
            reason.ShouldMatch("unshare|trial start", reason);
            Assert.Skip("No namespaces here: " + reason);
        }
        Directory.EnumerateFileSystemEntries(root).ShouldBeEmpty("the trial's folders are removed");
        var arguments = sandbox.Arguments(Path.Combine(root, "env", "1"), Path.Combine(root, "code", "abc"), 512).ToArray();
        arguments.ShouldContain(hidden);
        arguments.ShouldNotContain(Path.Combine(_folder, "missing"), "a folder that does not exist has nothing to cover");
        arguments[^1].ShouldBe("--");
        Should.Throw<InvalidOperationException>(() => sandbox.Arguments(_folder, Path.Combine(root, "code", "abc"), 512).ToArray());
    }
}
