using System.Buffers.Binary;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests;

public class HandleRemapperTests
{
    private static HandleRemapper Mapped()
    {
        var m = new HandleRemapper();
        m.OnAllocated(0xA0, 1024, 0x5000);
        m.OnBase(0xA0, 0x10000, 0x90000);
        m.OnAllocated(0xB0, 64, 0x6000);
        m.OnBase(0xB0, 0x20000, 0x70040);
        return m;
    }

    [Theory]
    [InlineData(RpcCommand.FreeBuffer)]
    [InlineData(RpcCommand.BufferGetBase)]
    public void Rewrite_BufferCommand_ReplacesRemotePtr(RpcCommand command)
    {
        byte[] request = Requests.U64(0xB0);
        Mapped().Rewrite((byte)command, request);
        Assert.Equal(0x6000UL, BinaryPrimitives.ReadUInt64LittleEndian(request));
    }

    [Fact]
    public void Rewrite_BufferClear_KeepsValue()
    {
        byte[] request = [.. Requests.U64(0xA0), 0x7F];
        Mapped().Rewrite((byte)RpcCommand.BufferClear, request);
        Assert.Equal(0x5000UL, BinaryPrimitives.ReadUInt64LittleEndian(request));
        Assert.Equal(0x7F, request[8]);
    }

    [Fact]
    public void Rewrite_SetTensor_MapsBufferAndDataOnly()
    {
        RpcTensor t = Requests.Tensor(id: 0x1234, buffer: 0xA0, data: 0x10100);
        t.Src[0] = 0xA0;
        t.ViewSrc = 0xB0;
        byte[] request = [.. Requests.Bytes(t), .. Requests.U64(8), 1, 2, 3];

        Mapped().Rewrite((byte)RpcCommand.SetTensor, request);

        var r = RpcTensor.Read(request);
        Assert.Equal(0x5000UL, r.Buffer);
        Assert.Equal(0x90100UL, r.Data);
        Assert.Equal(0x1234UL, r.Id);
        Assert.Equal(0xA0UL, r.Src[0]);
        Assert.Equal(0xB0UL, r.ViewSrc);
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3 }, request[296..]);
    }

    [Fact]
    public void Rewrite_CopyTensor_MapsBothTensors()
    {
        byte[] request = [.. Requests.Bytes(Requests.Tensor(1, buffer: 0xA0, data: 0x10000)),
            .. Requests.Bytes(Requests.Tensor(2, buffer: 0xB0, data: 0x20010))];
        Mapped().Rewrite((byte)RpcCommand.CopyTensor, request);
        Assert.Equal(0x90000UL, RpcTensor.Read(request).Data);
        Assert.Equal(0x70050UL, RpcTensor.Read(request.AsSpan(296)).Data);
        Assert.Equal(0x6000UL, RpcTensor.Read(request.AsSpan(296)).Buffer);
    }

    [Fact]
    public void Rewrite_GetAllocSize_MapsTensorAndSources()
    {
        var request = new byte[4 + 11 * RpcTensor.Size];
        Requests.Tensor(1, buffer: 0xA0, data: 0x10040).Write(request.AsSpan(4));
        Requests.Tensor(2, buffer: 0xB0, data: 0x20000).Write(request.AsSpan(4 + 10 * RpcTensor.Size));
        Mapped().Rewrite((byte)RpcCommand.GetAllocSize, request);
        Assert.Equal(0x90040UL, RpcTensor.Read(request.AsSpan(4)).Data);
        Assert.True(RpcTensor.Read(request.AsSpan(4 + RpcTensor.Size)).IsNull);
        Assert.Equal(0x70040UL, RpcTensor.Read(request.AsSpan(4 + 10 * RpcTensor.Size)).Data);
    }

    [Fact]
    public void Rewrite_GraphCompute_MapsEveryTensorAndLeavesNullBuffersAlone()
    {
        byte[] request = Requests.Graph(0, [0x2],
            Requests.Tensor(1, buffer: 0xA0, data: 0x10010),
            Requests.Tensor(2, buffer: 0xB0, data: 0x20020),
            Requests.Tensor(3));
        Mapped().Rewrite((byte)RpcCommand.GraphCompute, request);
        Assert.Equal(0x90010UL, RpcTensor.Read(request.AsSpan(20)).Data);
        Assert.Equal(0x70060UL, RpcTensor.Read(request.AsSpan(20 + 296)).Data);
        Assert.Equal(0UL, RpcTensor.Read(request.AsSpan(20 + 592)).Buffer);
        Assert.Equal(0UL, RpcTensor.Read(request.AsSpan(20 + 592)).Data);
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(request.AsSpan(8)));
    }

    [Fact]
    public void Rewrite_UnknownBuffer_Throws()
    {
        byte[] request = Requests.TensorOffsetSize(Requests.Tensor(1, buffer: 0xC0, data: 0x1), 0, 4);
        ReplayException e = Assert.Throws<ReplayException>(() => Mapped().Rewrite((byte)RpcCommand.GetTensor, request));
        Assert.Contains("0xc0", e.Message);
    }

    [Fact]
    public void Rewrite_AddressOutsideRecordedBuffer_Throws()
    {
        byte[] request = Requests.TensorOffsetSize(Requests.Tensor(1, buffer: 0xB0, data: 0x20100), 0, 4);
        Assert.Throws<ReplayException>(() => Mapped().Rewrite((byte)RpcCommand.GetTensor, request));
    }

    [Fact]
    public void Rewrite_AddressBeforeBase_Throws()
    {
        var m = new HandleRemapper();
        m.OnAllocated(0xA0, 1024, 0x5000);
        byte[] request = Requests.TensorOffsetSize(Requests.Tensor(1, buffer: 0xA0, data: 0x10000), 0, 4);
        Assert.Throws<ReplayException>(() => m.Rewrite((byte)RpcCommand.GetTensor, request));
    }

    [Fact]
    public void OnFreed_ForgetsTheBuffer()
    {
        HandleRemapper m = Mapped();
        m.OnFreed(0xA0);
        Assert.False(m.TryMapBuffer(0xA0, out _));
        Assert.Throws<ReplayException>(() => m.Rewrite((byte)RpcCommand.FreeBuffer, Requests.U64(0xA0)));
        Assert.Equal(1, m.Count);
    }

    [Fact]
    public void Rewrite_TooShortRequest_Throws()
    {
        Assert.Throws<ReplayException>(() => Mapped().Rewrite((byte)RpcCommand.InitTensor, new byte[100]));
        Assert.Throws<ReplayException>(() => Mapped().Rewrite((byte)RpcCommand.GraphCompute, Requests.Graph(0, [1, 2])[..20]));
    }
}
