using System.Buffers.Binary;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests.Handlers;

public class DeviceQueryTests
{
    [Fact]
    public async Task Hello_AnswersProtocol510WithZeroCaps()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint, hello: false);
        byte[] reply = await client.RequestAsync(RpcCommand.Hello, new byte[24]);
        Assert.Equal([5, 1, 0, 0, .. new byte[24]], reply);
    }

    [Fact]
    public async Task DeviceCountAlignmentMaxSize_MatchCpuBackend()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.MemoryMiB = 64);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(await client.RequestAsync(RpcCommand.DeviceCount, [])));
        Assert.Equal(32UL, U64Response.Read(await client.RequestAsync(RpcCommand.GetAlignment, new DeviceRequest(0))).Value);
        Assert.Equal(64UL << 20, U64Response.Read(await client.RequestAsync(RpcCommand.GetMaxSize, new DeviceRequest(0))).Value);
    }

    [Fact]
    public async Task GetMaxSize_WithoutMemoryCap_IsSizeMax()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.MemoryMiB = null);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        Assert.Equal(ulong.MaxValue, U64Response.Read(await client.RequestAsync(RpcCommand.GetMaxSize, new DeviceRequest(0))).Value);
        GetDeviceMemory.Response memory = GetDeviceMemory.Response.Read(await client.RequestAsync(RpcCommand.GetDeviceMemory, new DeviceRequest(0)));
        Assert.Equal(SystemInfo.PhysicalMemoryBytes, memory.Total);
    }

    [Fact]
    public async Task GetDeviceMemory_FreeIsCapMinusHeld()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.MemoryMiB = 64);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        GetDeviceMemory.Response before = GetDeviceMemory.Response.Read(await client.RequestAsync(RpcCommand.GetDeviceMemory, new DeviceRequest(0)));
        Assert.Equal(64UL << 20, before.Total);
        Assert.Equal(before.Total, before.Free);

        await client.AllocAsync(10 << 20);
        GetDeviceMemory.Response after = GetDeviceMemory.Response.Read(await client.RequestAsync(RpcCommand.GetDeviceMemory, new DeviceRequest(0)));
        Assert.Equal(before.Total - (10UL << 20), after.Free);
        Assert.Equal(10UL << 20, server.HeldBytes);
    }

    [Theory]
    [InlineData(RpcCommand.GetAlignment)]
    [InlineData(RpcCommand.GetMaxSize)]
    [InlineData(RpcCommand.GetDeviceMemory)]
    [InlineData(RpcCommand.GraphRecompute)]
    public async Task DeviceOtherThanZero_ClosesSession(RpcCommand command)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync(command, new DeviceRequest(1));
        await client.AssertClosedAsync();
        await server.AssertServesNewClientAsync();
    }

    [Fact]
    public async Task AllocBuffer_OnDeviceOne_ClosesSession()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync(RpcCommand.AllocBuffer, new AllocBuffer.Request(1, 64));
        await client.AssertClosedAsync();
    }
}
