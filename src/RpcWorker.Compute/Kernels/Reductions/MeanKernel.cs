using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_MEAN (F32): each row's sum (double, rounded to float) divided by ne0 in float, into [1, ne1, ne2, ne3].
/// Like ggml-cpu, a source row is read as ne0 packed floats from its start.
/// </summary>
internal sealed unsafe class MeanKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src)
        {
            return "missing source";
        }
        if (src.Type != GgmlType.F32 || node.Type != GgmlType.F32)
        {
            return "source and destination must be f32";
        }
        if (node.Ne[0] != 1 || !RowAccess.SameRows(src, node))
        {
            return "destination must be [1, ne1, ne2, ne3] of the source";
        }
        if (src.Ne[0] == 0)
        {
            return "empty source rows";
        }
        return RowAccess.PackedRowsInside(src) ? null : "source rows are not addressable as packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long ne1 = src.Ne[1], ne2 = src.Ne[2];
        float count = src.Ne[0];
        (long r0, long r1) = RowAccess.ThreadRange(src.NRows, p.Ith, p.Nth);
        SimdLevel level = SimdSupport.Active;
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            float sum = (float)FloatSum.Sum((float*)src.RowPtr(i1, i2, i3), src.Ne[0], level);
            *(float*)node.RowPtr(i1, i2, i3) = sum / count;
        }
    }
}
