using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

public class OutProdKernelTests
{
    [Theory]
    [InlineData(GgmlType.F32, 5, 7, 3, 1, 2, 1, 1, false)]
    [InlineData(GgmlType.F32, 17, 4, 9, 2, 1, 2, 3, true)]
    [InlineData(GgmlType.F32, 33, 6, 2, 1, 1, 3, 2, false)]
    [InlineData(GgmlType.F16, 16, 5, 7, 2, 1, 1, 2, false)]
    [InlineData(GgmlType.F16, 9, 3, 4, 1, 3, 1, 3, true)]
    public void Compute_MatchesScalarReference(GgmlType type, long ne0, long ne1, long shared, long d2, long d3, long r2, int threads, bool transposedSrc1)
    {
        var rng = new Random(3);
        using var tt = new TestTensors();
        Tensor a = tt.New(type, ne0, shared, d2, d3);
        TestTensors.FillRandom(a, rng);
        long r3 = type == GgmlType.F32 ? 2 : 1;
        if (type != GgmlType.F32)
        {
            r2 = 1;
        }
        Tensor b;
        if (transposedSrc1)
        {
            Tensor bt = tt.New(GgmlType.F32, shared, ne1, d2 * r2, d3 * r3);
            TestTensors.FillRandom(bt, rng);
            b = TestTensors.View(bt, 0, [ne1, shared, d2 * r2, d3 * r3], [bt.Nb[1], bt.Nb[0], bt.Nb[2], bt.Nb[3]]);
        }
        else
        {
            b = tt.New(GgmlType.F32, ne1, shared, d2 * r2, d3 * r3);
            TestTensors.FillRandom(b, rng);
        }
        Tensor node = tt.Node(GgmlOp.OutProd, GgmlType.F32, [ne0, ne1, d2 * r2, d3 * r3], a, b);
        TestTensors.Write(node, Enumerable.Repeat(42f, (int)node.NElements).ToArray());
        KernelRunner.Run(new OutProdKernel(), node, threads);
        float[] got = TestTensors.Read(node);
        for (long i3 = 0; i3 < node.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < node.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < ne1; i1++)
                {
                    for (long i0 = 0; i0 < ne0; i0++)
                    {
                        double sum = 0;
                        double mag = 0;
                        for (long j = 0; j < shared; j++)
                        {
                            double v = (double)Reference.Get(a, i0, j, i2 / r2, i3 / r3) * Reference.Get(b, i1, j, i2, i3);
                            sum += v;
                            mag += Math.Abs(v);
                        }
                        long idx = i0 + (ne0 * (i1 + (ne1 * (i2 + (node.Ne[2] * i3)))));
                        Reference.AssertClose(sum, mag, got[idx], $"{type} at [{i0},{i1},{i2},{i3}]");
                    }
                }
            }
        }
    }

    [Fact]
    public void Validate_RejectsUnsupportedOperands()
    {
        using var tt = new TestTensors();
        var kernel = new OutProdKernel();
        Tensor b = tt.New(GgmlType.F32, 3, 4, 2);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.OutProd, GgmlType.F32, [5, 3, 2], tt.New(GgmlType.F32, 5, 5, 2), b)));
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.OutProd, GgmlType.F32, [5, 3, 2], tt.New(GgmlType.BF16, 5, 4, 2), b)));
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.OutProd, GgmlType.F32, [5, 3, 2], tt.New(GgmlType.F16, 5, 4, 1), b)));
        Assert.Null(kernel.Validate(tt.Node(GgmlOp.OutProd, GgmlType.F32, [5, 3, 2], tt.New(GgmlType.F32, 5, 4, 1), b)));
    }
}
