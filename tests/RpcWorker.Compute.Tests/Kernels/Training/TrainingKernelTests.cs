using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Tests.Kernels.Training;

public unsafe class TrainingKernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void OptStepAdamW_UpdatesWeightsAndMoments(int threads)
    {
        using var tt = new TestTensors();
        var rng = new Random(1);
        Tensor w = tt.New(GgmlType.F32, 5, 3, 2), g = tt.New(GgmlType.F32, 5, 3, 2), m = tt.New(GgmlType.F32, 5, 3, 2), v = tt.New(GgmlType.F32, 5, 3, 2);
        Tensor prm = tt.New(GgmlType.F32, 7);
        foreach (Tensor t in new[] { w, g, m })
        {
            TestTensors.FillRandom(t, rng);
        }
        TestTensors.FillRandom(v, rng, 0, 1);
        float[] pv = [0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, 1.5f, 1.2f];
        TestTensors.Write(prm, pv);
        float[] w0 = TestTensors.Read(w), g0 = TestTensors.Read(g), m0 = TestTensors.Read(m), v0 = TestTensors.Read(v);
        Tensor node = tt.Node(GgmlOp.OptStepAdamW, GgmlType.F32, [5, 3, 2], w, g, m, v, prm);

        TestGraph.Run(threads, node);

        float[] w1 = TestTensors.Read(w), m1 = TestTensors.Read(m), v1 = TestTensors.Read(v);
        for (int i = 0; i < w0.Length; i++)
        {
            double mm = m0[i] * 0.9 + g0[i] * 0.1, vv = v0[i] * 0.999 + (double)g0[i] * g0[i] * 0.001;
            double expected = w0[i] * (1 - 0.01 * 0.1) - 0.01 * (mm * 1.5) / (Math.Sqrt(vv * 1.2) + 1e-8);
            Assert.Equal(mm, m1[i], 1e-6);
            Assert.Equal(vv, v1[i], 1e-6);
            Assert.Equal(expected, w1[i], 1e-5);
        }
    }

    [Fact]
    public void OptStepSgd_AppliesDecayAndStep()
    {
        using var tt = new TestTensors();
        Tensor w = tt.New(GgmlType.F32, 4), g = tt.New(GgmlType.F32, 4), prm = tt.New(GgmlType.F32, 2);
        TestTensors.Write(w, [1, 2, 3, 4]);
        TestTensors.Write(g, [0.5f, -1, 0, 2]);
        TestTensors.Write(prm, [0.1f, 0.5f]);
        TestGraph.Run(2, tt.Node(GgmlOp.OptStepSgd, GgmlType.F32, [4], w, g, prm));
        Assert.Equal([0.9f, 2.0f, 2.85f, 3.6f], TestTensors.Read(w), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CrossEntropyLoss_AndItsGradient_MatchDefinitions(int threads)
    {
        const int nc = 7, nr = 5;
        using var tt = new TestTensors();
        var rng = new Random(2);
        Tensor logits = tt.New(GgmlType.F32, nc, nr), labels = tt.New(GgmlType.F32, nc, nr), grad = tt.New(GgmlType.F32, 1);
        TestTensors.FillRandom(logits, rng, -3, 3);
        TestTensors.FillRandom(labels, rng, 0, 1);
        TestTensors.Write(grad, [2.0f]);
        Tensor loss = tt.Node(GgmlOp.CrossEntropyLoss, GgmlType.F32, [1], logits, labels);
        Tensor back = tt.Node(GgmlOp.CrossEntropyLossBack, GgmlType.F32, [nc, nr], grad, logits, labels);

        TestGraph.Run(threads, loss, back);

        float[] x = TestTensors.Read(logits), y = TestTensors.Read(labels), d = TestTensors.Read(back);
        double total = 0;
        for (int r = 0; r < nr; r++)
        {
            double max = Enumerable.Range(0, nc).Max(i => x[r * nc + i]);
            double sum = Enumerable.Range(0, nc).Sum(i => Math.Exp(x[r * nc + i] - max));
            for (int i = 0; i < nc; i++)
            {
                double logSoftmax = x[r * nc + i] - max - Math.Log(sum);
                total += logSoftmax * y[r * nc + i];
                Assert.Equal((Math.Exp(logSoftmax) - y[r * nc + i]) * 2.0 / nr, d[r * nc + i], 1e-5);
            }
        }
        Assert.Equal(-total / nr, TestTensors.Read(loss)[0], 1e-4);
    }

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    public void SiluBack_MatchesDerivative(GgmlType type)
    {
        using var tt = new TestTensors();
        var rng = new Random(3);
        Tensor dy = tt.New(type, 9, 4), x = tt.New(type, 9, 4);
        TestTensors.FillRandom(dy, rng);
        TestTensors.FillRandom(x, rng, -4, 4);
        Tensor dx = tt.Node(GgmlOp.SiluBack, type, [9, 4], dy, x);
        TestGraph.Run(3, dx);
        float[] xv = TestTensors.Read(x), gv = TestTensors.Read(dy), actual = TestTensors.Read(dx);
        for (int i = 0; i < xv.Length; i++)
        {
            double s = 1 / (1 + Math.Exp(-xv[i]));
            Assert.Equal(gv[i] * s * (1 + xv[i] * (1 - s)), actual[i], type == GgmlType.F16 ? 2e-3 : 1e-6);
        }
    }

    [Fact]
    public void RepeatBack_SumsAllRepetitions()
    {
        using var tt = new TestTensors();
        var rng = new Random(4);
        Tensor src = tt.New(GgmlType.F32, 6, 4, 3);
        TestTensors.FillRandom(src, rng);
        Tensor dst = tt.Node(GgmlOp.RepeatBack, GgmlType.F32, [3, 2, 1], src);
        TestGraph.Run(2, dst);
        float[] s = TestTensors.Read(src), d = TestTensors.Read(dst);
        for (int i1 = 0; i1 < 2; i1++)
        {
            for (int i0 = 0; i0 < 3; i0++)
            {
                double sum = 0;
                for (int k2 = 0; k2 < 3; k2++)
                {
                    for (int k1 = i1; k1 < 4; k1 += 2)
                    {
                        for (int k0 = i0; k0 < 6; k0 += 3)
                        {
                            sum += s[(k2 * 4 + k1) * 6 + k0];
                        }
                    }
                }
                Assert.Equal(sum, d[i1 * 3 + i0], 1e-5);
            }
        }
    }

    [Fact]
    public void GetRowsBack_ScatterAddsAndRejectsBadIds()
    {
        using var tt = new TestTensors();
        Tensor rows = tt.New(GgmlType.F32, 2, 3), ids = tt.New(GgmlType.I32, 3);
        TestTensors.Write(rows, [1, 2, 3, 4, 5, 6]);
        ((int*)ids.Data)[0] = 1;
        ((int*)ids.Data)[1] = 0;
        ((int*)ids.Data)[2] = 1;
        Tensor dst = tt.Node(GgmlOp.GetRowsBack, GgmlType.F32, [2, 2], rows, ids);
        TestGraph.Run(2, dst);
        Assert.Equal([3f, 4f, 6f, 8f], TestTensors.Read(dst));

        ((int*)ids.Data)[2] = 2;
        Assert.Throws<ComputeException>(() => TestGraph.Run(2, dst));
    }

    [Fact]
    public void RmsNormBack_MatchesNumericalGradientOfRmsNorm()
    {
        const int n = 6, rows = 3;
        const float eps = 1e-5f;
        using var tt = new TestTensors();
        var rng = new Random(5);
        Tensor dz = tt.New(GgmlType.F32, n, rows), x = tt.New(GgmlType.F32, n, rows);
        TestTensors.FillRandom(dz, rng);
        TestTensors.FillRandom(x, rng);
        Tensor dx = tt.Node(GgmlOp.RmsNormBack, GgmlType.F32, [n, rows], dz, x);
        dx.Params[0] = BitConverter.SingleToInt32Bits(eps);

        TestGraph.Run(2, dx);

        float[] g = TestTensors.Read(dz), xv = TestTensors.Read(x), actual = TestTensors.Read(dx);
        for (int r = 0; r < rows; r++)
        {
            double Loss(double[] row)
            {
                double ms = row.Sum(v => v * v) / n + eps;
                return Enumerable.Range(0, n).Sum(i => row[i] / Math.Sqrt(ms) * g[r * n + i]);
            }
            double[] baseRow = [.. Enumerable.Range(0, n).Select(i => (double)xv[r * n + i])];
            for (int i = 0; i < n; i++)
            {
                double[] plus = (double[])baseRow.Clone(), minus = (double[])baseRow.Clone();
                plus[i] += 1e-5;
                minus[i] -= 1e-5;
                Assert.Equal((Loss(plus) - Loss(minus)) / 2e-5, actual[r * n + i], 1e-3);
            }
        }
    }

    [Fact]
    public void SoftMaxBack_IsTheSoftmaxJacobianTimesDy()
    {
        const int n = 5, rows = 2;
        using var tt = new TestTensors();
        var rng = new Random(6);
        Tensor dy = tt.New(GgmlType.F32, n, rows), y = tt.New(GgmlType.F32, n, rows);
        TestTensors.FillRandom(dy, rng);
        TestTensors.FillRandom(y, rng, 0, 0.4f);
        Tensor dx = tt.Node(GgmlOp.SoftMaxBack, GgmlType.F32, [n, rows], dy, y);
        dx.Params[0] = BitConverter.SingleToInt32Bits(0.5f);

        TestGraph.Run(2, dx);

        float[] g = TestTensors.Read(dy), yv = TestTensors.Read(y), actual = TestTensors.Read(dx);
        for (int r = 0; r < rows; r++)
        {
            double dot = Enumerable.Range(0, n).Sum(i => (double)yv[r * n + i] * g[r * n + i]);
            for (int k = 0; k < n; k++)
            {
                Assert.Equal(0.5 * yv[r * n + k] * (g[r * n + k] - dot), actual[r * n + k], 1e-6);
            }
        }
    }
}
