namespace RpcWorker.Compute.Tests.Kernels.Convolution;

/// <summary>Scalar references and shape validation for the convolution family.</summary>
public class ConvolutionKernelTests
{
    [Theory]
    [InlineData(GgmlType.F32, 1, 1, 1, 0, 0, 0, 1, 1, 1)]
    [InlineData(GgmlType.F32, 2, 1, 2, 1, 0, 1, 1, 2, 1)]
    [InlineData(GgmlType.F16, 1, 2, 1, 1, 1, 1, 2, 1, 1)]
    public void Im2Col3D_MatchesReference(GgmlType dstType, int s0, int s1, int s2, int p0, int p1, int p2, int d0, int d1, int d2)
    {
        const int ic = 2, n = 2, iw = 5, ih = 4, id = 3, kw = 2, kh = 2, kd = 2;
        long ow = (iw + 2 * p0 - d0 * (kw - 1) - 1) / s0 + 1;
        long oh = (ih + 2 * p1 - d1 * (kh - 1) - 1) / s1 + 1;
        long od = (id + 2 * p2 - d2 * (kd - 1) - 1) / s2 + 1;
        foreach (int threads in new[] { 1, 2 })
        {
            using var tt = new TestTensors();
            var rng = new Random(5);
            Tensor k = tt.New(GgmlType.F32, kw, kh, kd, ic * 3);
            Tensor img = tt.New(GgmlType.F32, iw, ih, id, ic * n);
            TestTensors.FillRandom(img, rng);
            Tensor node = tt.Node(GgmlOp.Im2Col3D, dstType, [ic * kd * kh * kw, ow, oh, od * n], k, img);
            int[] prm = [s0, s1, s2, p0, p1, p2, d0, d1, d2, ic];
            for (int i = 0; i < prm.Length; i++)
            {
                node.Params[i] = prm[i];
            }

            TestGraph.Run(threads, node);

            float[] x = TestTensors.Read(img);
            float[] y = TestTensors.Read(node);
            int at = 0;
            for (int b = 0; b < n; b++)
            {
                for (int z = 0; z < od; z++)
                {
                    for (int r = 0; r < oh; r++)
                    {
                        for (int c = 0; c < ow; c++)
                        {
                            for (int ch = 0; ch < ic; ch++)
                            {
                                for (int kz = 0; kz < kd; kz++)
                                {
                                    for (int ky = 0; ky < kh; ky++)
                                    {
                                        for (int kx = 0; kx < kw; kx++)
                                        {
                                            int xx = c * s0 + kx * d0 - p0, yy = r * s1 + ky * d1 - p1, zz = z * s2 + kz * d2 - p2;
                                            bool inside = xx >= 0 && xx < iw && yy >= 0 && yy < ih && zz >= 0 && zz < id;
                                            float v = inside ? x[(((b * ic + ch) * id + zz) * ih + yy) * iw + xx] : 0f;
                                            float expected = dstType == GgmlType.F16 ? (float)(Half)v : v;
                                            Assert.Equal(expected, y[at++]);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Conv2D_F16Kernel_MatchesDirectConvolutionOfHalfRoundedInput()
    {
        using var tt = new TestTensors();
        var rng = new Random(9);
        Tensor k = tt.New(GgmlType.F16, 3, 2, 2, 3);
        Tensor x = tt.New(GgmlType.F32, 6, 5, 2, 2);
        TestTensors.FillRandom(k, rng);
        TestTensors.FillRandom(x, rng);
        const int s = 2, pad = 1, dil = 1;
        long ow = (6 + 2 * pad - dil * (3 - 1) - 1) / s + 1;
        long oh = (5 + 2 * pad - dil * (2 - 1) - 1) / s + 1;
        Tensor node = tt.Node(GgmlOp.Conv2D, GgmlType.F32, [ow, oh, 3, 2], k, x);
        int[] prm = [s, s, pad, pad, dil, dil];
        for (int i = 0; i < prm.Length; i++)
        {
            node.Params[i] = prm[i];
        }

        TestGraph.Run(2, node);

        float[] kv = TestTensors.Read(k), xv = TestTensors.Read(x), y = TestTensors.Read(node);
        for (int b = 0; b < 2; b++)
        {
            for (int oc = 0; oc < 3; oc++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double sum = 0;
                        for (int ic = 0; ic < 2; ic++)
                        {
                            for (int ky = 0; ky < 2; ky++)
                            {
                                for (int kx = 0; kx < 3; kx++)
                                {
                                    long iy = oy * s + ky * dil - pad, ix = ox * s + kx * dil - pad;
                                    if (iy >= 0 && iy < 5 && ix >= 0 && ix < 6)
                                    {
                                        sum += (double)(float)(Half)xv[((b * 2 + ic) * 5 + iy) * 6 + ix] * kv[((oc * 2 + ic) * 2 + ky) * 3 + kx];
                                    }
                                }
                            }
                        }
                        Assert.Equal(sum, y[((b * 3 + oc) * oh + oy) * ow + ox], 1e-5);
                    }
                }
            }
        }
    }

    [Fact]
    public void Im2Col3D_EmptyOutputForTooFewImages_IsAcceptedAndLeftAlone()
    {
        // tbo-IM2COL_3D: IC = 3 over a view with dim 3 = 1 gives N = 0 and an empty [.., .., .., 0] result
        using var tt = new TestTensors();
        Tensor k = tt.New(GgmlType.F32, 3, 3, 3, 3);
        Tensor img = tt.New(GgmlType.F32, 18, 18, 8, 1);
        Tensor node = tt.Node(GgmlOp.Im2Col3D, GgmlType.F32, [81, 12, 18, 0], k, img);
        int[] prm = [1, 1, 1, 0, 0, 0, 1, 1, 1, 3];
        for (int i = 0; i < prm.Length; i++)
        {
            node.Params[i] = prm[i];
        }
        Assert.Null(new RpcWorker.Compute.Kernels.Convolution.Im2Col3D().Validate(node));
        TestGraph.Run(2, node);
    }

    [Fact]
    public void Validate_RejectsInconsistentShapesAndParams()
    {
        using var tt = new TestTensors();
        Tensor k2 = tt.New(GgmlType.F32, 3, 3, 2, 4);
        Tensor img = tt.New(GgmlType.F32, 8, 8, 2, 1);
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.Im2Col, GgmlType.F32, [17, 6, 6, 1], k2, img)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.Conv2D, GgmlType.F32, [6, 6, 5, 1], k2, img)));

        Tensor k1 = tt.New(GgmlType.F32, 3, 4, 2);
        Tensor sig = tt.New(GgmlType.F32, 10, 2);
        Tensor ct = tt.Node(GgmlOp.ConvTranspose1D, GgmlType.F32, [12, 4], k1, sig);
        ct.Params[0] = 1;
        Assert.Null(TestGraph.Rejection(ct));
        ct.Params[0] = 0;
        Assert.NotNull(TestGraph.Rejection(ct));
        ct.Params[0] = 2;
        Assert.NotNull(TestGraph.Rejection(ct));

        Tensor cols = tt.New(GgmlType.F32, 6, 5);
        Tensor c2i = tt.Node(GgmlOp.Col2Im1D, GgmlType.F32, [7, 2], cols);
        c2i.Params[0] = 1;
        c2i.Params[1] = 2;
        Assert.Null(TestGraph.Rejection(c2i));
        c2i.Params[1] = 4;
        Assert.NotNull(TestGraph.Rejection(c2i));
        c2i.Params[1] = 0;
        Assert.NotNull(TestGraph.Rejection(c2i));

        Tensor pool = tt.Node(GgmlOp.Pool2D, GgmlType.F32, [4, 4, 2, 1], img);
        pool.Params[0] = 2;
        Assert.NotNull(TestGraph.Rejection(pool));

        Tensor k3 = tt.New(GgmlType.F32, 2, 2, 2, 6);
        Tensor vol = tt.New(GgmlType.F32, 4, 4, 4, 2);
        Tensor c3 = tt.Node(GgmlOp.Conv3D, GgmlType.F32, [3, 3, 3, 3], k3, vol);
        int[] prm = [1, 1, 1, 0, 0, 0, 1, 1, 1, 2, 1, 3];
        for (int i = 0; i < prm.Length; i++)
        {
            c3.Params[i] = prm[i];
        }
        Assert.Null(TestGraph.Rejection(c3));
        c3.Params[10] = 0;
        Assert.NotNull(TestGraph.Rejection(c3));
    }
}
