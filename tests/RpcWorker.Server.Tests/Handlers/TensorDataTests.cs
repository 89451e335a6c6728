using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests.Handlers;

public class TensorDataTests
{
    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 13 + seed)).ToArray();

    [Fact]
    public async Task SetThenGet_RoundTripsAtOffsets()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(4096);
        RpcTensor tensor = Tensors.F32(1, handle, baseAddress + 256, 512);
        byte[] data = Pattern(1000, 3);
        await client.SetTensorAsync(tensor, 100, data);
        Assert.Equal(data, await client.GetTensorAsync(tensor, 100, 1000));
        Assert.Equal(data.AsSpan(10, 20).ToArray(), await client.GetTensorAsync(tensor, 110, 20));
        Assert.Empty(await client.GetTensorAsync(tensor, 0, 0));
    }

    [Fact]
    public async Task SetTensor_LargeUpload_StreamsIntoBuffer()
    {
        const int size = 48 << 20;
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(size);
        byte[] data = Pattern(size, 7);
        RpcTensor tensor = Tensors.Bytes(handle, baseAddress, size);
        await client.SetTensorAsync(tensor, 0, data);
        byte[] back = await client.GetTensorAsync(tensor, 0, size);
        Assert.True(data.AsSpan().SequenceEqual(back));
    }

    /// <summary>Reads on both sides of the direct-send threshold, back to back on one connection, keep the framing.</summary>
    [Theory]
    [InlineData(0, 65536)]
    [InlineData(5, 65537)]
    [InlineData(3, 1048579)]
    public async Task GetTensor_AroundDirectSendThreshold_AnswersExactBytes(int offset, int size)
    {
        const int bufferSize = 2 << 20;
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(bufferSize);
        byte[] data = Pattern(bufferSize, 11);
        RpcTensor tensor = Tensors.Bytes(handle, baseAddress, bufferSize);
        await client.SetTensorAsync(tensor, 0, data);
        for (int round = 0; round < 3; round++)
        {
            byte[] back = await client.GetTensorAsync(tensor, (ulong)offset, (ulong)size);
            Assert.True(data.AsSpan(offset, size).SequenceEqual(back));
            Assert.Equal(data.AsSpan(offset + size - 7, 7).ToArray(), await client.GetTensorAsync(tensor, (ulong)(offset + size - 7), 7));
        }
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task SetTensor_PayloadInPiecesWithNextRequestBehindIt_LandsWhole()
    {
        // The header arrives with a little of the data (read through the pipe), the rest in pauses (received straight
        // into the buffer), and the last piece carries the next request: none of it may be lost or taken as data.
        const int size = (1 << 20) + 123;
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(size);
        RpcTensor tensor = Tensors.Bytes(handle, baseAddress, size);
        byte[] data = Pattern(size, 5);
        byte[] frame = RawClient.Frame(RpcCommand.SetTensor, Concat(RawClient.Bytes(new SetTensor.Header(tensor, 0)), data));
        byte[] next = RawClient.Frame(RpcCommand.GetTensor, RawClient.Bytes(new GetTensor.Request(tensor, 0, (ulong)size)));
        int[] cuts = [9 + SetTensor.Header.WireSize + 1000, 9 + SetTensor.Header.WireSize + 70_000, frame.Length - 10];
        int at = 0;
        foreach (int cut in cuts)
        {
            await client.SendRawAsync(frame.AsMemory(at, cut - at));
            at = cut;
            await Task.Delay(20);
        }
        byte[] tail = Concat(frame[at..], next);
        await client.SendRawAsync(tail);
        byte[] back = await client.ReadResponseAsync();
        Assert.True(data.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task SetTensor_ReachingBufferEnd_IsAccepted()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(64);
        RpcTensor tensor = Tensors.Bytes(handle, baseAddress, 64);
        await client.SetTensorAsync(tensor, 60, [1, 2, 3, 4]);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, await client.GetTensorAsync(tensor, 60, 4));
    }

    [Fact]
    public async Task MemsetTensor_FillsRangeOnly()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(64);
        RpcTensor tensor = Tensors.Bytes(handle, baseAddress, 64);
        await client.SetTensorAsync(tensor, 0, new byte[64]);
        Assert.Empty(await client.RequestAsync(RpcCommand.MemsetTensor, new MemsetTensor.Request(tensor, 8, 16, 0xEE)));
        byte[] data = await client.GetTensorAsync(tensor, 0, 64);
        Assert.Equal([.. new byte[8], .. Enumerable.Repeat((byte)0xEE, 16), .. new byte[40]], data);
    }

    [Fact]
    public async Task CopyTensor_CopiesSourceBytesAndAnswersOne()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong a, ulong baseA) = await client.AllocWithBaseAsync(256);
        (ulong b, ulong baseB) = await client.AllocWithBaseAsync(256);
        RpcTensor src = Tensors.F32(1, a, baseA, 32);
        RpcTensor dst = Tensors.F32(2, b, baseB + 64, 32);
        byte[] data = Pattern(128, 1);
        await client.SetTensorAsync(src, 0, data);
        byte[] result = await client.RequestAsync(RpcCommand.CopyTensor, new CopyTensor.Request(src, dst));
        Assert.Equal(new byte[] { 1 }, result);
        Assert.Equal(data, await client.GetTensorAsync(dst, 0, 128));
    }

    [Fact]
    public async Task InitTensor_AnswersEmpty()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(256);
        Assert.Empty(await client.RequestAsync(RpcCommand.InitTensor, new InitTensor.Request(Tensors.F32(1, handle, baseAddress, 8))));
        Assert.Empty(await client.RequestAsync(RpcCommand.InitTensor, new InitTensor.Request(Tensors.F32(1, 0, 0, 8))));
    }

    [Theory]
    [InlineData(0u, 4u, 100u, 400UL)]
    [InlineData(2u, 18u, 64u, 36UL)]
    [InlineData(12u, 144u, 512u, 288UL)]
    public async Task GetAllocSize_IsNBytes(uint type, uint typeSize, uint ne0, ulong expected)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        RpcTensor tensor = Tensors.Contiguous(1, type, typeSize, 0, 0, ne0);
        if (type != 0)
        {
            int block = type == 2 ? 32 : 256;
            tensor.Nb[1] = typeSize * ne0 / (uint)block;
            tensor.Nb[2] = tensor.Nb[1];
            tensor.Nb[3] = tensor.Nb[1];
        }
        var request = new GetAllocSize.Request { Device = 0, Tensor = tensor };
        request.Srcs[0] = Tensors.F32(2, 0, 0, 4);
        Assert.Equal(expected, U64Response.Read(await client.RequestAsync(RpcCommand.GetAllocSize, request)).Value);
    }
}
