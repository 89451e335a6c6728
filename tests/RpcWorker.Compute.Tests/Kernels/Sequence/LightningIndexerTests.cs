namespace RpcWorker.Compute.Tests.Kernels.Sequence;

public unsafe class LightningIndexerTests
{
    [Theory]
    [InlineData(GgmlType.F32, 8, 3, 4, 5, 1)]
    [InlineData(GgmlType.F16, 16, 2, 3, 7, 2)]
    public void LightningIndexer_MatchesReluWeightedScores(GgmlType kType, int nEmbd, int nHead, int nTokens, int nKv, int nStream)
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using var tt = new TestTensors();
            var rng = new Random(nEmbd + nKv);
            Tensor q = tt.New(GgmlType.F32, nEmbd, nHead, nTokens, nStream);
            Tensor k = tt.New(kType, nEmbd, 1, nKv, nStream);
            Tensor w = tt.New(GgmlType.F32, nHead, nTokens, 1, nStream);
            Tensor m = tt.New(GgmlType.F16, nKv, nTokens, 1, 1);
            foreach (Tensor t in new[] { q, k, w, m })
            {
                TestTensors.FillRandom(t, rng);
            }
            Tensor dst = tt.Node(GgmlOp.LightningIndexer, GgmlType.F32, [nKv, nTokens, 1, nStream], q, k, w, m);

            TestGraph.Run(threads, dst);

            float[] qv = TestTensors.Read(q), kv = TestTensors.Read(k), wv = TestTensors.Read(w), mv = TestTensors.Read(m), actual = TestTensors.Read(dst);
            for (int s = 0; s < nStream; s++)
            {
                for (int t = 0; t < nTokens; t++)
                {
                    for (int ik = 0; ik < nKv; ik++)
                    {
                        double score = 0;
                        for (int h = 0; h < nHead; h++)
                        {
                            double dot = 0;
                            for (int e = 0; e < nEmbd; e++)
                            {
                                dot += (double)qv[((s * nTokens + t) * nHead + h) * nEmbd + e] * kv[(s * nKv + ik) * nEmbd + e];
                            }
                            score += Math.Max(dot, 0) * wv[(s * nTokens + t) * nHead + h];
                        }
                        score += mv[t * nKv + ik];
                        Assert.Equal(score, actual[(s * nTokens + t) * nKv + ik], 1e-4);
                    }
                }
            }
        }
    }

    [Fact]
    public void Validate_RejectsMaskOfWrongLength()
    {
        using var tt = new TestTensors();
        Tensor q = tt.New(GgmlType.F32, 8, 2, 3);
        Tensor k = tt.New(GgmlType.F32, 8, 1, 5);
        Tensor w = tt.New(GgmlType.F32, 2, 3);
        Tensor m = tt.New(GgmlType.F16, 4, 3);
        Tensor dst = tt.Node(GgmlOp.LightningIndexer, GgmlType.F32, [5, 3], q, k, w, m);
        Assert.NotNull(TestGraph.Rejection(dst));
    }
}
