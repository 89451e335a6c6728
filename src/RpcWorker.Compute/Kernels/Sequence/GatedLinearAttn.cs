using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// GATED_LINEAR_ATTN: <c>S ← g_t ⊙ S + kᵀv</c>, <c>out = (scale·q)·S</c> per head (src: k, v, q, g, state; op_params[0] = scale).
/// Each thread owns whole heads, so it zeroes and accumulates only its own outputs (no barrier).
/// </summary>
internal sealed unsafe class GatedLinearAttn : IOpKernel
{
    public string? Validate(Tensor node) => RecurrentLayout.Validate(node, 5, stateIndex: 4);

    public void Compute(in ComputeParams p, Tensor node)
    {
        long t = node.Src[1]!.Ne[2], c = node.Ne[0], heads = node.Src[1]!.Ne[1], nSeqs = node.Src[4]!.Ne[1];
        long headSize = c / heads, tokensPerSeq = t / nSeqs;
        float scale = node.Params.GetFloat(0);
        float* dst = (float*)node.DataPtr;
        float* state = dst + c * t;
        float* k = (float*)node.Src[0]!.DataPtr, v = (float*)node.Src[1]!.DataPtr, q = (float*)node.Src[2]!.DataPtr;
        float* g = (float*)node.Src[3]!.DataPtr, state0 = (float*)node.Src[4]!.DataPtr;
        long hStart = heads * p.Ith / p.Nth, hEnd = Math.Min(heads * (p.Ith + 1) / p.Nth, heads);

        for (long tt = 0; tt < t; tt++)
        {
            for (long h = hStart; h < hEnd; h++)
            {
                new Span<float>(dst + tt * c + h * headSize, (int)headSize).Clear();
            }
        }
        for (long tt = 0; tt < t; tt++)
        {
            long stateOffset = headSize * c * (tt / tokensPerSeq);
            float* cur = state + stateOffset;
            float* prev = tt % tokensPerSeq != 0 ? cur : state0 + stateOffset;
            for (long h = hStart; h < hEnd; h++)
            {
                long th = tt * c + h * headSize;
                long h2 = h * headSize * headSize;
                for (long i = 0; i < headSize; i++)
                {
                    float kv = k[th + i], qv = q[th + i] * scale, gv = g[th + i];
                    long row = h2 + i * headSize;
                    for (long j = 0; j < headSize; j++)
                    {
                        float value = prev[row + j] * gv + v[th + j] * kv;
                        dst[th + j] += value * qv;
                        cur[row + j] = value;
                    }
                }
            }
        }
    }
}
