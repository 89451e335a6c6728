using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Elementwise;

/// <summary>ACC and SET: src1 written into a strided view of dst given by op_params.</summary>
public class ViewedUpdateKernelTests
{
    public static TheoryData<GgmlOp, GgmlType, bool, int> Cases() => new()
    {
        { GgmlOp.Acc, GgmlType.F32, false, 1 },
        { GgmlOp.Acc, GgmlType.F32, false, 3 },
        { GgmlOp.Acc, GgmlType.F32, true, 3 },
        { GgmlOp.Set, GgmlType.F32, false, 1 },
        { GgmlOp.Set, GgmlType.F32, true, 3 },
        { GgmlOp.Set, GgmlType.I32, false, 3 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ViewedUpdate_WritesSrc1IntoTheView(GgmlOp op, GgmlType type, bool inplace, int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(type, 20, 6, 4);
        Tensor b = tt.New(type, 7, 3, 2);
        FillRandom(a, new Random(5), -100f, 100f);
        FillRandom(b, new Random(6), -100f, 100f);
        float[] original = ReadAll(a);
        Tensor node = inplace
            ? new Tensor { Type = type, Op = op, Data = a.Data, Ne = a.Ne, Nb = a.Nb, ViewSrc = a }
            : tt.New(type, 20, 6, 4);
        node.Op = op;
        node.Src[0] = a;
        node.Src[1] = b;
        int ts = 4;
        long nb1 = a.Nb[1] * 2;
        long nb2 = a.Nb[2];
        long offset = 3 * ts + a.Nb[1];
        node.Params[0] = (int)nb1;
        node.Params[1] = (int)nb2;
        node.Params[2] = (int)a.Nb[3];
        node.Params[3] = (int)offset;
        node.Params[4] = inplace ? 1 : 0;

        TestGraph.Run(threads, node);

        float[] expected = (float[])original.Clone();
        foreach (var (i0, i1, i2, i3) in Indices(b))
        {
            long flat = (offset + i0 * ts + i1 * nb1 + i2 * nb2) / ts;
            float v = Get(b, i0, i1, i2, i3);
            expected[flat] = op == GgmlOp.Acc ? original[flat] + v : v;
        }
        float[] actual = ReadAll(node);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertSame(expected[i], actual[i], $"element {i}");
        }
    }

    [Theory]
    [InlineData(GgmlOp.Acc)]
    [InlineData(GgmlOp.Set)]
    public void ViewedUpdate_ViewPastTheEnd_IsRejected(GgmlOp op)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 8, 4);
        Tensor node = tt.Node(op, GgmlType.F32, [8, 4], a, tt.New(GgmlType.F32, 8, 2));
        node.Params[0] = 32;
        node.Params[1] = 128;
        node.Params[2] = 128;
        node.Params[3] = 3 * 32;
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void ViewedUpdate_NegativeStride_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Set, GgmlType.F32, [8, 4], tt.New(GgmlType.F32, 8, 4), tt.New(GgmlType.F32, 4, 2));
        node.Params[0] = -32;
        node.Params[1] = 128;
        node.Params[2] = 128;
        node.Params[3] = 64;
        Assert.NotNull(TestGraph.Rejection(node));
    }
}
