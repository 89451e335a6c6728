using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>
/// FLASH_ATTN_BACK: gradients of <c>softmax(q·kᵀ/√D [causal]) · v</c>. src0 = q [D, N, H, B], src1 = k [D, M, Hkv, B],
/// src2 = v stored transposed [M, D, Hkv, B], src3 = output gradients [D, N, H, B]; op_params[0] = masked (causal with
/// P = M − N past positions). The destination is one flat f32 buffer holding grad q, grad k and grad v back to back,
/// each starting on a 16-byte boundary (ggml-cpu semantics; work split over k heads, q heads repeat them H/Hkv times).
/// </summary>
internal sealed unsafe class FlashAttnBack : IOpKernel
{
    private const long Align = 16 / sizeof(float);

    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 4) is { } typeError)
        {
            return typeError;
        }
        if (node.Params[0] is not (0 or 1))
        {
            return "masked must be 0 or 1";
        }
        Tensor q = node.Src[0]!, k = node.Src[1]!, v = node.Src[2]!, d = node.Src[3]!;
        long dim = q.Ne[0], n = q.Ne[1], m = k.Ne[1];
        if (m < n)
        {
            return "k must have at least as many rows as q";
        }
        if (q.Nb[0] != sizeof(float) || k.Nb[0] != sizeof(float) || v.Nb[0] != sizeof(float))
        {
            return "q, k and v rows must be packed";
        }
        if (k.Ne[0] != dim || v.Ne[0] != m || v.Ne[1] != dim || d.Ne[0] != dim || d.Ne[1] != n)
        {
            return "shapes must be q [D,N], k [D,M], v [M,D], d [D,N]";
        }
        if (k.Ne[2] <= 0 || q.Ne[2] % k.Ne[2] != 0 || v.Ne[2] != k.Ne[2] || d.Ne[2] != q.Ne[2])
        {
            return "q/d heads must be a multiple of the k/v heads";
        }
        if (k.Ne[3] != q.Ne[3] || v.Ne[3] != q.Ne[3] || d.Ne[3] != q.Ne[3])
        {
            return "q, k, v and d must have one batch count";
        }
        if (k.Ne[3] > 1 && q.Ne[2] != k.Ne[2])
        {
            return "batched grouped heads are not laid out consistently by ggml";
        }
        if (!node.IsContiguous || node.NElements < GradVOffset(q, k) + v.NElements)
        {
            return "destination must be a contiguous f32 buffer holding grad q, grad k and grad v";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads) => threads * ScratchFloats(node.Src[1]!.Ne[1]) * sizeof(float);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor q = node.Src[0]!, k = node.Src[1]!, v = node.Src[2]!, d = node.Src[3]!;
        if (p.Ith == 0)
        {
            NativeMemory.Clear(node.DataPtr, (nuint)node.NBytes);
        }
        p.Barrier();

        bool masked = node.Params[0] != 0;
        int dim = checked((int)q.Ne[0]);
        long n = q.Ne[1], m = k.Ne[1], past = m - n;
        long heads = q.Ne[2], kvHeads = k.Ne[2];
        long nrep = heads / kvHeads;
        float scale = 1.0f / MathF.Sqrt(dim);
        float* gradQ = (float*)node.DataPtr;
        float* gradK = gradQ + GradKOffset(q);
        float* gradV = gradQ + GradVOffset(q, k);
        long gk1 = dim, gk2 = dim * m, gk3 = dim * m * heads;
        long gv1 = m, gv2 = m * dim, gv3 = m * dim * heads;
        float* s = (float*)p.WData + p.Ith * ScratchFloats(m);
        float* sm = s + m;

        (long ir0, long ir1) = p.Share(kvHeads * k.Ne[3]);
        for (long ir = ir0; ir < ir1; ir++)
        {
            long ik3 = ir / kvHeads;
            long ik2 = ir - ik3 * kvHeads;
            for (long irep = 0; irep < nrep; irep++)
            {
                long iq2 = ik2 + irep * kvHeads;
                for (long iq1 = 0; iq1 < n; iq1++)
                {
                    int visible = checked((int)(masked ? past + iq1 + 1 : m));
                    var qRow = new ReadOnlySpan<float>(q.RowPtr(iq1, iq2, ik3), dim);
                    var sSpan = new Span<float>(s, visible);
                    var smSpan = new Span<float>(sm, visible);
                    for (long ic = 0; ic < visible; ic++)
                    {
                        s[ic] = TensorPrimitives.Dot(new ReadOnlySpan<float>(k.RowPtr(ic, ik2, ik3), dim), qRow) * scale;
                    }

                    float max = TensorPrimitives.Max(sSpan);
                    double sum = 0;
                    for (int i = 0; i < visible; i++)
                    {
                        float e = MathF.Exp(s[i] - max);
                        sum += e;
                        sm[i] = e;
                    }
                    TensorPrimitives.Multiply(smSpan, (float)(1.0 / sum), smSpan);

                    byte* dRow = d.RowPtr(iq1, iq2, ik3);
                    sSpan.Clear();
                    for (long ic = 0; ic < dim; ic++)
                    {
                        float dv = *(float*)(dRow + ic * d.Nb[0]);
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v.RowPtr(ic, ik2, ik3), visible), dv, sSpan, sSpan);
                    }
                    float dot = TensorPrimitives.Dot(smSpan, sSpan);
                    TensorPrimitives.Subtract(sSpan, dot, sSpan);
                    TensorPrimitives.Multiply(sSpan, smSpan, sSpan);
                    TensorPrimitives.Multiply(sSpan, scale, sSpan);

                    var gq = new Span<float>(gradQ + (ik3 * heads + iq2) * n * dim + iq1 * dim, dim);
                    for (long ic = 0; ic < visible; ic++)
                    {
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(k.RowPtr(ic, ik2, ik3), dim), s[ic], gq, gq);
                        var gk = new Span<float>(gradK + ic * gk1 + ik2 * gk2 + ik3 * gk3, dim);
                        TensorPrimitives.MultiplyAdd(qRow, s[ic], gk, gk);
                    }
                    for (long ic = 0; ic < dim; ic++)
                    {
                        float dv = *(float*)(dRow + ic * d.Nb[0]);
                        var gv = new Span<float>(gradV + ic * gv1 + ik2 * gv2 + ik3 * gv3, visible);
                        TensorPrimitives.MultiplyAdd(smSpan, dv, gv, gv);
                    }
                }
            }
        }
    }

    private static long ScratchFloats(long m) => (2 * m + 15) / 16 * 16;

    private static long GradKOffset(Tensor q) => (q.NElements + Align - 1) / Align * Align;

    private static long GradVOffset(Tensor q, Tensor k) => GradKOffset(q) + (k.NElements + Align - 1) / Align * Align;
}
