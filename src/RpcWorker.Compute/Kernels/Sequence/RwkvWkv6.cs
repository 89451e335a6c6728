using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// RWKV_WKV6: <c>out = r·(u ⊙ kᵀv + S)</c>, <c>S ← w_t ⊙ S + kᵀv</c> per head (src: k, v, r, time_faaaa u, time_decay w, state).
/// Each thread owns whole heads, so it zeroes and accumulates only its own outputs (no barrier).
/// </summary>
internal sealed unsafe class RwkvWkv6 : IOpKernel
{
    public string? Validate(Tensor node) => RecurrentLayout.Validate(node, 6, stateIndex: 5, perChannelIndex: 3);

    public void Compute(in ComputeParams p, Tensor node)
    {
        long t = node.Src[1]!.Ne[2], c = node.Ne[0], heads = node.Src[1]!.Ne[1], nSeqs = node.Src[5]!.Ne[1];
        long headSize = c / heads, tokensPerSeq = t / nSeqs;
        float* dst = (float*)node.DataPtr;
        float* state = dst + c * t;
        float* k = (float*)node.Src[0]!.DataPtr, v = (float*)node.Src[1]!.DataPtr, r = (float*)node.Src[2]!.DataPtr;
        float* faaaa = (float*)node.Src[3]!.DataPtr, decay = (float*)node.Src[4]!.DataPtr, state0 = (float*)node.Src[5]!.DataPtr;
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
                    float kv = k[th + i], rv = r[th + i], u = faaaa[h * headSize + i], w = decay[th + i];
                    long row = h2 + i * headSize;
                    for (long j = 0; j < headSize; j++)
                    {
                        float kvv = v[th + j] * kv;
                        float prevState = prev[row + j];
                        dst[th + j] += (kvv * u + prevState) * rv;
                        cur[row + j] = prevState * w + kvv;
                    }
                }
            }
        }
    }
}
