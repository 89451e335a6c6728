using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_SUM_ROWS (F32): each row's sum, accumulated in double and rounded to float (<c>ggml_vec_sum_f32</c>), into a
/// tensor of shape [1, ne1, ne2, ne3]. Rows are split across the team.
/// </summary>
internal sealed unsafe class SumRowsKernel : IOpKernel
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
        return src.Nb[0] == sizeof(float) && node.Nb[0] == sizeof(float) ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long ne1 = src.Ne[1], ne2 = src.Ne[2];
        (long r0, long r1) = RowAccess.ThreadRange(src.NRows, p.Ith, p.Nth);
        SimdLevel level = SimdSupport.Active;
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            *(float*)node.RowPtr(i1, i2, i3) = (float)FloatSum.Sum((float*)src.RowPtr(i1, i2, i3), src.Ne[0], level);
        }
    }
}
