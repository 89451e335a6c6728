using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_ROLL (F32, op_params = {s0, s1, s2, s3}): dst[i] = src[(i - s) mod ne] in every dimension. Shifts of any size
/// wrap (ggml requires |s| &lt; ne, where both agree). Source and destination rows packed. Rows are split across the team.
/// </summary>
internal sealed unsafe class RollKernel : IOpKernel
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
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2], ne3 = node.Ne[3];
        long s0 = node.Params[0], s1 = node.Params[1], s2 = node.Params[2], s3 = node.Params[3];
        long s = Wrap(-s0, ne0);
        long n = ne0 - s;
        (long r0, long r1) = RowAccess.ThreadRange(node.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i1 = r % ne1;
            long i2 = r / ne1 % ne2;
            long i3 = r / (ne2 * ne1);
            float* y = (float*)node.RowPtr(i1, i2, i3);
            float* x = (float*)src.RowPtr(Wrap(i1 - s1, ne1), Wrap(i2 - s2, ne2), Wrap(i3 - s3, ne3));
            Buffer.MemoryCopy(x + s, y, n * 4, n * 4);
            Buffer.MemoryCopy(x, y + n, s * 4, s * 4);
        }
    }

    private static long Wrap(long i, long n)
    {
        long m = i % n;
        return m < 0 ? m + n : m;
    }
}
