namespace RpcWorker.Compute.Tests.Kernels.Training;

/// <summary>
/// FLASH_ATTN_BACK against a double-precision reference of the attention gradients, itself checked by finite
/// differences of the loss &lt;d, softmax(q·kᵀ/√D)·v&gt;.
/// </summary>
public class FlashAttnBackTests
{
    [Theory]
    [InlineData(false, 4, 2, 1, false, 1)]
    [InlineData(true, 4, 2, 1, false, 3)]
    [InlineData(false, 2, 2, 2, true, 3)]
    [InlineData(true, 3, 1, 1, true, 1)]
    [InlineData(true, 3, 3, 2, false, 3)]
    public void MatchesDoublePrecisionGradients(bool masked, int heads, int kvHeads, int batch, bool transposedD, int threads)
    {
        const int dim = 5, n = 3, m = 7;
        using var tt = new TestTensors();
        var rng = new Random(heads * 10 + kvHeads + (masked ? 100 : 0));
        Tensor q = tt.New(GgmlType.F32, dim, n, heads, batch);
        Tensor k = tt.New(GgmlType.F32, dim, m, kvHeads, batch);
        Tensor v = tt.New(GgmlType.F32, m, dim, kvHeads, batch);
        TestTensors.FillRandom(q, rng);
        TestTensors.FillRandom(k, rng);
        TestTensors.FillRandom(v, rng);
        Tensor d;
        if (transposedD)
        {
            Tensor storage = tt.New(GgmlType.F32, n, dim, heads, batch);
            TestTensors.FillRandom(storage, rng);
            d = TestTensors.View(storage, 0, [dim, n, heads, batch], [n * 4, 4, n * dim * 4, n * dim * heads * 4]);
        }
        else
        {
            d = tt.New(GgmlType.F32, dim, n, heads, batch);
            TestTensors.FillRandom(d, rng);
        }
        long total = Pad(q.NElements) + Pad(k.NElements) + Pad(v.NElements);
        Tensor node = tt.Node(GgmlOp.FlashAttnBack, GgmlType.F32, [total], q, k, v, d);
        node.Params[0] = masked ? 1 : 0;

        TestGraph.Run(threads, node);

        var problem = new Problem(TestTensors.Read(q), TestTensors.Read(k), TestTensors.Read(v), ReadStrided(d), dim, n, m, heads, kvHeads, batch, masked);
        (double[] gq, double[] gk, double[] gv) = problem.Gradients();
        float[] result = TestTensors.Read(node);
        AssertClose(gq, result, 0);
        AssertClose(gk, result, Pad(q.NElements));
        AssertClose(gv, result, Pad(q.NElements) + Pad(k.NElements));
        for (long i = Pad(q.NElements) + Pad(k.NElements) + v.NElements; i < total; i++)
        {
            Assert.Equal(0f, result[i]);
        }
    }

    [Fact]
    public void ReferenceGradientsMatchFiniteDifferences()
    {
        const int dim = 3, n = 2, m = 4;
        var rng = new Random(9);
        double[] Rand(int count) => Enumerable.Range(0, count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var problem = new Problem(Rand(dim * n * 2), Rand(dim * m), Rand(m * dim), Rand(dim * n * 2), dim, n, m, 2, 1, 1, true);
        (double[] gq, double[] gk, double[] gv) = problem.Gradients();
        foreach ((double[] x, double[] g) in new[] { (problem.Q, gq), (problem.K, gk), (problem.V, gv) })
        {
            for (int i = 0; i < x.Length; i++)
            {
                double saved = x[i];
                x[i] = saved + 1e-6;
                double up = problem.Loss();
                x[i] = saved - 1e-6;
                double down = problem.Loss();
                x[i] = saved;
                Assert.Equal((up - down) / 2e-6, g[i], 1e-6);
            }
        }
    }

    [Fact]
    public void RejectsLayoutsGgmlWouldMisread()
    {
        using var tt = new TestTensors();
        Tensor q = tt.New(GgmlType.F32, 4, 2, 2, 1), k = tt.New(GgmlType.F32, 4, 5, 2, 1), v = tt.New(GgmlType.F32, 5, 4, 2, 1), d = tt.New(GgmlType.F32, 4, 2, 2, 1);
        long total = Pad(16) + Pad(40) + Pad(40);
        Assert.Null(TestGraph.Rejection(Node(tt, total, q, k, v, d, 1)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, k, v, d, 2)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total - 1, q, k, v, d, 0)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, k, tt.New(GgmlType.F32, 4, 4, 2, 1), d, 0)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, k, tt.New(GgmlType.F32, 6, 4, 2, 1), d, 0)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, tt.New(GgmlType.F32, 4, 1, 2, 1), v, d, 0)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, tt.New(GgmlType.F32, 4, 2, 3, 1), k, v, tt.New(GgmlType.F32, 4, 2, 3, 1), 0)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, k, v, tt.New(GgmlType.F32, 4, 2, 2, 2), 0)));
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, k, v, tt.New(GgmlType.F16, 4, 2, 2, 1), 0)));
        Tensor kStorage = tt.New(GgmlType.F32, 5, 4, 2, 1);
        Tensor kT = TestTensors.View(kStorage, 0, [4, 5, 2, 1], [20, 4, 80, 160]);
        Assert.NotNull(TestGraph.Rejection(Node(tt, total, q, kT, v, d, 0)));
        Tensor q2 = tt.New(GgmlType.F32, 4, 2, 4, 2), k2 = tt.New(GgmlType.F32, 4, 5, 2, 2), v2 = tt.New(GgmlType.F32, 5, 4, 2, 2), d2 = tt.New(GgmlType.F32, 4, 2, 4, 2);
        Assert.NotNull(TestGraph.Rejection(Node(tt, Pad(64) + Pad(80) + Pad(80), q2, k2, v2, d2, 0)));
    }

    private static Tensor Node(TestTensors tt, long total, Tensor q, Tensor k, Tensor v, Tensor d, int masked)
    {
        Tensor t = tt.Node(GgmlOp.FlashAttnBack, GgmlType.F32, [total], q, k, v, d);
        t.Params[0] = masked;
        return t;
    }

    private static long Pad(long elements) => (elements + 3) / 4 * 4;

    private static unsafe float[] ReadStrided(Tensor t)
    {
        var values = new float[t.NElements];
        int at = 0;
        for (long i3 = 0; i3 < t.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < t.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < t.Ne[1]; i1++)
                {
                    for (long i0 = 0; i0 < t.Ne[0]; i0++)
                    {
                        values[at++] = *(float*)(t.DataPtr + i0 * t.Nb[0] + i1 * t.Nb[1] + i2 * t.Nb[2] + i3 * t.Nb[3]);
                    }
                }
            }
        }
        return values;
    }

    private static void AssertClose(double[] expected, float[] actual, long offset)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[offset + i]) <= 1e-5 + 1e-4 * Math.Abs(expected[i]), $"element {i}: expected {expected[i]}, got {actual[offset + i]}");
        }
    }

    /// <summary>Attention in doubles: q [D,N,H,B], k [D,M,Hkv,B], v [M,D,Hkv,B] (transposed), d [D,N,H,B].</summary>
    private sealed class Problem(double[] q, double[] k, double[] v, double[] d, int dim, int n, int m, int heads, int kvHeads, int batch, bool masked)
    {
        public Problem(float[] q, float[] k, float[] v, float[] d, int dim, int n, int m, int heads, int kvHeads, int batch, bool masked)
            : this(Array.ConvertAll(q, x => (double)x), Array.ConvertAll(k, x => (double)x), Array.ConvertAll(v, x => (double)x),
                   Array.ConvertAll(d, x => (double)x), dim, n, m, heads, kvHeads, batch, masked)
        {
        }

        public double[] Q => q;

        public double[] K => k;

        public double[] V => v;

        private double Scale => 1.0 / Math.Sqrt(dim);

        public double Loss()
        {
            double loss = 0;
            ForEachQuery((qo, ko, vo, dOff, p) =>
            {
                for (int c = 0; c < dim; c++)
                {
                    double o = 0;
                    for (int j = 0; j < p.Length; j++)
                    {
                        o += p[j] * v[vo + c * m + j];
                    }
                    loss += o * d[dOff + c];
                }
            });
            return loss;
        }

        public (double[] Gq, double[] Gk, double[] Gv) Gradients()
        {
            var gq = new double[q.Length];
            var gk = new double[k.Length];
            var gv = new double[v.Length];
            ForEachQuery((qo, ko, vo, dOff, p) =>
            {
                var dp = new double[p.Length];
                double mean = 0;
                for (int j = 0; j < p.Length; j++)
                {
                    for (int c = 0; c < dim; c++)
                    {
                        dp[j] += d[dOff + c] * v[vo + c * m + j];
                        gv[vo + c * m + j] += p[j] * d[dOff + c];
                    }
                    mean += p[j] * dp[j];
                }
                for (int j = 0; j < p.Length; j++)
                {
                    double ds = p[j] * (dp[j] - mean) * Scale;
                    for (int c = 0; c < dim; c++)
                    {
                        gq[qo + c] += ds * k[ko + j * dim + c];
                        gk[ko + j * dim + c] += ds * q[qo + c];
                    }
                }
            });
            return (gq, gk, gv);
        }

        private void ForEachQuery(Action<int, int, int, int, double[]> body)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int h = 0; h < heads; h++)
                {
                    int hk = h % kvHeads;
                    int ko = (b * kvHeads + hk) * m * dim;
                    int vo = ko;
                    for (int i = 0; i < n; i++)
                    {
                        int qo = ((b * heads + h) * n + i) * dim;
                        int visible = masked ? m - n + i + 1 : m;
                        var p = new double[visible];
                        for (int j = 0; j < visible; j++)
                        {
                            for (int c = 0; c < dim; c++)
                            {
                                p[j] += q[qo + c] * k[ko + j * dim + c];
                            }
                            p[j] *= Scale;
                        }
                        double max = p.Max(), sum = 0;
                        for (int j = 0; j < visible; j++)
                        {
                            p[j] = Math.Exp(p[j] - max);
                            sum += p[j];
                        }
                        for (int j = 0; j < visible; j++)
                        {
                            p[j] /= sum;
                        }
                        body(qo, ko, vo, qo, p);
                    }
                }
            }
        }
    }
}
