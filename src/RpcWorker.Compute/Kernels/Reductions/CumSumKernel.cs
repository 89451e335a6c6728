using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>GGML_OP_CUMSUM (F32): running sums along each row in float, element after element, rows split across the team.</summary>
internal sealed unsafe class CumSumKernel : IOpKernel
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
        return src.Nb[0] == sizeof(float) && node.Nb[0] == sizeof(float) ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long ne0 = src.Ne[0], ne1 = src.Ne[1], ne2 = src.Ne[2];
        (long r0, long r1) = RowAccess.ThreadRange(src.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            float* x = (float*)src.RowPtr(i1, i2, i3);
            float* y = (float*)node.RowPtr(i1, i2, i3);
            float acc = 0;
            for (long i = 0; i < ne0; i++)
            {
                acc = i == 0 ? x[0] : acc + x[i];
                y[i] = acc;
            }
        }
    }
}
