using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// LIGHTNING_INDEXER (DeepSeek sparse attention): per token and key, <c>Σ_h relu(q_h·k) · w_h + mask</c>. K may be any
/// type with a row format; its rows are converted to F32 in per-thread scratch.
/// </summary>
internal sealed unsafe class LightningIndexer : IOpKernel
{
    private const int CacheLineFloats = 16;

    public string? Validate(Tensor node)
    {
        Tensor? q = node.Src[0], k = node.Src[1], w = node.Src[2], m = node.Src[3];
        if (node.Type != GgmlType.F32 || !KernelChecks.Is(q, GgmlType.F32) || !KernelChecks.Is(w, GgmlType.F32)
            || !KernelChecks.Is(m, GgmlType.F16) || k is null || RowFormats.Find(k.Type) is null)
        {
            return "needs f32 q and weights, f16 mask, and a readable k type";
        }
        long nEmbd = q!.Ne[0], nHead = q.Ne[1], nTokens = q.Ne[2], nStream = q.Ne[3], nKv = k.Ne[2];
        bool shapes = k.Ne[0] == nEmbd && k.Ne[1] == 1 && k.Ne[3] == nStream && nEmbd % k.Info.BlockSize == 0
            && KernelChecks.HasShape(w!, nHead, nTokens, 1, nStream)
            && m!.Ne[0] == nKv && m.Ne[1] == nTokens && m.Ne[2] == 1 && m.Ne[3] >= 1 && nStream % m.Ne[3] == 0
            && KernelChecks.HasShape(node, nKv, nTokens, 1, nStream);
        if (!shapes)
        {
            return "shapes must be q [n_embd, n_head, n_tokens, n_stream], k [n_embd, 1, n_kv, n_stream], weights [n_head, n_tokens, 1, n_stream], mask [n_kv, n_tokens, 1, *]";
        }
        bool rows = node.Nb[0] == 4 && q.Nb[0] == 4 && w!.Nb[0] == 4 && m!.Nb[0] == 2 && k.IsContiguousRows;
        return rows ? null : "rows must be contiguous";
    }

    public long GetWorkSize(Tensor node, int threads) => checked((node.Src[1]!.Ne[0] + CacheLineFloats) * sizeof(float) * threads);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor q = node.Src[0]!, k = node.Src[1]!, w = node.Src[2]!, m = node.Src[3]!;
        int nEmbd = (int)q.Ne[0];
        long nHead = q.Ne[1], nTokens = q.Ne[2], nStream = q.Ne[3], nKv = k.Ne[2];
        RowFormat kFormat = RowFormats.Get(k.Type);
        float* kRow = (float*)p.WData + p.Ith * (nEmbd + CacheLineFloats);
        var kSpan = new ReadOnlySpan<float>(kRow, nEmbd);

        (long ir0, long ir1) = p.Share(nKv);

        for (long s = 0; s < nStream; s++)
        {
            for (long t = 0; t < nTokens; t++)
            {
                float* wRow = (float*)(w.DataPtr + t * w.Nb[1] + s * w.Nb[3]);
                ushort* mRow = (ushort*)(m.DataPtr + t * m.Nb[1] + s % m.Ne[3] * m.Nb[3]);
                float* dstRow = (float*)(node.DataPtr + t * node.Nb[1] + s * node.Nb[3]);
                for (long ik = ir0; ik < ir1; ik++)
                {
                    kFormat.ToFloat(k.DataPtr + ik * k.Nb[2] + s * k.Nb[3], kRow, nEmbd);
                    float score = 0;
                    for (long h = 0; h < nHead; h++)
                    {
                        var qRow = new ReadOnlySpan<float>(q.DataPtr + h * q.Nb[1] + t * q.Nb[2] + s * q.Nb[3], nEmbd);
                        score += MathF.Max(TensorPrimitives.Dot(qRow, kSpan), 0.0f) * wRow[h];
                    }
                    dstRow[ik] = score + Fp16.ToSingle(mRow[ik]);
                }
            }
        }
    }
}
