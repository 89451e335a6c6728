using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// GATED_DELTA_NET: the gated delta rule recurrence (Qwen3-Next / Kimi linear attention). Output is
/// <c>[attention scores | K state snapshots]</c> in one F32 tensor, as ggml-cpu lays it out.
/// </summary>
internal sealed unsafe class GatedDeltaNet : IOpKernel
{
    private const int CacheLineFloats = 16;

    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 6) is { } typeError)
        {
            return typeError;
        }
        Tensor q = node.Src[0]!, k = node.Src[1]!, v = node.Src[2]!, g = node.Src[3]!, beta = node.Src[4]!, state = node.Src[5]!;
        long sv = v.Ne[0], h = v.Ne[1], nTokens = v.Ne[2], nSeqs = v.Ne[3];
        long snapshots = node.Params[0];
        if (snapshots < 1)
        {
            return "snapshot count K must be at least 1";
        }
        if (!q.IsContiguousRows || !k.IsContiguousRows || !v.IsContiguousRows || !g.IsContiguous || !beta.IsContiguous || !state.IsContiguous)
        {
            return "q, k, v need contiguous rows; g, beta and state must be contiguous";
        }
        foreach (Tensor qk in (ReadOnlySpan<Tensor>)[q, k])
        {
            if (qk.Ne[0] != sv || qk.Ne[2] != nTokens || qk.Ne[1] < 1 || qk.Ne[3] < 1 || nSeqs % qk.Ne[3] != 0)
            {
                return "q and k must be [S_v, H', n_tokens, n_seqs'] with n_seqs' dividing n_seqs";
            }
        }
        if ((g.Ne[0] != 1 && g.Ne[0] != sv) || g.Ne[1] != h || g.Ne[2] != nTokens || g.Ne[3] != nSeqs)
        {
            return "g must be [1 or S_v, H, n_tokens, n_seqs]";
        }
        if (!KernelChecks.HasShape(beta, 1, h, nTokens, nSeqs) || !KernelChecks.HasShape(state, sv, sv, h, nSeqs))
        {
            return "beta must be [1, H, n_tokens, n_seqs] and state [S_v, S_v, H, n_seqs]";
        }
        long rows = checked(nTokens * nSeqs + snapshots * sv * nSeqs);
        if (!KernelChecks.HasShape(node, checked(sv * h), rows, 1, 1) || !node.IsContiguous)
        {
            return "destination must be a contiguous [S_v*H, n_tokens*n_seqs + K*S_v*n_seqs]";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads)
    {
        long sv = node.Src[2]!.Ne[0];
        long perThread = sv + (node.Params[0] > 1 ? sv * sv : 0);
        return checked((perThread * threads + CacheLineFloats) * sizeof(float));
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor v = node.Src[2]!;
        long nr = v.Ne[1] * v.Ne[3];
        int nth = p.Nth;
        long nthScaled = nth * 4L;
        long chunkSize = (nr + nthScaled - 1) / nthScaled;
        long nChunk = (nr + chunkSize - 1) / chunkSize;
        if (nth == 1 || nChunk < nth)
        {
            nChunk = nth;
        }
        if (p.Ith == 0)
        {
            Volatile.Write(ref p.SharedCounter, nth);
        }
        p.Barrier();

        long dr = (nr + nChunk - 1) / nChunk;
        long current = p.Ith;
        while (current < nChunk)
        {
            long ir0 = dr * current;
            long ir1 = Math.Min(ir0 + dr, nr);
            OneChunk(p, node, ir0, ir1);
            current = Interlocked.Increment(ref p.SharedCounter) - 1;
        }
    }

    private static void OneChunk(in ComputeParams p, Tensor node, long ir0, long ir1)
    {
        Tensor q = node.Src[0]!, k = node.Src[1]!, v = node.Src[2]!, g = node.Src[3]!, beta = node.Src[4]!, state = node.Src[5]!;
        long sv = v.Ne[0], h = v.Ne[1], nTokens = v.Ne[2], nSeqs = v.Ne[3];
        int svi = (int)sv;
        bool kda = g.Ne[0] == sv;
        long snapshots = node.Params[0];
        long stateSeqStride = state.Nb[3] / sizeof(float);
        long perThread = sv + (snapshots > 1 ? sv * sv : 0);

        float* delta = (float*)p.WData + p.Ith * perThread + CacheLineFloats;
        float* stateWork = snapshots > 1 ? delta + sv : null;

        long attnElems = sv * h * nTokens * nSeqs;
        long snapshotSize = sv * sv * h * nSeqs;
        float* attnBase = (float*)node.DataPtr;
        float* stateOutBase = attnBase + attnElems;
        float* stateInBase = (float*)state.DataPtr;

        long rq3 = nSeqs / q.Ne[3];
        long rk3 = nSeqs / k.Ne[3];
        float scale = 1.0f / MathF.Sqrt(sv);
        var deltaSpan = new Span<float>(delta, svi);

        for (long ir = ir0; ir < ir1; ir++)
        {
            long iv1 = ir % h;
            long iv3 = ir / h;
            long iq1 = iv1 % q.Ne[1];
            long ik1 = iv1 % k.Ne[1];
            long iq3 = iv3 / rq3;
            long ik3 = iv3 / rk3;

            float* sOut = snapshots > 1 ? stateWork : stateOutBase + (iv3 * h + iv1) * sv * sv;
            float* sIn = stateInBase + iv3 * stateSeqStride + iv1 * sv * sv;
            Buffer.MemoryCopy(sIn, sOut, sv * sv * sizeof(float), sv * sv * sizeof(float));
            var sSpan = new Span<float>(sOut, checked((int)(sv * sv)));

            float* attn = attnBase + (iv3 * nTokens * h + iv1) * sv;
            for (long t = 0; t < nTokens; t++)
            {
                var qRow = new ReadOnlySpan<float>(q.DataPtr + iq3 * q.Nb[3] + t * q.Nb[2] + iq1 * q.Nb[1], svi);
                var kRow = new ReadOnlySpan<float>(k.DataPtr + ik3 * k.Nb[3] + t * k.Nb[2] + ik1 * k.Nb[1], svi);
                float* vRow = (float*)(v.DataPtr + iv3 * v.Nb[3] + t * v.Nb[2] + iv1 * v.Nb[1]);
                float betaVal = *(float*)(beta.DataPtr + iv3 * beta.Nb[3] + t * beta.Nb[2] + iv1 * beta.Nb[1]);
                float* gRow = (float*)(g.DataPtr + iv3 * g.Nb[3] + t * g.Nb[2] + iv1 * g.Nb[1]);

                if (kda)
                {
                    for (int i = 0; i < svi; i++)
                    {
                        delta[i] = MathF.Exp(gRow[i]);
                    }
                    for (int j = 0; j < svi; j++)
                    {
                        Span<float> row = sSpan.Slice(j * svi, svi);
                        TensorPrimitives.Multiply(row, deltaSpan, row);
                    }
                }
                else
                {
                    TensorPrimitives.Multiply(sSpan, MathF.Exp(gRow[0]), sSpan);
                }

                for (int j = 0; j < svi; j++)
                {
                    float sum = TensorPrimitives.Dot(sSpan.Slice(j * svi, svi), kRow);
                    delta[j] = (vRow[j] - sum) * betaVal;
                }
                for (int j = 0; j < svi; j++)
                {
                    Span<float> row = sSpan.Slice(j * svi, svi);
                    TensorPrimitives.MultiplyAdd(kRow, delta[j], row, row);
                }
                for (int j = 0; j < svi; j++)
                {
                    attn[j] = TensorPrimitives.Dot(sSpan.Slice(j * svi, svi), qRow) * scale;
                }
                attn += sv * h;

                if (snapshots > 1)
                {
                    long slot = nTokens - 1 - t;
                    if (slot >= 0 && slot < snapshots)
                    {
                        float* dst = stateOutBase + slot * snapshotSize + (iv3 * h + iv1) * sv * sv;
                        Buffer.MemoryCopy(sOut, dst, sv * sv * sizeof(float), sv * sv * sizeof(float));
                    }
                }
            }
        }
    }
}
