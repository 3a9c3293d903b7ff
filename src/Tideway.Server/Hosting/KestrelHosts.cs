using Microsoft.AspNetCore.Builder;

namespace Tideway.Server.Hosting;

/// <summary>How the server's Kestrel hosts (the AWS APIs, the Lambda Runtime API) are built.</summary>
internal static class KestrelHosts
{
    /// <summary>
    /// A slim builder whose content root is Tideway's own folder and which watches no file. By default the host
    /// reads appsettings.json from the working directory and watches it for changes: a watcher over the whole tree
    /// below, woken by every write of a data directory inside it (the SQLite log: about 5 % of the bytes a
    /// SendMessageBatch allocated went to FileSystemWatcher events), and a user's own appsettings.json could
    /// configure Tideway's Kestrel. The watch setting is set through the environment: passed among the builder's
    /// arguments it had no effect here. Function environments do not inherit it (their environment is built from scratch).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        return WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
    }
}
