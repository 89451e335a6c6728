using RpcWorker.Conformance.Transcripts;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests.Transcripts;

public class TranscriptReaderTests
{
    private static TranscriptReader Reader(byte[] bytes) => new(new MemoryStream(bytes));

    [Fact]
    public void ReadSession_ReadsRecordsAndSessionsInOrder()
    {
        byte[] file = new TranscriptBuilder()
            .Session().Record(14, new byte[24], new byte[28]).Record(6, [1, 2, 3], null).End()
            .Session(5, 0, 7).Record(15, [], [1, 0, 0, 0]).End()
            .ToArray();
        using TranscriptReader reader = Reader(file);

        TranscriptSession first = reader.ReadSession()!;
        TranscriptSession second = reader.ReadSession()!;

        Assert.Null(reader.ReadSession());
        Assert.Equal(0, first.Index);
        Assert.Equal(new ProtocolVersion(5, 1, 0), first.Version);
        Assert.Equal(2, first.RecordCount);
        Assert.Equal(14, first.Records[0].Command);
        Assert.Equal(28, first.Records[0].Response!.Length);
        Assert.False(first.Records[1].HasResponse);
        Assert.Equal(new byte[] { 1, 2, 3 }, first.Records[1].Request);
        Assert.Equal(1, second.Index);
        Assert.Equal(new ProtocolVersion(5, 0, 7), second.Version);
        Assert.Empty(second.Records[0].Request);
    }

    [Fact]
    public void ReadSession_WithFilter_KeepsIndicesOfLoadedRecords()
    {
        byte[] file = new TranscriptBuilder()
            .Session().Record(14, new byte[24], new byte[28]).Record(10, [9, 9], null).Record(8, new byte[312], [5]).End()
            .ToArray();
        using TranscriptReader reader = Reader(file);

        TranscriptSession s = reader.ReadSession(c => c == 10)!;

        TranscriptRecord only = Assert.Single(s.Records);
        Assert.Equal(1, only.Index);
        Assert.Equal(3, s.RecordCount);
    }

    [Fact]
    public void ReadSessions_OnEmptyStream_YieldsNothing()
    {
        using TranscriptReader reader = Reader([]);
        Assert.Empty(reader.ReadSessions());
    }

    public static TheoryData<byte[]> BadFiles()
    {
        byte[] good = new TranscriptBuilder().Session().Record(15, [], [1, 0, 0, 0]).End().ToArray();
        byte[] badMagic = (byte[])good.Clone();
        badMagic[0] = (byte)'X';
        byte[] badFormat = (byte[])good.Clone();
        badFormat[4] = 2;
        byte[] badFlag = new TranscriptBuilder().Session().Record(15, [], [1]).End().ToArray();
        badFlag[12 + 9] = 7;
        byte[] endWithPayload = new TranscriptBuilder().Session().Record(255, [1], null).ToArray();
        byte[] hugeLength = new TranscriptBuilder().Session().Record(15, [], null).ToArray();
        BitConverter.TryWriteBytes(hugeLength.AsSpan(13), ulong.MaxValue);
        return new TheoryData<byte[]>
        {
            good[..^5],
            good[..6],
            badMagic,
            badFormat,
            badFlag,
            endWithPayload,
            hugeLength,
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ReadSession_MalformedFile_Throws(byte[] file)
    {
        using TranscriptReader reader = Reader(file);
        Assert.Throws<TranscriptFormatException>(() => reader.ReadSessions().ToList());
    }
}
