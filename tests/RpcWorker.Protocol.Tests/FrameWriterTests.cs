using System.Buffers;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Protocol.Tests;

public class FrameWriterTests
{
    [Fact]
    public void WriteEmptyResponse_IsEightZeroBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteEmptyResponse(writer);
        Assert.Equal(new byte[8], writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteResponse_HelloReply_GoldenBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteResponse(writer, new Hello.Response(ProtocolVersion.Current, default));
        byte[] expected = [28, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0, 0, .. new byte[24]];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteResponse_DeviceMemory_GoldenBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteResponse(writer, new GetDeviceMemory.Response(0x0102030405060708, 0x1112131415161718));
        byte[] expected =
        [
            16, 0, 0, 0, 0, 0, 0, 0,
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
            0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
        ];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteRequest_AllocBuffer_GoldenBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteRequest(writer, RpcCommand.AllocBuffer, new AllocBuffer.Request(0, 0x1000));
        byte[] expected = [0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteRequestHeader_ThenBytes_RoundTripsThroughFrameReader()
    {
        var writer = new ArrayBufferWriter<byte>(16);
        byte[] data = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var header = new SetTensor.Header(default, 64);
        FrameWriter.WriteRequestHeader(writer, RpcCommand.SetTensor, (ulong)(SetTensor.Header.WireSize + data.Length));
        Span<byte> headerBytes = stackalloc byte[SetTensor.Header.WireSize];
        header.Write(headerBytes);
        FrameWriter.WriteBytes(writer, headerBytes);
        FrameWriter.WriteBytes(writer, data);

        var reader = new FrameReader(FrameLimits.Default);
        Assert.Equal(FrameReadStatus.Ok, reader.TryReadFrame(new ReadOnlySequence<byte>(writer.WrittenMemory),
            out RequestHeader read, out ReadOnlySequence<byte> payload, out _, out _));
        Assert.Equal(RpcCommand.SetTensor, read.Command);
        Assert.Equal(64UL, SetTensor.Header.Read(payload.FirstSpan).Offset);
        Assert.Equal(data, payload.Slice(SetTensor.Header.WireSize).ToArray());
    }

    [Fact]
    public void WriteBytes_SmallSegments_CopiesEverything()
    {
        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(minimumSegmentSize: 16));
        byte[] data = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 3)).ToArray();
        FrameWriter.WriteBytes(pipe.Writer, data);
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out System.IO.Pipelines.ReadResult result));
        Assert.Equal(data, result.Buffer.ToArray());
    }
}
