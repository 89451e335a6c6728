using RpcWorker.Compute;
using RpcWorker.Protocol;

namespace RpcWorker.Bench.Tests;

public class WireGraphTests
{
    [Fact]
    public void Serialize_PlacesTensorsInsideTheArenaWithLinksAndViews()
    {
        var g = new WireGraph();
        WireTensor w = g.Leaf(GgmlType.Q4_0, "w", 64, 3);
        WireTensor x = g.Leaf(GgmlType.F32, "x", 64, 2);
        WireTensor y = g.Node(GgmlOp.MulMat, GgmlType.F32, [3, 2], "y", [w, x]);
        WireTensor r = g.Reshape(y, "y (reshaped)", 6);

        (List<ulong> nodeIds, List<RpcTensor> tensors) = g.Serialize(buffer: 0x77, baseAddress: 0x10000);

        Assert.Equal([y.Id, r.Id], nodeIds);
        Assert.Equal(4, tensors.Count);
        foreach (RpcTensor t in tensors)
        {
            Assert.Equal(0x77UL, t.Buffer);
            Assert.InRange(t.Data, 0x10000UL, 0x10000UL + (ulong)g.ArenaSize - 1);
            Assert.Equal(0UL, (t.Data - 0x10000UL) % 32);
        }
        RpcTensor wy = tensors.Single(t => t.Id == y.Id);
        Assert.Equal((w.Id, x.Id), (wy.Src[0], wy.Src[1]));
        Assert.Equal((uint)GgmlOp.MulMat, wy.Op);
        Assert.Equal("y", wy.GetName());
        RpcTensor wr = tensors.Single(t => t.Id == r.Id);
        Assert.Equal(y.Id, wr.ViewSrc);
        Assert.Equal(wy.Data, wr.Data);
        Assert.Equal(6u, wr.Ne[0]);
        Assert.Equal(18u * 2, tensors.Single(t => t.Id == w.Id).Nb[1]);
        Assert.Equal(18L * 2 * 3, w.NBytes);
    }

    [Fact]
    public void SwapDims12_SwapsShapeAndStrides()
    {
        var g = new WireGraph();
        WireTensor a = g.Leaf(GgmlType.F32, "a", 4, 3, 2);
        WireTensor p = g.SwapDims12(a, "p");
        Assert.Equal([4L, 2, 3, 1], p.Ne);
        Assert.Equal([4L, 48, 16, 96], p.Nb);
        Assert.Equal(a.Offset, p.Offset);
    }
}
