using System.Net;
using System.Net.Sockets;
using Shouldly;

namespace Tideway.Compat.Tests;

/// <summary>
/// <c>tideway serve</c> is not an ASP.NET Core application of the folder it runs in: an appsettings.json there does not
/// configure it, and it watches no file (a watcher over the working directory woke on every write of a data
/// directory below it).
/// </summary>
public sealed class ServeWorkingDirectoryTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("tideway-serve-cwd-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task an_appsettings_file_in_the_working_directory_is_ignored_and_nothing_is_watched()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "appsettings.json"),
            $$"""{ "Kestrel": { "Endpoints": { "Http": { "Url": "http://127.0.0.1:{{port}}" } } } }""", TestContext.Current.CancellationToken);

        await using var server = await ServerProcess.StartInAsync(_folder.FullName, Path.Combine(_folder.FullName, ".tideway"));
        using var http = new HttpClient();
        (await http.GetAsync(new Uri(server.Endpoint + "/health"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The endpoint of the user's appsettings.json is not bound.
        using var client = new TcpClient();
        await Should.ThrowAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken).AsTask());
        // No inotify instance: nothing watches the folder (or the data directory inside it).
        var descriptors = new DirectoryInfo($"/proc/{server.Id}/fd").GetFileSystemInfos().Select(f => f.LinkTarget).ToList();
        descriptors.ShouldNotBeEmpty();
        descriptors.ShouldNotContain(target => target != null && target.Contains("inotify", StringComparison.Ordinal), string.Join(", ", descriptors));
    }
}
