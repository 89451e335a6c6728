using RpcWorker.Client;
using RpcWorker.Protocol;
using RpcWorker.Server;

namespace RpcWorker.Conformance.Tests;

internal static class ServerChecks
{
    /// <summary>Waits until every session has ended and every buffer is freed.</summary>
    public static async Task AssertDrainedAsync(RpcServer server)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while ((server.ActiveSessions != 0 || server.HeldBytes != 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.Equal(0, server.ActiveSessions);
        Assert.Equal(0UL, server.HeldBytes);
    }

    /// <summary>A clean client gets a full round trip: HELLO, allocation, upload, read-back, free.</summary>
    public static async Task AssertServesCleanClientAsync(RpcServer server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using RpcClient client = await RpcClient.ConnectAsync(server.LocalEndPoint, timeout.Token);
        Assert.Equal(ProtocolVersion.Current, await client.HelloAsync(timeout.Token));
        RpcBufferInfo buffer = await client.AllocBufferAsync(0, 4096, timeout.Token);
        Assert.True(buffer.IsAllocated);
        ulong baseAddress = await client.BufferGetBaseAsync(buffer.RemotePtr, timeout.Token);
        var t = new RpcTensor { Id = 1, Type = 0, Buffer = buffer.RemotePtr, Data = baseAddress };
        t.Ne[0] = 16;
        t.Ne[1] = t.Ne[2] = t.Ne[3] = 1;
        t.Nb[0] = 4;
        t.Nb[1] = t.Nb[2] = t.Nb[3] = 64;
        byte[] data = [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 3))];
        await client.SetTensorAsync(t, 0, data, timeout.Token);
        var back = new byte[64];
        await client.GetTensorAsync(t, 0, back, timeout.Token);
        Assert.Equal(data, back);
        await client.FreeBufferAsync(buffer.RemotePtr, timeout.Token);
    }
}
