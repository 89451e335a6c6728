namespace RpcWorker.Compute.Tests.Kernels.Training;

/// <summary>IM2COL_BACK checked as the adjoint of the IM2COL kernel: &lt;im2col(x), g&gt; == &lt;x, im2col_back(g)&gt;.</summary>
public class Im2ColBackTests
{
    [Theory]
    [InlineData(true, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData(true, 2, 1, 1, 0, 1, 2, 3)]
    [InlineData(true, 3, 2, 2, 1, 2, 1, 1)]
    [InlineData(true, 2, 3, 0, 2, 2, 2, 3)]
    [InlineData(false, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData(false, 3, 1, 2, 0, 2, 1, 3)]
    public void IsTheAdjointOfIm2Col(bool is2D, int s0, int s1, int p0, int p1, int d0, int d1, int threads)
    {
        const int ic = 3, n = 2, iw = 9, ih = 7, kw = 3, kh = 2;
        long ow = (iw + 2 * p0 - d0 * (kw - 1) - 1) / s0 + 1;
        long oh = is2D ? (ih + 2 * p1 - d1 * (kh - 1) - 1) / s1 + 1 : 1;
        long kArea = is2D ? kw * kh : kw;
        using var tt = new TestTensors();
        var rng = new Random(11 + s0 * 7 + p0);
        Tensor kernel = is2D ? tt.New(GgmlType.F16, kw, kh, ic, 4) : tt.New(GgmlType.F16, kw, ic, 4);
        Tensor img = is2D ? tt.New(GgmlType.F32, iw, ih, ic, n) : tt.New(GgmlType.F32, iw, ic, n);
        long[] colsShape = is2D ? [ic * kArea, ow, oh, n] : [ic * kArea, ow, n];
        Tensor grad = tt.New(GgmlType.F32, colsShape);
        TestTensors.FillRandom(img, rng);
        TestTensors.FillRandom(grad, rng);
        Tensor cols = tt.Node(GgmlOp.Im2Col, GgmlType.F32, colsShape, kernel, img);
        Tensor back = tt.Node(GgmlOp.Im2ColBack, GgmlType.F32, is2D ? [iw, ih, ic, n] : [iw, ic, n], grad, kernel);
        int[] prm = [s0, s1, p0, p1, d0, d1, is2D ? 1 : 0];
        for (int i = 0; i < prm.Length; i++)
        {
            cols.Params[i] = prm[i];
            back.Params[i] = prm[i];
        }

        TestGraph.Run(threads, cols, back);

        double lhs = Dot(TestTensors.Read(cols), TestTensors.Read(grad));
        double rhs = Dot(TestTensors.Read(img), TestTensors.Read(back));
        Assert.Equal(lhs, rhs, 1e-4);
        Assert.NotEqual(0, rhs);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EachPixelSumsEveryPatchThatCopiedIt(int threads)
    {
        const int iw = 5, ih = 4, kw = 3, kh = 3;
        using var tt = new TestTensors();
        Tensor kernel = tt.New(GgmlType.F32, kw, kh, 1, 1);
        Tensor grad = tt.New(GgmlType.F32, kw * kh, iw, ih, 1);
        TestTensors.Write(grad, Enumerable.Repeat(1f, kw * kh * iw * ih).ToArray());
        Tensor back = tt.Node(GgmlOp.Im2ColBack, GgmlType.F32, [iw, ih, 1, 1], grad, kernel);
        int[] prm = [1, 1, 1, 1, 1, 1, 1];
        for (int i = 0; i < prm.Length; i++)
        {
            back.Params[i] = prm[i];
        }

        TestGraph.Run(threads, back);

        float[] dx = TestTensors.Read(back);
        for (int y = 0; y < ih; y++)
        {
            for (int x = 0; x < iw; x++)
            {
                int rows = (y == 0 || y == ih - 1) ? 2 : 3, cols = (x == 0 || x == iw - 1) ? 2 : 3;
                Assert.Equal(rows * cols, dx[y * iw + x]);
            }
        }
    }

    [Fact]
    public void WritesPaddedDestinationPlanesOnlyInsideTheirRows()
    {
        const int iw = 4, ih = 3, ic = 2;
        using var tt = new TestTensors();
        Tensor kernel = tt.New(GgmlType.F32, 2, 2, ic, 1);
        Tensor grad = tt.New(GgmlType.F32, ic * 4, 3, 2, 1);
        TestTensors.FillRandom(grad, new Random(3));
        Tensor packed = tt.Node(GgmlOp.Im2ColBack, GgmlType.F32, [iw, ih, ic, 1], grad, kernel);
        Tensor storage = tt.New(GgmlType.F32, iw * ih + 5, ic);
        TestTensors.Write(storage, Enumerable.Repeat(7f, (iw * ih + 5) * ic).ToArray());
        Tensor strided = TestTensors.View(storage, 0, [iw, ih, ic, 1], [4, iw * 4, (iw * ih + 5) * 4, (iw * ih + 5) * 4 * ic]);
        strided.Op = GgmlOp.Im2ColBack;
        strided.Src[0] = grad;
        strided.Src[1] = kernel;
        foreach (Tensor t in new[] { packed, strided })
        {
            t.Params[0] = 1;
            t.Params[1] = 1;
            t.Params[6] = 1;
        }

        TestGraph.Run(2, packed, strided);

        float[] expected = TestTensors.Read(packed), all = TestTensors.Read(storage);
        for (int c = 0; c < ic; c++)
        {
            for (int i = 0; i < iw * ih + 5; i++)
            {
                Assert.Equal(i < iw * ih ? expected[c * iw * ih + i] : 7f, all[c * (iw * ih + 5) + i]);
            }
        }
    }

    [Fact]
    public void RejectsLayoutsGgmlWouldMisread()
    {
        using var tt = new TestTensors();
        Tensor kernel = tt.New(GgmlType.F32, 2, 2, 3, 1);
        Tensor grad = tt.New(GgmlType.F32, 12, 3, 3, 2);
        Assert.Null(TestGraph.Rejection(Back(tt, [4, 4, 3, 2], grad, kernel, 1, 1)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [4, 4, 3, 2], grad, kernel, 0, 1)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [4, 4, 3, 2], grad, kernel, 1, 0)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [4, 4, 2, 2], grad, kernel, 1, 1)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [4, 4, 3, 3], grad, kernel, 1, 1)));
        Tensor wide = tt.New(GgmlType.F32, 24, 3, 3, 2);
        Tensor gapped = TestTensors.View(wide, 0, [12, 3, 3, 2], [4, 96, 288, 864]);
        Assert.NotNull(TestGraph.Rejection(Back(tt, [4, 4, 3, 2], gapped, kernel, 1, 1)));
        Assert.NotNull(TestGraph.Rejection(Back(tt, [4, 4, 3, 2], tt.New(GgmlType.F16, 12, 3, 3, 2), kernel, 1, 1)));
    }

    private static Tensor Back(TestTensors tt, long[] ne, Tensor grad, Tensor kernel, int s0, int s1)
    {
        Tensor t = tt.Node(GgmlOp.Im2ColBack, GgmlType.F32, ne, grad, kernel);
        t.Params[0] = s0;
        t.Params[1] = s1;
        t.Params[6] = 1;
        return t;
    }

    private static double Dot(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }
        return sum;
    }
}
