using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests;

public class SessionJudgeTests
{
    private static readonly ToleranceClass s_op = new("tbo-ADD.rpct", 1, "op", 1e-7);

    private static string? Judge(RpcCommand command, byte[] request, byte[] recorded, byte[] ours) =>
        new SessionJudge(s_op).Judge((byte)command, request, recorded, ours);

    private static byte[] Hello(byte major, byte minor, byte patch) => [major, minor, patch, 0, .. new byte[24]];

    [Fact]
    public void Hello_SameMajorMinor_PatchMayDiffer()
    {
        Assert.Null(Judge(RpcCommand.Hello, new byte[24], Hello(5, 1, 0), Hello(5, 1, 3)));
        Assert.NotNull(Judge(RpcCommand.Hello, new byte[24], Hello(5, 1, 0), Hello(5, 0, 0)));
        Assert.NotNull(Judge(RpcCommand.Hello, new byte[24], Hello(5, 1, 0), Hello(6, 1, 0)));
        Assert.NotNull(Judge(RpcCommand.Hello, new byte[24], Hello(5, 1, 0), [5, 1, 0, 0]));
    }

    [Theory]
    [InlineData(RpcCommand.DeviceCount)]
    [InlineData(RpcCommand.GetAlignment)]
    [InlineData(RpcCommand.GetAllocSize)]
    [InlineData(RpcCommand.CopyTensor)]
    [InlineData(RpcCommand.FreeBuffer)]
    [InlineData(RpcCommand.BufferClear)]
    [InlineData(RpcCommand.InitTensor)]
    [InlineData(RpcCommand.MemsetTensor)]
    public void IdenticalCommands_RequireIdenticalReplies(RpcCommand command)
    {
        Assert.Null(Judge(command, [], [1, 2], [1, 2]));
        Assert.NotNull(Judge(command, [], [1, 2], [1, 3]));
        Assert.NotNull(Judge(command, [], [], [0]));
    }

    [Fact]
    public void GetMaxSize_MustCoverLaterAllocations()
    {
        var judge = new SessionJudge(s_op);
        Assert.Null(judge.Judge((byte)RpcCommand.GetMaxSize, new byte[4], Requests.U64(ulong.MaxValue), Requests.U64(1000)));
        Assert.Null(judge.Judge((byte)RpcCommand.AllocBuffer, Requests.Alloc(0, 1000), Requests.U64(0xA, 1000), Requests.U64(0xB, 1000)));
        string? tooBig = judge.Judge((byte)RpcCommand.AllocBuffer, Requests.Alloc(0, 1001), Requests.U64(0xA, 1001),
            Requests.U64(0xB, 1001));
        Assert.Contains("GET_MAX_SIZE", tooBig);
        Assert.Null(judge.Judge((byte)RpcCommand.AllocBuffer, Requests.Alloc(1, 5000), Requests.U64(0xA, 5000), Requests.U64(0xB, 5000)));
    }

    [Theory]
    [InlineData(100UL, 200UL, true)]
    [InlineData(200UL, 200UL, true)]
    [InlineData(0UL, 200UL, false)]
    [InlineData(300UL, 200UL, false)]
    public void GetDeviceMemory_NeedsPositiveFreeNotAboveTotal(ulong free, ulong total, bool ok)
    {
        string? why = Judge(RpcCommand.GetDeviceMemory, new byte[4], Requests.U64(1, 1), Requests.U64(free, total));
        Assert.Equal(ok, why is null);
    }

    [Theory]
    [InlineData(0xAUL, 100UL, 0xBUL, 100UL, true)]
    [InlineData(0xAUL, 100UL, 0xBUL, 128UL, true)]
    [InlineData(0xAUL, 100UL, 0xBUL, 99UL, false)]
    [InlineData(0xAUL, 100UL, 0UL, 0UL, false)]
    [InlineData(0UL, 0UL, 0UL, 0UL, true)]
    public void AllocBuffer_HandleWhereRecordedAndSizeAtLeastRequested(ulong recPtr, ulong recSize, ulong ptr, ulong size, bool ok)
    {
        string? why = Judge(RpcCommand.AllocBuffer, Requests.Alloc(0, 100), Requests.U64(recPtr, recSize), Requests.U64(ptr, size));
        Assert.Equal(ok, why is null);
    }

    [Theory]
    [InlineData(0x1000UL, 0x7f00UL, true)]
    [InlineData(0x1000UL, 0x7f10UL, false)]
    [InlineData(0x1000UL, 0UL, false)]
    [InlineData(0UL, 0UL, true)]
    public void BufferGetBase_NonZeroMultipleOfAlignment(ulong recorded, ulong ours, bool ok)
    {
        Assert.Equal(ok, Judge(RpcCommand.BufferGetBase, Requests.U64(1), Requests.U64(recorded), Requests.U64(ours)) is null);
    }

    [Fact]
    public void BufferGetBase_UsesTheAlignmentTheSessionAnswered()
    {
        var judge = new SessionJudge(s_op);
        Assert.Null(judge.Judge((byte)RpcCommand.GetAlignment, new byte[4], Requests.U64(64), Requests.U64(64)));
        Assert.NotNull(judge.Judge((byte)RpcCommand.BufferGetBase, Requests.U64(1), Requests.U64(0x40), Requests.U64(0x1020)));
        Assert.Null(judge.Judge((byte)RpcCommand.BufferGetBase, Requests.U64(1), Requests.U64(0x40), Requests.U64(0x1040)));
    }

    [Theory]
    [InlineData(0, 0, true)]
    [InlineData(0, 1, true)]
    [InlineData(1, 1, true)]
    [InlineData(1, 0, false)]
    [InlineData(0, 2, false)]
    public void SetTensorHash_ZeroAcceptedUnlessTheRecordingHit(byte recorded, byte ours, bool ok)
    {
        string? why = Judge(RpcCommand.SetTensorHash, new byte[312], [recorded], [ours]);
        Assert.Equal(ok, why is null);
    }

    [Fact]
    public void GetTensor_FailureNamesTensorTypeShapeAndNmse()
    {
        byte[] request = Requests.TensorOffsetSize(Requests.Tensor(1, type: 0, ne0: 2, name: "ffn_out"), 0, 8);
        byte[] recorded = [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f)];
        byte[] ours = [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2.5f)];
        var judge = new SessionJudge(s_op);

        string? why = judge.Judge((byte)RpcCommand.GetTensor, request, recorded, ours);

        Assert.NotNull(why);
        Assert.Contains("'ffn_out' f32[2,1,1,1]", why);
        Assert.Contains("NMSE 0.05", why);
        Assert.Equal(0.05, judge.LastNmse, 9);
    }

    [Fact]
    public void UnknownCommand_RequiresIdenticalReply()
    {
        var judge = new SessionJudge(s_op);
        Assert.Null(judge.Judge(40, [], [7], [7]));
        Assert.NotNull(judge.Judge(40, [], [7], [8]));
    }
}
