using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_TRI (F32, op_params[0] = ggml_tri_type): keeps element (i0, i1) of each matrix where the predicate holds and
/// writes 0 elsewhere: 0 upper+diag (i0 ≥ i1), 1 upper (i0 &gt; i1), 2 lower+diag (i0 ≤ i1), 3 lower (i0 &lt; i1).
/// The source must be contiguous (as ggml asserts). Rows are split across the team.
/// </summary>
internal sealed unsafe class TriKernel : IOpKernel
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
        if (!TensorLayout.SameShape(src, node))
        {
            return "destination must have the source's shape";
        }
        if (node.Params[0] is < 0 or > 3)
        {
            return "tri type must be in [0, 3]";
        }
        return src.IsContiguous && RowAccess.PackedRowsInside(node) ? null : "source must be contiguous, rows packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        int type = node.Params[0];
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2];
        (long r0, long r1) = RowAccess.ThreadRange(src.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            float* x = (float*)src.RowPtr(i1, i2, i3);
            float* y = (float*)node.RowPtr(i1, i2, i3);
            for (long i0 = 0; i0 < ne0; i0++)
            {
                bool keep = type switch
                {
                    0 => i0 >= i1,
                    1 => i0 > i1,
                    2 => i0 <= i1,
                    _ => i0 < i1,
                };
                y[i0] = keep ? x[i0] : 0f;
            }
        }
    }
}
