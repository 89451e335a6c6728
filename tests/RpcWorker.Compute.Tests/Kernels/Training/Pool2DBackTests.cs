using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Kernels.Training;

/// <summary>
/// POOL_2D_BACK checked against the POOL_2D kernel: both pools are sums of selected (max) or weighted (avg) inputs,
/// so &lt;pool(x), g&gt; == &lt;x, pool_back(g)&gt;; plus direct checks of routing, f16 and validation.
/// </summary>
public class Pool2DBackTests
{
    [Theory]
    [InlineData(0, 2, 2, 2, 2, 0, 0, 1)]
    [InlineData(0, 3, 2, 1, 2, 1, 1, 3)]
    [InlineData(0, 3, 3, 2, 1, 1, 0, 3)]
    [InlineData(1, 2, 2, 2, 2, 0, 0, 1)]
    [InlineData(1, 3, 2, 1, 2, 1, 1, 3)]
    [InlineData(1, 3, 3, 2, 1, 2, 2, 3)]
    public void IsTheAdjointOfPool2D(int op, int k0, int k1, int s0, int s1, int p0, int p1, int threads)
    {
        const int w = 9, h = 7, c = 3, n = 2;
        long px = (w + 2 * p0 - k0) / s0 + 1, py = (h + 2 * p1 - k1) / s1 + 1;
        using var tt = new TestTensors();
        var rng = new Random(21 + k0 * 5 + op);
        Tensor x = tt.New(GgmlType.F32, w, h, c, n), g = tt.New(GgmlType.F32, px, py, c, n);
        TestTensors.FillRandom(x, rng);
        TestTensors.FillRandom(g, rng);
        Tensor pool = tt.Node(GgmlOp.Pool2D, GgmlType.F32, [px, py, c, n], x);
        Tensor back = tt.Node(GgmlOp.Pool2DBack, GgmlType.F32, [w, h, c, n], g, x);
        int[] prm = [op, k0, k1, s0, s1, p0, p1];
        for (int i = 0; i < prm.Length; i++)
        {
            pool.Params[i] = prm[i];
            back.Params[i] = prm[i];
        }

        TestGraph.Run(threads, pool, back);

        Assert.Equal(Dot(TestTensors.Read(pool), TestTensors.Read(g)), Dot(TestTensors.Read(x), TestTensors.Read(back)), 1e-4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MaxRoutesToTheFirstLargestCellAndAccumulatesOverlaps(int threads)
    {
        using var tt = new TestTensors();
        Tensor x = tt.New(GgmlType.F32, 3, 2), g = tt.New(GgmlType.F32, 2, 1);
        TestTensors.Write(x, [1, 5, 5, 0, 2, 5]);
        TestTensors.Write(g, [10, 100]);
        Tensor back = tt.Node(GgmlOp.Pool2DBack, GgmlType.F32, [3, 2], g, x);
        int[] prm = [0, 2, 2, 1, 1, 0, 0];
        for (int i = 0; i < prm.Length; i++)
        {
            back.Params[i] = prm[i];
        }

        TestGraph.Run(threads, back);

        Assert.Equal([0f, 110f, 0f, 0f, 0f, 0f], TestTensors.Read(back));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void F16DestinationMatchesF32WhereWindowsDoNotOverlap(int op)
    {
        const int w = 8, h = 6;
        using var tt = new TestTensors();
        var rng = new Random(4);
        Tensor x32 = tt.New(GgmlType.F32, w, h, 2), x16 = tt.New(GgmlType.F16, w, h, 2), g = tt.New(GgmlType.F32, 4, 3, 2);
        TestTensors.FillRandom(x16, rng);
        TestTensors.Write(x32, TestTensors.Read(x16));
        TestTensors.FillRandom(g, rng);
        Tensor b32 = tt.Node(GgmlOp.Pool2DBack, GgmlType.F32, [w, h, 2], g, x32);
        Tensor b16 = tt.Node(GgmlOp.Pool2DBack, GgmlType.F16, [w, h, 2], g, x16);
        int[] prm = [op, 2, 2, 2, 2, 0, 0];
        for (int i = 0; i < prm.Length; i++)
        {
            b32.Params[i] = prm[i];
            b16.Params[i] = prm[i];
        }

        TestGraph.Run(1, b32, b16);

        float[] expected = TestTensors.Read(b32), actual = TestTensors.Read(b16);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(Fp16.ToSingle(Fp16.FromSingle(expected[i])), actual[i]);
        }
    }

    [Fact]
    public void RejectsLayoutsGgmlWouldMisread()
    {
        using var tt = new TestTensors();
        Tensor x = tt.New(GgmlType.F32, 6, 6, 2), g = tt.New(GgmlType.F32, 3, 3, 2);
        Assert.Null(TestGraph.Rejection(Back(tt, [6, 6, 2], g, x, 0)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [6, 6, 2], g, x, 2)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [6, 6, 3], g, tt.New(GgmlType.F32, 6, 6, 3), 0)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [6, 6, 2], g, tt.New(GgmlType.F32, 6, 5, 2), 0)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [6, 6, 2], g, tt.New(GgmlType.F16, 6, 6, 2), 0)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [6, 6, 2], tt.New(GgmlType.F16, 3, 3, 2), x, 0)));
        Tensor wide = tt.New(GgmlType.F32, 12, 6, 2);
        Assert.NotNull(TestGraph.Rejection(Back(tt, [6, 6, 2], g, TestTensors.View(wide, 0, [6, 6, 2, 1], [4, 48, 288, 576]), 0)));
    }

    private static Tensor Back(TestTensors tt, long[] ne, Tensor g, Tensor x, int op)
    {
        Tensor t = tt.Node(GgmlOp.Pool2DBack, GgmlType.F32, ne, g, x);
        int[] prm = [op, 2, 2, 2, 2, 0, 0];
        for (int i = 0; i < prm.Length; i++)
        {
            t.Params[i] = prm[i];
        }
        return t;
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }
        return sum;
    }
}
