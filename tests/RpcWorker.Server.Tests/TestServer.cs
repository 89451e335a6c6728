using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RpcWorker.Server.Tests;

/// <summary>Starts a server on a free loopback port, with a small memory cap and one compute thread.</summary>
internal static class TestServer
{
    public static async Task<RpcServer> StartAsync(Action<ServerOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new ServerOptions { Port = 0, Threads = 1, MemoryMiB = 512 };
        configure?.Invoke(options);
        var server = new RpcServer(options, loggerFactory ?? NullLoggerFactory.Instance);
        await server.StartAsync();
        return server;
    }

    /// <summary>Waits until every session has ended and every buffer is freed.</summary>
    public static async Task AssertDrainedAsync(this RpcServer server)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while ((server.ActiveSessions != 0 || server.HeldBytes != 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.Equal(0, server.ActiveSessions);
        Assert.Equal(0UL, server.HeldBytes);
    }

    /// <summary>Proves a fresh client is still served.</summary>
    public static async Task AssertServesNewClientAsync(this RpcServer server)
    {
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        await client.AssertAliveAsync();
        (ulong handle, ulong size) = await client.AllocAsync(4096);
        Assert.NotEqual(0UL, handle);
        Assert.Equal(4096UL, size);
    }
}
