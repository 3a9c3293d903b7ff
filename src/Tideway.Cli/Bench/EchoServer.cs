using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tideway.Cli.Bench;

/// <summary>
/// The ceiling of <c>bench sqs</c>: Kestrel configured as the Tideway server is, reading each request body
/// and answering a canned SendMessageBatch-sized JSON response, doing nothing else.
/// </summary>
internal static class EchoServer
{
    private static readonly byte[] Response = System.Text.Encoding.UTF8.GetBytes(
        "{\"Successful\":[" + string.Join(',', Enumerable.Range(0, 10).Select(i =>
            $"{{\"Id\":\"e{i}\",\"MessageId\":\"{Guid.NewGuid()}\",\"MD5OfMessageBody\":\"0123456789abcdef0123456789abcdef\"}}")) + "],\"Failed\":[]}");

    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(System.Net.IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            var buffer = new byte[context.Request.ContentLength ?? 0];
            await context.Request.Body.ReadExactlyAsync(buffer);
            context.Response.ContentType = "application/x-amz-json-1.0";
            context.Response.ContentLength = Response.Length;
            await context.Response.Body.WriteAsync(Response);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine("echo listening on " + address);
        await Console.Out.FlushAsync();
        await app.WaitForShutdownAsync();
        return 0;
    }
}
