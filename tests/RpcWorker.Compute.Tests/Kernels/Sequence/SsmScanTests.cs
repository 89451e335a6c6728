using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Tests.Kernels.Sequence;

public unsafe class SsmScanTests
{
    [Theory]
    [InlineData(16, 4, 4, 2, 3, 2, true)]
    [InlineData(16, 3, 2, 1, 2, 1, false)]
    [InlineData(5, 2, 6, 3, 1, 2, true)]
    public void SsmScan_MatchesRecurrenceReference(int dState, int headDim, int nHead, int nGroup, int nTokens, int nSeqs, bool scalarDecay)
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using var tt = new TestTensors();
            var rng = new Random(dState + headDim * 3 + nHead * 5);
            int nSlots = nSeqs + 1;
            Tensor s = tt.New(GgmlType.F32, dState, headDim, nHead, nSlots);
            Tensor x = tt.New(GgmlType.F32, headDim, nHead, nTokens, nSeqs);
            Tensor dt = tt.New(GgmlType.F32, nHead, nTokens, nSeqs);
            Tensor a = tt.New(GgmlType.F32, scalarDecay ? 1 : dState, nHead);
            Tensor b = tt.New(GgmlType.F32, dState, nGroup, nTokens, nSeqs);
            Tensor c = tt.New(GgmlType.F32, dState, nGroup, nTokens, nSeqs);
            Tensor ids = tt.New(GgmlType.I32, nSeqs);
            foreach (Tensor t in new[] { s, x, dt, b, c })
            {
                TestTensors.FillRandom(t, rng);
            }
            TestTensors.FillRandom(a, rng, -1f, 0f);
            var idValues = new int[nSeqs];
            for (int i = 0; i < nSeqs; i++)
            {
                idValues[i] = nSlots - 1 - i;
                ((int*)ids.Data)[i] = idValues[i];
            }
            long yElems = x.NElements;
            Tensor dst = tt.Node(GgmlOp.SsmScan, GgmlType.F32, [yElems + dState * headDim * nHead * nSeqs], s, x, dt, a, b, c, ids);
            dst.Params[0] = 1;

            TestGraph.Run(threads, dst);

            float[] sv = TestTensors.Read(s), xv = TestTensors.Read(x), dtv = TestTensors.Read(dt), av = TestTensors.Read(a), bv = TestTensors.Read(b), cv = TestTensors.Read(c);
            float[] actual = TestTensors.Read(dst);
            for (int seq = 0; seq < nSeqs; seq++)
            {
                var state = new double[dState * headDim * nHead];
                for (int i = 0; i < state.Length; i++)
                {
                    state[i] = sv[idValues[seq] * state.Length + i];
                }
                for (int t = 0; t < nTokens; t++)
                {
                    for (int hd = 0; hd < nHead; hd++)
                    {
                        double dtRaw = dtv[(seq * nTokens + t) * nHead + hd];
                        double dtSp = dtRaw > 20 ? dtRaw : Math.Log(1 + Math.Exp(dtRaw));
                        int grp = hd / (nHead / nGroup);
                        for (int r = 0; r < headDim; r++)
                        {
                            double xDt = xv[((seq * nTokens + t) * nHead + hd) * headDim + r] * dtSp;
                            double y = 0;
                            for (int i0 = 0; i0 < dState; i0++)
                            {
                                int si = (hd * headDim + r) * dState + i0;
                                int bi = ((seq * nTokens + t) * nGroup + grp) * dState + i0;
                                double decay = Math.Exp(dtSp * av[scalarDecay ? hd : hd * dState + i0]);
                                state[si] = state[si] * decay + bv[bi] * xDt;
                                y += state[si] * cv[bi];
                            }
                            Assert.Equal(y, actual[((seq * nTokens + t) * nHead + hd) * headDim + r], 1e-4);
                        }
                    }
                }
                for (int i = 0; i < state.Length; i++)
                {
                    Assert.Equal(state[i], actual[yElems + seq * state.Length + i], 1e-4);
                }
            }
        }
    }

    [Fact]
    public void SsmScan_StateIdOutOfRange_FailsTheRunWithoutTouchingMemory()
    {
        using var tt = new TestTensors();
        Tensor s = tt.New(GgmlType.F32, 4, 2, 2, 1);
        Tensor x = tt.New(GgmlType.F32, 2, 2, 1, 1);
        Tensor dt = tt.New(GgmlType.F32, 2, 1, 1);
        Tensor a = tt.New(GgmlType.F32, 1, 2);
        Tensor b = tt.New(GgmlType.F32, 4, 1, 1, 1);
        Tensor c = tt.New(GgmlType.F32, 4, 1, 1, 1);
        Tensor ids = tt.New(GgmlType.I32, 1);
        ((int*)ids.Data)[0] = 1_000_000;
        Tensor dst = tt.Node(GgmlOp.SsmScan, GgmlType.F32, [x.NElements + 16], s, x, dt, a, b, c, ids);
        dst.Params[0] = 1;

        Assert.Throws<ComputeException>(() => TestGraph.Run(2, dst));
    }
}
