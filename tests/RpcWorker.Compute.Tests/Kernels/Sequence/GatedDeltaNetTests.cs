namespace RpcWorker.Compute.Tests.Kernels.Sequence;

public class GatedDeltaNetTests
{
    [Theory]
    [InlineData(4, 2, 3, 1, 1, false)]
    [InlineData(8, 3, 5, 2, 1, true)]
    [InlineData(5, 2, 4, 2, 3, false)]
    [InlineData(6, 1, 2, 1, 4, true)]
    public void GatedDeltaNet_MatchesDeltaRuleReference(int sv, int h, int nTokens, int nSeqs, int snapshots, bool kda)
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using var tt = new TestTensors();
            var rng = new Random(sv * 13 + nTokens);
            Tensor q = tt.New(GgmlType.F32, sv, h, nTokens, nSeqs);
            Tensor k = tt.New(GgmlType.F32, sv, h, nTokens, nSeqs);
            Tensor v = tt.New(GgmlType.F32, sv, h, nTokens, nSeqs);
            Tensor g = tt.New(GgmlType.F32, kda ? sv : 1, h, nTokens, nSeqs);
            Tensor beta = tt.New(GgmlType.F32, 1, h, nTokens, nSeqs);
            Tensor state = tt.New(GgmlType.F32, sv, sv, h, nSeqs);
            foreach (Tensor t in new[] { q, k, v, state })
            {
                TestTensors.FillRandom(t, rng);
            }
            TestTensors.FillRandom(g, rng, -0.5f, 0f);
            TestTensors.FillRandom(beta, rng, 0f, 1f);
            Tensor dst = tt.Node(GgmlOp.GatedDeltaNet, GgmlType.F32, [sv * h, nTokens * nSeqs + snapshots * sv * nSeqs], q, k, v, g, beta, state);
            dst.Params[0] = snapshots;

            TestGraph.Run(threads, dst);

            double[] expected = Reference(sv, h, nTokens, nSeqs, snapshots, kda,
                TestTensors.Read(q), TestTensors.Read(k), TestTensors.Read(v), TestTensors.Read(g), TestTensors.Read(beta), TestTensors.Read(state));
            float[] actual = TestTensors.Read(dst);
            for (int i = 0; i < expected.Length; i++)
            {
                if (!double.IsNaN(expected[i]))
                {
                    Assert.Equal(expected[i], actual[i], 1e-4);
                }
            }
        }
    }

    /// <summary>S[i][j] state per (head, seq): S ← diag/scalar decay · S; δ = (v − Sᵀk)·β; S += k δᵀ; o = Sᵀq / √S_v.</summary>
    private static double[] Reference(int sv, int h, int nTokens, int nSeqs, int snapshots, bool kda,
        float[] q, float[] k, float[] v, float[] g, float[] beta, float[] state)
    {
        int attnElems = sv * h * nTokens * nSeqs;
        var output = new double[attnElems + snapshots * sv * sv * h * nSeqs];
        Array.Fill(output, double.NaN, attnElems, output.Length - attnElems);
        double scale = 1.0 / Math.Sqrt(sv);
        for (int seq = 0; seq < nSeqs; seq++)
        {
            for (int head = 0; head < h; head++)
            {
                var s = new double[sv, sv];
                int stateBase = (seq * h + head) * sv * sv;
                for (int j = 0; j < sv; j++)
                {
                    for (int i = 0; i < sv; i++)
                    {
                        s[i, j] = state[stateBase + j * sv + i];
                    }
                }
                for (int t = 0; t < nTokens; t++)
                {
                    int row = ((seq * nTokens + t) * h + head) * sv;
                    int gateRow = ((seq * nTokens + t) * h + head) * (kda ? sv : 1);
                    double b = beta[(seq * nTokens + t) * h + head];
                    for (int i = 0; i < sv; i++)
                    {
                        double decay = Math.Exp(g[gateRow + (kda ? i : 0)]);
                        for (int j = 0; j < sv; j++)
                        {
                            s[i, j] *= decay;
                        }
                    }
                    var delta = new double[sv];
                    for (int j = 0; j < sv; j++)
                    {
                        double sum = 0;
                        for (int i = 0; i < sv; i++)
                        {
                            sum += s[i, j] * k[row + i];
                        }
                        delta[j] = (v[row + j] - sum) * b;
                    }
                    for (int i = 0; i < sv; i++)
                    {
                        for (int j = 0; j < sv; j++)
                        {
                            s[i, j] += k[row + i] * delta[j];
                        }
                    }
                    for (int j = 0; j < sv; j++)
                    {
                        double sum = 0;
                        for (int i = 0; i < sv; i++)
                        {
                            sum += s[i, j] * q[row + i];
                        }
                        output[row + j] = sum * scale;
                    }
                    int slot = nTokens - 1 - t;
                    if (slot < snapshots)
                    {
                        int baseOut = attnElems + slot * sv * sv * h * nSeqs + (seq * h + head) * sv * sv;
                        for (int j = 0; j < sv; j++)
                        {
                            for (int i = 0; i < sv; i++)
                            {
                                output[baseOut + j * sv + i] = s[i, j];
                            }
                        }
                    }
                }
            }
        }
        return output;
    }
}
