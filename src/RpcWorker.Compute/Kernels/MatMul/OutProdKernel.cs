using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// GGML_OP_OUT_PROD (ggml-cpu <c>ggml_compute_forward_out_prod</c>): dst[i0, i1, i2, i3] = Σ_j src0[i0, j, i2', i3'] ·
/// src1[i1, j, i2, i3]. F32 src0 broadcasts over dims 2 and 3; F16 and quantized src0 (widened row by row into per-thread
/// scratch) must match src1 there, as in ggml-cpu. Each thread owns whole dst rows, zeroes them and accumulates with FMA.
/// </summary>
internal sealed unsafe class OutProdKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (node.Src[0] is not { } src0 || node.Src[1] is not { } src1)
        {
            return "OUT_PROD needs two sources";
        }
        if (node.Type != GgmlType.F32 || src1.Type != GgmlType.F32)
        {
            return "OUT_PROD needs f32 src1 and output";
        }
        if (src0.Type == GgmlType.BF16 || RowFormats.Find(src0.Type) is null)
        {
            return $"OUT_PROD does not support src0 type {src0.Info.Name}";
        }
        if (node.Ne[0] != src0.Ne[0] || node.Ne[1] != src1.Ne[0] || node.Ne[2] != src1.Ne[2] || node.Ne[3] != src1.Ne[3]
            || src0.Ne[1] != src1.Ne[1])
        {
            return "OUT_PROD shapes do not match";
        }
        if (src0.Ne[2] <= 0 || src0.Ne[3] <= 0 || node.Ne[2] % src0.Ne[2] != 0 || node.Ne[3] % src0.Ne[3] != 0)
        {
            return "src0 does not broadcast over the output";
        }
        if (src0.Type != GgmlType.F32 && (src0.Ne[2] != src1.Ne[2] || src0.Ne[3] != src1.Ne[3]))
        {
            return "f16 and quantized src0 must match src1 in dims 2 and 3";
        }
        if (src0.Nb[0] != src0.Info.TypeSize || src0.Ne[0] % src0.Info.BlockSize != 0 || node.Nb[0] != sizeof(float))
        {
            return "OUT_PROD needs packed src0 and output rows";
        }
        if (node.Ne[0] > int.MaxValue - 64)
        {
            return "OUT_PROD rows are too long";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads) =>
        node.Src[0]!.Type == GgmlType.F32 ? 0 : checked(threads * RowScratch(node));

    private static long RowScratch(Tensor node) => MulMatKernel.Align(node.Ne[0] * sizeof(float));

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src0 = node.Src[0]!;
        Tensor src1 = node.Src[1]!;
        int ne0 = (int)node.Ne[0];
        long ne1 = node.Ne[1];
        long ne2 = node.Ne[2];
        long nr = ne1 * ne2 * node.Ne[3];
        long dr = (nr + p.Nth - 1) / p.Nth;
        long ir0 = dr * p.Ith;
        long ir1 = Math.Min(ir0 + dr, nr);
        long dps2 = ne2 / src0.Ne[2];
        long dps3 = node.Ne[3] / src0.Ne[3];
        RowFormat? widen = src0.Type == GgmlType.F32 ? null : RowFormats.Get(src0.Type);
        float* scratch = widen is null ? null : (float*)(p.WData + (p.Ith * RowScratch(node)));
        for (long ir = ir0; ir < ir1; ir++)
        {
            long i3 = ir / (ne2 * ne1);
            long i2 = (ir - (i3 * ne2 * ne1)) / ne1;
            long i1 = ir - (i3 * ne2 * ne1) - (i2 * ne1);
            var d = new Span<float>(node.RowPtr(i1, i2, i3), ne0);
            d.Clear();
            byte* s1 = src1.DataPtr + (i1 * src1.Nb[0]) + (i2 * src1.Nb[2]) + (i3 * src1.Nb[3]);
            byte* s0 = src0.DataPtr + (i2 / dps2 * src0.Nb[2]) + (i3 / dps3 * src0.Nb[3]);
            for (long j = 0; j < src0.Ne[1]; j++)
            {
                float v = *(float*)(s1 + (j * src1.Nb[1]));
                float* row = (float*)(s0 + (j * src0.Nb[1]));
                if (widen is not null)
                {
                    widen.ToFloat((byte*)row, scratch, ne0);
                    row = scratch;
                }
                TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(row, ne0), v, d, d);
            }
        }
    }
}
