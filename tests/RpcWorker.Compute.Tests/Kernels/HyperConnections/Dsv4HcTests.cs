namespace RpcWorker.Compute.Tests.Kernels.HyperConnections;

public class Dsv4HcTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    public void HcComb_IsSoftmaxThenSinkhornNormalized(int nTokens, int nIter)
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using var tt = new TestTensors();
            var rng = new Random(nTokens + nIter);
            Tensor mixes = tt.New(GgmlType.F32, 24, nTokens);
            Tensor scale = tt.New(GgmlType.F32, 3);
            Tensor b = tt.New(GgmlType.F32, 24);
            TestTensors.FillRandom(mixes, rng);
            TestTensors.FillRandom(scale, rng);
            TestTensors.FillRandom(b, rng);
            Tensor dst = tt.Node(GgmlOp.Dsv4HcComb, GgmlType.F32, [4, 4, nTokens], mixes, scale, b);
            const float eps = 1e-6f;
            dst.Params[0] = BitConverter.SingleToInt32Bits(eps);
            dst.Params[1] = nIter;

            TestGraph.Run(threads, dst);

            float[] m = TestTensors.Read(mixes), s = TestTensors.Read(scale), bv = TestTensors.Read(b), actual = TestTensors.Read(dst);
            for (int t = 0; t < nTokens; t++)
            {
                var c = new double[4, 4];
                for (int src = 0; src < 4; src++)
                {
                    var logits = new double[4];
                    for (int d = 0; d < 4; d++)
                    {
                        logits[d] = m[t * 24 + 8 + d + 4 * src] * s[2] + bv[8 + d + 4 * src];
                    }
                    double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
                    for (int d = 0; d < 4; d++)
                    {
                        c[d, src] = Math.Exp(logits[d] - max) / sum + eps;
                    }
                }
                Normalize(c, eps, byColumn: true);
                for (int i = 1; i < nIter; i++)
                {
                    Normalize(c, eps, byColumn: false);
                    Normalize(c, eps, byColumn: true);
                }
                for (int src = 0; src < 4; src++)
                {
                    for (int d = 0; d < 4; d++)
                    {
                        Assert.Equal(c[d, src], actual[t * 16 + src * 4 + d], 1e-5);
                    }
                }
            }
        }
    }

    [Fact]
    public void HcPreAndPost_MatchWeightedSums()
    {
        const int nEmbd = 7, hc = 4, nTokens = 3;
        using var tt = new TestTensors();
        var rng = new Random(5);
        Tensor x = tt.New(GgmlType.F32, nEmbd, hc, nTokens);
        Tensor w = tt.New(GgmlType.F32, hc, nTokens);
        Tensor layerOut = tt.New(GgmlType.F32, nEmbd, nTokens);
        Tensor post = tt.New(GgmlType.F32, hc, nTokens);
        Tensor comb = tt.New(GgmlType.F32, hc, hc, nTokens);
        foreach (Tensor t in new[] { x, w, layerOut, post, comb })
        {
            TestTensors.FillRandom(t, rng);
        }
        Tensor pre = tt.Node(GgmlOp.Dsv4HcPre, GgmlType.F32, [nEmbd, nTokens], x, w);
        Tensor postNode = tt.Node(GgmlOp.Dsv4HcPost, GgmlType.F32, [nEmbd, hc, nTokens], layerOut, x, post, comb);

        TestGraph.Run(3, pre, postNode);

        float[] xv = TestTensors.Read(x), wv = TestTensors.Read(w), ov = TestTensors.Read(layerOut), pv = TestTensors.Read(post), cv = TestTensors.Read(comb);
        float[] preOut = TestTensors.Read(pre), postOut = TestTensors.Read(postNode);
        for (int t = 0; t < nTokens; t++)
        {
            for (int i = 0; i < nEmbd; i++)
            {
                double sum = 0;
                for (int h = 0; h < hc; h++)
                {
                    sum += (double)xv[(t * hc + h) * nEmbd + i] * wv[t * hc + h];
                }
                Assert.Equal(sum, preOut[t * nEmbd + i], 1e-5);
                for (int d = 0; d < hc; d++)
                {
                    double y = (double)ov[t * nEmbd + i] * pv[t * hc + d];
                    for (int s = 0; s < hc; s++)
                    {
                        y += (double)xv[(t * hc + s) * nEmbd + i] * cv[(t * hc + s) * hc + d];
                    }
                    Assert.Equal(y, postOut[(t * hc + d) * nEmbd + i], 1e-5);
                }
            }
        }
    }

    private static void Normalize(double[,] c, double eps, bool byColumn)
    {
        for (int a = 0; a < 4; a++)
        {
            double sum = eps;
            for (int b = 0; b < 4; b++)
            {
                sum += byColumn ? c[a, b] : c[b, a];
            }
            for (int b = 0; b < 4; b++)
            {
                if (byColumn)
                {
                    c[a, b] /= sum;
                }
                else
                {
                    c[b, a] /= sum;
                }
            }
        }
    }
}
