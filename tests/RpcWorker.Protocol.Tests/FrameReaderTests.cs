using System.Buffers;
using System.Buffers.Binary;

namespace RpcWorker.Protocol.Tests;

public class FrameReaderTests
{
    private static readonly FrameReader s_reader = new(FrameLimits.Default);

    public static TheoryData<RpcCommand, int> FixedSizes => new()
    {
        { RpcCommand.AllocBuffer, 12 },
        { RpcCommand.GetAlignment, 4 },
        { RpcCommand.GetMaxSize, 4 },
        { RpcCommand.BufferGetBase, 8 },
        { RpcCommand.FreeBuffer, 8 },
        { RpcCommand.BufferClear, 9 },
        { RpcCommand.SetTensorHash, 312 },
        { RpcCommand.GetTensor, 312 },
        { RpcCommand.CopyTensor, 592 },
        { RpcCommand.GetDeviceMemory, 4 },
        { RpcCommand.InitTensor, 296 },
        { RpcCommand.GetAllocSize, 3260 },
        { RpcCommand.Hello, 24 },
        { RpcCommand.DeviceCount, 0 },
        { RpcCommand.GraphRecompute, 4 },
        { RpcCommand.MemsetTensor, 313 },
    };

    private static byte[] Frame(byte command, ulong declared, int payloadBytes)
    {
        var bytes = new byte[9 + payloadBytes];
        bytes[0] = command;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), declared);
        for (int i = 0; i < payloadBytes; i++)
        {
            bytes[9 + i] = (byte)(i * 7 + 1);
        }
        return bytes;
    }

    [Theory]
    [MemberData(nameof(FixedSizes))]
    public void FixedPayloadSize_MatchesProtocolTable(RpcCommand command, int size) =>
        Assert.Equal(size, FrameReader.FixedPayloadSize(command));

    [Theory]
    [MemberData(nameof(FixedSizes))]
    public void TryReadFrame_ExactFixedSize_ReturnsPayload(RpcCommand command, int size)
    {
        byte[] bytes = Frame((byte)command, (ulong)size, size);
        var buffer = new ReadOnlySequence<byte>(bytes);

        FrameReadStatus status = s_reader.TryReadFrame(buffer, out RequestHeader header, out ReadOnlySequence<byte> payload,
            out SequencePosition consumed, out FrameError error);

        Assert.Equal(FrameReadStatus.Ok, status);
        Assert.Equal(FrameError.None, error);
        Assert.Equal(command, header.Command);
        Assert.Equal((ulong)size, header.PayloadSize);
        Assert.Equal(bytes.AsSpan(9).ToArray(), payload.ToArray());
        Assert.Equal(bytes.Length, buffer.Slice(0, consumed).Length);
    }

    [Theory]
    [MemberData(nameof(FixedSizes))]
    public void TryReadHeader_FixedSizeOffByOne_IsInvalid(RpcCommand command, int size)
    {
        foreach (ulong declared in new[] { (ulong)size + 1, size == 0 ? ulong.MaxValue : (ulong)size - 1, ulong.MaxValue, 1UL << 63 })
        {
            var buffer = new ReadOnlySequence<byte>(Frame((byte)command, declared, 0));
            Assert.Equal(FrameReadStatus.Invalid, s_reader.TryReadHeader(buffer, out _, out FrameError error));
            Assert.Equal(FrameError.WrongSize, error);
        }
    }

    [Theory]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(127)]
    [InlineData(255)]
    public void TryReadHeader_UnknownCommand_IsInvalidFromTheFirstByte(byte command)
    {
        var one = new ReadOnlySequence<byte>(new[] { command });
        Assert.Equal(FrameReadStatus.Invalid, s_reader.TryReadHeader(one, out _, out FrameError error));
        Assert.Equal(FrameError.UnknownCommand, error);

        var full = new ReadOnlySequence<byte>(Frame(command, 0, 0));
        Assert.Equal(FrameReadStatus.Invalid, s_reader.TryReadHeader(full, out _, out error));
        Assert.Equal(FrameError.UnknownCommand, error);
    }

    [Theory]
    [MemberData(nameof(FixedSizes))]
    public void TryReadFrame_TruncatedAtEveryPosition_NeedsMoreData(RpcCommand command, int size)
    {
        byte[] bytes = Frame((byte)command, (ulong)size, size);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, cut);
            FrameReadStatus status = s_reader.TryReadFrame(buffer, out _, out _, out SequencePosition consumed, out FrameError error);
            Assert.Equal(FrameReadStatus.NeedMoreData, status);
            Assert.Equal(FrameError.None, error);
            Assert.Equal(0, buffer.Slice(0, consumed).Length);
        }
    }

    [Fact]
    public void TryReadFrame_SplitIntoSegmentsAtEveryPosition_ReadsTheSameFrame()
    {
        byte[] bytes = Frame((byte)RpcCommand.MemsetTensor, 313, 313);
        for (int split = 1; split < bytes.Length; split++)
        {
            ReadOnlySequence<byte> buffer = TestSequence.Split(bytes, split);
            Assert.Equal(FrameReadStatus.Ok, s_reader.TryReadFrame(buffer, out RequestHeader header,
                out ReadOnlySequence<byte> payload, out _, out _));
            Assert.Equal(RpcCommand.MemsetTensor, header.Command);
            Assert.Equal(bytes.AsSpan(9).ToArray(), payload.ToArray());
        }
    }

    [Fact]
    public void TryReadHeader_HeaderSplitAcrossSegments_ValidatesAfterNineBytes()
    {
        byte[] bytes = Frame((byte)RpcCommand.AllocBuffer, 13, 0);
        for (int split = 1; split < 9; split++)
        {
            ReadOnlySequence<byte> buffer = TestSequence.Split(bytes, split);
            Assert.Equal(FrameReadStatus.Invalid, s_reader.TryReadHeader(buffer, out _, out FrameError error));
            Assert.Equal(FrameError.WrongSize, error);
        }
    }

    [Fact]
    public void TryReadFrame_TwoFramesBackToBack_ConsumesOnlyTheFirst()
    {
        byte[] a = Frame((byte)RpcCommand.DeviceCount, 0, 0);
        byte[] b = Frame((byte)RpcCommand.GetAlignment, 4, 4);
        var buffer = new ReadOnlySequence<byte>([.. a, .. b]);

        Assert.Equal(FrameReadStatus.Ok, s_reader.TryReadFrame(buffer, out RequestHeader header, out _, out SequencePosition consumed, out _));
        Assert.Equal(RpcCommand.DeviceCount, header.Command);
        ReadOnlySequence<byte> rest = buffer.Slice(consumed);
        Assert.Equal(b.Length, rest.Length);
        Assert.Equal(FrameReadStatus.Ok, s_reader.TryReadFrame(rest, out header, out _, out _, out _));
        Assert.Equal(RpcCommand.GetAlignment, header.Command);
    }

    [Theory]
    [InlineData(0UL, FrameError.TooSmall)]
    [InlineData(303UL, FrameError.TooSmall)]
    [InlineData(304UL, FrameError.None)]
    [InlineData(FrameLimits.DefaultMaxSetTensorPayload, FrameError.None)]
    [InlineData(FrameLimits.DefaultMaxSetTensorPayload + 1, FrameError.TooLarge)]
    [InlineData(ulong.MaxValue, FrameError.TooLarge)]
    public void TryReadHeader_SetTensorSizes(ulong declared, FrameError expected)
    {
        var buffer = new ReadOnlySequence<byte>(Frame((byte)RpcCommand.SetTensor, declared, 0));
        FrameReadStatus status = s_reader.TryReadHeader(buffer, out RequestHeader header, out FrameError error);
        Assert.Equal(expected, error);
        Assert.Equal(expected == FrameError.None ? FrameReadStatus.Ok : FrameReadStatus.Invalid, status);
        if (expected == FrameError.None)
        {
            Assert.Equal(declared, header.PayloadSize);
        }
    }

    [Theory]
    [InlineData(0UL, FrameError.TooSmall)]
    [InlineData(11UL, FrameError.TooSmall)]
    [InlineData(12UL, FrameError.None)]
    [InlineData(FrameLimits.DefaultMaxGraphComputePayload, FrameError.None)]
    [InlineData(FrameLimits.DefaultMaxGraphComputePayload + 1, FrameError.TooLarge)]
    [InlineData(ulong.MaxValue, FrameError.TooLarge)]
    public void TryReadHeader_GraphComputeSizes(ulong declared, FrameError expected)
    {
        var buffer = new ReadOnlySequence<byte>(Frame((byte)RpcCommand.GraphCompute, declared, 0));
        s_reader.TryReadHeader(buffer, out _, out FrameError error);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryReadHeader_ConfiguredCaps_AreHonoured()
    {
        var reader = new FrameReader(new FrameLimits { MaxSetTensorPayload = 1000, MaxGraphComputePayload = 100 });
        Assert.Equal(FrameError.None, reader.Validate(RpcCommand.SetTensor, 1000));
        Assert.Equal(FrameError.TooLarge, reader.Validate(RpcCommand.SetTensor, 1001));
        Assert.Equal(FrameError.None, reader.Validate(RpcCommand.GraphCompute, 100));
        Assert.Equal(FrameError.TooLarge, reader.Validate(RpcCommand.GraphCompute, 101));
    }

    [Fact]
    public void TryReadFrame_OversizeDeclared_IsRejectedWithoutPayload()
    {
        var buffer = new ReadOnlySequence<byte>(Frame((byte)RpcCommand.GraphCompute, ulong.MaxValue, 0));
        Assert.Equal(FrameReadStatus.Invalid, s_reader.TryReadFrame(buffer, out _, out _, out _, out FrameError error));
        Assert.Equal(FrameError.TooLarge, error);
    }

    [Fact]
    public void CommandCount_Is18() => Assert.Equal(18, FrameReader.CommandCount);
}
