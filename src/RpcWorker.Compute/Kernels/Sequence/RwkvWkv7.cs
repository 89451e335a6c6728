using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// RWKV_WKV7: per head and row i, <c>sa = a·S_i</c>, <c>S_i ← S_i ⊙ w + v_i k + sa b</c>, <c>out_i = S_i·r</c>
/// (src: r, w, k, v, a, b, state).
/// </summary>
internal sealed unsafe class RwkvWkv7 : IOpKernel
{
    public string? Validate(Tensor node) => RecurrentLayout.Validate(node, 7, stateIndex: 6);

    public void Compute(in ComputeParams p, Tensor node)
    {
        long t = node.Src[1]!.Ne[2], c = node.Ne[0], heads = node.Src[1]!.Ne[1], nSeqs = node.Src[6]!.Ne[1];
        long headSize = c / heads, tokensPerSeq = t / nSeqs;
        float* dst = (float*)node.DataPtr;
        float* state = dst + c * t;
        float* r = (float*)node.Src[0]!.DataPtr, w = (float*)node.Src[1]!.DataPtr, k = (float*)node.Src[2]!.DataPtr;
        float* v = (float*)node.Src[3]!.DataPtr, a = (float*)node.Src[4]!.DataPtr, b = (float*)node.Src[5]!.DataPtr;
        float* state0 = (float*)node.Src[6]!.DataPtr;
        long hStart = heads * p.Ith / p.Nth, hEnd = Math.Min(heads * (p.Ith + 1) / p.Nth, heads);

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
                    long row = h2 + i * headSize;
                    float vi = v[th + i];
                    float sa = 0, result = 0;
                    for (long j = 0; j < headSize; j++)
                    {
                        sa += a[th + j] * prev[row + j];
                    }
                    for (long j = 0; j < headSize; j++)
                    {
                        float value = prev[row + j] * w[th + j] + vi * k[th + j] + sa * b[th + j];
                        cur[row + j] = value;
                        result += value * r[th + j];
                    }
                    dst[th + i] = result;
                }
            }
        }
    }
}
