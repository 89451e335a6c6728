using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests.Handlers;

public class BufferTests
{
    [Fact]
    public async Task AllocBuffer_GivesDistinctHandlesAndDisjointAlignedBases()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient a = await RawClient.ConnectAsync(server.LocalEndPoint);
        await using RawClient b = await RawClient.ConnectAsync(server.LocalEndPoint);
        var ranges = new List<(ulong Handle, ulong Base, ulong Size)>();
        foreach (RawClient client in new[] { a, b, a, b })
        {
            foreach (ulong size in new ulong[] { 1, 4096, 3 << 20 })
            {
                (ulong handle, ulong size2) = await client.AllocAsync(size);
                Assert.Equal(size, size2);
                ulong baseAddress = await client.GetBaseAsync(handle);
                Assert.NotEqual(0UL, baseAddress);
                Assert.Equal(0UL, baseAddress % 32);
                ranges.Add((handle, baseAddress, size));
            }
        }
        Assert.Equal(ranges.Count, ranges.Select(r => r.Handle).Distinct().Count());
        foreach (var x in ranges)
        {
            foreach (var y in ranges.Where(r => r.Handle != x.Handle))
            {
                Assert.True(x.Base + x.Size <= y.Base || y.Base + y.Size <= x.Base, "buffer ranges overlap");
            }
        }
    }

    [Fact]
    public async Task AllocBuffer_ZeroSize_GivesHandleWithSizeZero()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong size) = await client.AllocAsync(0);
        Assert.NotEqual(0UL, handle);
        Assert.Equal(0UL, size);
        Assert.Empty(await client.RequestAsync(RpcCommand.FreeBuffer, new BufferRequest(handle)));
    }

    [Fact]
    public async Task AllocBuffer_BeyondMemoryCap_AnswersZeroAndKeepsSession()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.MemoryMiB = 16);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        Assert.Equal((0UL, 0UL), await client.AllocAsync(17 << 20));
        Assert.Equal((0UL, 0UL), await client.AllocAsync(ulong.MaxValue));
        (ulong handle, _) = await client.AllocAsync(8 << 20);
        Assert.NotEqual(0UL, handle);
        Assert.Equal((0UL, 0UL), await client.AllocAsync(9 << 20));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task FreeBuffer_ReleasesMemoryAndForgetsHandle()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, _) = await client.AllocAsync(1 << 20);
        Assert.Equal(1UL << 20, server.HeldBytes);
        Assert.Empty(await client.RequestAsync(RpcCommand.FreeBuffer, new BufferRequest(handle)));
        Assert.Equal(0UL, server.HeldBytes);
        await client.SendAsync(RpcCommand.FreeBuffer, new BufferRequest(handle));
        await client.AssertClosedAsync();
    }

    [Fact]
    public async Task BufferClear_FillsWholeBuffer()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(1000);
        Assert.Empty(await client.RequestAsync(RpcCommand.BufferClear, new BufferClear.Request(handle, 0x5A)));
        byte[] data = await client.GetTensorAsync(Tensors.Bytes(handle, baseAddress, 1000), 0, 1000);
        Assert.All(data, b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public async Task SessionEnd_FreesAllItsBuffers()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using (RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint))
        {
            await client.AllocAsync(1 << 20);
            await client.AllocAsync(2 << 20);
            Assert.Equal(3UL << 20, server.HeldBytes);
        }
        await server.AssertDrainedAsync();
    }
}
