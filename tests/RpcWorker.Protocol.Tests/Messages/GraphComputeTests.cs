using System.Buffers.Binary;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Protocol.Tests.Messages;

public class GraphComputeTests
{
    private static byte[] Sample(int nodes, int tensors)
    {
        var ids = new ulong[nodes];
        var list = new RpcTensor[tensors];
        for (int i = 0; i < nodes; i++)
        {
            ids[i] = (ulong)(i + 1);
        }
        for (int i = 0; i < tensors; i++)
        {
            list[i] = new RpcTensor { Id = (ulong)(i + 1), Type = 0 };
        }
        var bytes = new byte[(int)GraphCompute.PayloadSize((ulong)nodes, (ulong)tensors)!.Value];
        GraphCompute.Write(bytes, 0, ids, list);
        return bytes;
    }

    [Fact]
    public void PayloadSize_FollowsLayout()
    {
        Assert.Equal(12UL, GraphCompute.PayloadSize(0, 0));
        Assert.Equal(12UL + 8 * 3 + 296 * 5, GraphCompute.PayloadSize(3, 5));
        Assert.Null(GraphCompute.PayloadSize(ulong.MaxValue / 8, 1));
        Assert.Null(GraphCompute.PayloadSize(0, ulong.MaxValue / 100));
    }

    [Fact]
    public void TryParse_RoundTripsWrittenGraph()
    {
        byte[] bytes = Sample(3, 4);
        Assert.True(GraphCompute.TryParse(bytes, out GraphCompute.View view));
        Assert.Equal(0u, view.Device);
        Assert.Equal(3, view.NodeCount);
        Assert.Equal(4, view.TensorCount);
        Assert.Equal(2UL, view.NodeId(1));
        Assert.Equal(4UL, view.Tensor(3).Id);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 + 24)));
    }

    [Fact]
    public void TryParse_TruncatedAtEveryPosition_Fails()
    {
        byte[] bytes = Sample(2, 2);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            Assert.False(GraphCompute.TryParse(bytes.AsSpan(0, cut), out _));
        }
    }

    [Fact]
    public void TryParse_TrailingBytes_Fails()
    {
        byte[] bytes = [.. Sample(1, 1), 0];
        Assert.False(GraphCompute.TryParse(bytes, out _));
    }

    [Theory]
    [InlineData(uint.MaxValue, 0u)]
    [InlineData(0u, uint.MaxValue)]
    [InlineData(uint.MaxValue, uint.MaxValue)]
    [InlineData(1u, 0u)]
    public void TryParse_HugeOrWrongCounts_Fails(uint nodes, uint tensors)
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), nodes);
        if (nodes == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), tensors);
        }
        Assert.False(GraphCompute.TryParse(bytes, out _));
    }
}
