using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// SSM_SCAN: Mamba-1/Mamba-2 selective scan. Output is <c>[y | K state snapshots]</c> in one F32 vector, as ggml-cpu
/// lays it out; src6 holds each sequence's state slot in src0 (checked when read).
/// </summary>
internal sealed unsafe class SsmScan : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 6) is { } typeError)
        {
            return typeError;
        }
        if (!KernelChecks.Is(node.Src[6], GgmlType.I32))
        {
            return "src6 (ids) must be i32";
        }
        Tensor s = node.Src[0]!, x = node.Src[1]!, dt = node.Src[2]!, a = node.Src[3]!, b = node.Src[4]!, c = node.Src[5]!, ids = node.Src[6]!;
        long snapshots = node.Params[0];
        long dState = s.Ne[0], headDim = x.Ne[0], nHead = x.Ne[1], nSeqTokens = x.Ne[2], nSeqs = x.Ne[3];
        if (snapshots < 1)
        {
            return "snapshot count K must be at least 1";
        }
        if (!s.IsContiguous || !dt.IsContiguous || !a.IsContiguous || !node.IsContiguous)
        {
            return "s, dt, A and the destination must be contiguous";
        }
        if (x.Nb[0] != 4 || x.Nb[1] != x.Ne[0] * 4 || b.Nb[0] != 4 || b.Nb[1] != b.Ne[0] * 4 || c.Nb[0] != 4 || c.Nb[1] != c.Ne[0] * 4)
        {
            return "x, B and C need contiguous first two dimensions";
        }
        if (!TensorLayout.SameShape(b, c) || b.Nb[2] != c.Nb[2] || b.Nb[3] != c.Nb[3])
        {
            return "B and C must have the same shape and strides";
        }
        if (!KernelChecks.HasShape(dt, nHead, nSeqTokens, nSeqs, 1) || s.Ne[1] != headDim || s.Ne[2] != nHead)
        {
            return "dt must be [n_head, n_seq_tokens, n_seqs] and s [d_state, head_dim, n_head, *]";
        }
        long nGroup = b.Ne[1];
        if (b.Ne[0] != dState || b.Ne[2] != nSeqTokens || b.Ne[3] != nSeqs || nGroup < 1 || nHead % nGroup != 0)
        {
            return "B/C must be [d_state, n_group, n_seq_tokens, n_seqs] with n_group dividing n_head";
        }
        if (!KernelChecks.HasShape(ids, nSeqs, 1, 1, 1) || a.Ne[1] != nHead || a.Ne[2] != 1 || a.Ne[3] != 1)
        {
            return "ids must be [n_seqs] and A [1 or d_state, n_head]";
        }
        if (a.Ne[0] != 1 && (a.Ne[0] != dState || snapshots != 1))
        {
            return "a per-state A needs A.ne0 == d_state and K == 1";
        }
        long expected = checked(x.NElements + snapshots * dState * headDim * nHead * nSeqs);
        if (!KernelChecks.HasShape(node, expected, 1, 1, 1))
        {
            return "destination must hold y and K state snapshots";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src0 = node.Src[0]!, src1 = node.Src[1]!, src2 = node.Src[2]!, src3 = node.Src[3]!, src4 = node.Src[4]!, src5 = node.Src[5]!, src6 = node.Src[6]!;
        long nc = src0.Ne[0], nr = src0.Ne[1], nh = src1.Ne[1], ng = src4.Ne[1], nt = src1.Ne[2], ns = src1.Ne[3];
        long snapshots = node.Params[0];
        long sOff = src1.NElements * sizeof(float);

        (long ih0, long ih1) = p.Share(nh);
        int* ids = (int*)src6.DataPtr;
        float* aData = (float*)src3.DataPtr;

        for (long i3 = 0; i3 < ns; i3++)
        {
            int slotId = ids[i3];
            if ((uint)slotId >= (ulong)src0.Ne[3])
            {
                throw new ComputeException($"SSM_SCAN state id {slotId} outside [0, {src0.Ne[3]})");
            }
            float* s0 = (float*)(src0.DataPtr + slotId * src0.Nb[3]);
            float* s = (float*)(node.DataPtr + i3 * src0.Nb[3] + sOff);

            for (long i2 = 0; i2 < nt; i2++)
            {
                float* x = (float*)(src1.DataPtr + i2 * src1.Nb[2] + i3 * src1.Nb[3]);
                float* dt = (float*)(src2.DataPtr + i2 * src2.Nb[1] + i3 * src2.Nb[2]);
                float* b = (float*)(src4.DataPtr + i2 * src4.Nb[2] + i3 * src4.Nb[3]);
                float* c = (float*)(src5.DataPtr + i2 * src5.Nb[2] + i3 * src5.Nb[3]);
                float* y = (float*)(node.DataPtr + i2 * (nh * nr * sizeof(float)) + i3 * (nt * nh * nr * sizeof(float)));

                for (long h = ih0; h < ih1; h++)
                {
                    float dtSoftPlus = Softplus(dt[h]);
                    long g = h / (nh / ng);
                    bool scalarDecay = src3.Ne[0] == 1;
                    float dA = scalarDecay ? MathF.Exp(dtSoftPlus * aData[h]) : 0;
                    for (long i1 = 0; i1 < nr; i1++)
                    {
                        long ii = i1 + h * nr;
                        float xDt = x[ii] * dtSoftPlus;
                        float sum = 0;
                        for (long i0 = 0; i0 < nc; i0++)
                        {
                            long i = i0 + ii * nc;
                            long ig = i0 + g * nc;
                            float decay = scalarDecay ? dA : MathF.Exp(dtSoftPlus * aData[i0 + h * nc]);
                            float state = s0[i] * decay + b[ig] * xDt;
                            sum += state * c[ig];
                            s[i] = state;
                        }
                        y[ii] = sum;
                    }
                }

                long slot = nt - 1 - i2;
                if (snapshots > 1 && slot > 0 && slot < snapshots)
                {
                    byte* snapshot = node.DataPtr + sOff + (slot * ns + i3) * src0.Nb[3];
                    for (long h = ih0; h < ih1; h++)
                    {
                        Buffer.MemoryCopy((byte*)s + h * src0.Nb[2], snapshot + h * src0.Nb[2], src0.Nb[2], src0.Nb[2]);
                    }
                }
                s0 = s;
            }
        }
    }

    private static float Softplus(float input) => input > 20.0f ? input : MathF.Log(1 + MathF.Exp(input));
}
