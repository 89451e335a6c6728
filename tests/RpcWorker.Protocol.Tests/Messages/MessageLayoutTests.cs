using System.Buffers.Binary;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Protocol.Tests.Messages;

public class MessageLayoutTests
{
    private static RpcTensor SampleTensor(ulong id)
    {
        var t = new RpcTensor { Id = id, Type = 1, Buffer = 0xB0, Data = 0x2000, Op = 0 };
        t.Ne[0] = 8;
        t.Nb[0] = 2;
        return t;
    }

    private static byte[] Bytes<T>(in T message)
        where T : struct, IWireMessage<T>
    {
        var bytes = new byte[T.WireSize];
        message.Write(bytes);
        return bytes;
    }

    private static void AssertRoundTrip<T>(T message)
        where T : struct, IWireMessage<T>
    {
        byte[] bytes = Bytes(message);
        Assert.Equal(bytes, Bytes(T.Read(bytes)));
    }

    [Fact]
    public void Sizes_MatchProtocol510()
    {
        Assert.Equal(12, AllocBuffer.Request.WireSize);
        Assert.Equal(16, AllocBuffer.Response.WireSize);
        Assert.Equal(4, DeviceRequest.WireSize);
        Assert.Equal(8, BufferRequest.WireSize);
        Assert.Equal(8, U64Response.WireSize);
        Assert.Equal(1, ResultResponse.WireSize);
        Assert.Equal(9, BufferClear.Request.WireSize);
        Assert.Equal(304, SetTensor.Header.WireSize);
        Assert.Equal(312, SetTensorHash.Request.WireSize);
        Assert.Equal(312, GetTensor.Request.WireSize);
        Assert.Equal(592, CopyTensor.Request.WireSize);
        Assert.Equal(16, GetDeviceMemory.Response.WireSize);
        Assert.Equal(296, InitTensor.Request.WireSize);
        Assert.Equal(3260, GetAllocSize.Request.WireSize);
        Assert.Equal(24, Hello.Request.WireSize);
        Assert.Equal(28, Hello.Response.WireSize);
        Assert.Equal(0, DeviceCount.RequestSize);
        Assert.Equal(4, DeviceCount.Response.WireSize);
        Assert.Equal(313, MemsetTensor.Request.WireSize);
    }

    [Fact]
    public void AllocBuffer_GoldenBytes()
    {
        Assert.Equal(new byte[] { 3, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 },
            Bytes(new AllocBuffer.Request(3, 0x1122334455667788)));
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 }, Bytes(new AllocBuffer.Response(1, 2)));
        AssertRoundTrip(new AllocBuffer.Request(7, ulong.MaxValue));
        AssertRoundTrip(new AllocBuffer.Response(0xABCDEF, 42));
    }

    [Fact]
    public void BufferClear_GoldenBytes()
    {
        Assert.Equal(new byte[] { 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0xFF }, Bytes(new BufferClear.Request(0x2010, 0xFF)));
        AssertRoundTrip(new BufferClear.Request(ulong.MaxValue, 3));
    }

    [Fact]
    public void TensorMessages_PlaceScalarsAfterTheTensor()
    {
        RpcTensor t = SampleTensor(0x99);
        byte[] memset = Bytes(new MemsetTensor.Request(t, 0x10, 0x20, 0xAB));
        Assert.Equal(0x99UL, BinaryPrimitives.ReadUInt64LittleEndian(memset));
        Assert.Equal(0x10UL, BinaryPrimitives.ReadUInt64LittleEndian(memset.AsSpan(296)));
        Assert.Equal(0x20UL, BinaryPrimitives.ReadUInt64LittleEndian(memset.AsSpan(304)));
        Assert.Equal(0xAB, memset[312]);

        byte[] get = Bytes(new GetTensor.Request(t, 5, 6));
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(get.AsSpan(296)));
        Assert.Equal(6UL, BinaryPrimitives.ReadUInt64LittleEndian(get.AsSpan(304)));

        byte[] hash = Bytes(new SetTensorHash.Request(t, 7, 0xcbf29ce484222325));
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(hash.AsSpan(296)));
        Assert.Equal(0xcbf29ce484222325UL, BinaryPrimitives.ReadUInt64LittleEndian(hash.AsSpan(304)));

        byte[] set = Bytes(new SetTensor.Header(t, 9));
        Assert.Equal(9UL, BinaryPrimitives.ReadUInt64LittleEndian(set.AsSpan(296)));

        AssertRoundTrip(new MemsetTensor.Request(t, 1, 2, 3));
        AssertRoundTrip(new GetTensor.Request(t, 1, 2));
        AssertRoundTrip(new SetTensorHash.Request(t, 1, 2));
        AssertRoundTrip(new SetTensor.Header(t, 1));
        AssertRoundTrip(new InitTensor.Request(t));
    }

    [Fact]
    public void CopyTensor_SrcThenDst()
    {
        byte[] bytes = Bytes(new CopyTensor.Request(SampleTensor(1), SampleTensor(2)));
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(296)));
        CopyTensor.Request back = CopyTensor.Request.Read(bytes);
        Assert.Equal(1UL, back.Src.Id);
        Assert.Equal(2UL, back.Dst.Id);
    }

    [Fact]
    public void GetAllocSize_DeviceTensorAndTenSources()
    {
        var request = new GetAllocSize.Request { Device = 2, Tensor = SampleTensor(100) };
        for (int i = 0; i < RpcTensor.MaxSrc; i++)
        {
            request.Srcs[i] = SampleTensor((ulong)(200 + i));
        }
        byte[] bytes = Bytes(request);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(100UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(4)));
        for (int i = 0; i < RpcTensor.MaxSrc; i++)
        {
            Assert.Equal((ulong)(200 + i), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(300 + 296 * i)));
        }
        GetAllocSize.Request back = GetAllocSize.Request.Read(bytes);
        Assert.Equal(209UL, back.Srcs[9].Id);
        Assert.Equal(bytes, Bytes(back));
    }

    [Fact]
    public void Hello_GoldenBytes()
    {
        var caps = new Hello.ConnCaps();
        caps[0] = 0xAA;
        caps[23] = 0xBB;
        byte[] request = Bytes(new Hello.Request(caps));
        Assert.Equal(0xAA, request[0]);
        Assert.Equal(0xBB, request[23]);

        byte[] response = Bytes(new Hello.Response(new ProtocolVersion(5, 1, 0), default));
        Assert.Equal([5, 1, 0, 0, .. new byte[24]], response);
        Assert.Equal(ProtocolVersion.Current, Hello.Response.Read(response).Version);
    }

    [Fact]
    public void SmallResponses_GoldenBytes()
    {
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, Bytes(new DeviceCount.Response(1)));
        Assert.Equal(new byte[] { 32, 0, 0, 0, 0, 0, 0, 0 }, Bytes(new U64Response(32)));
        Assert.Equal(new byte[] { 1 }, Bytes(new ResultResponse(1)));
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, Bytes(new DeviceRequest(0)));
        Assert.Equal(new byte[] { 0xEF, 0xBE, 0xAD, 0xDE, 0, 0, 0, 0 }, Bytes(new BufferRequest(0xDEADBEEF)));
    }
}
