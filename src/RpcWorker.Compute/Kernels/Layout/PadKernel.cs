using System.Runtime.InteropServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_PAD (F32, op_params = {lp0, rp0, lp1, rp1, lp2, rp2, lp3, rp3, circular}): dst has ne_i + lp_i + rp_i
/// elements per dimension; element i comes from source element i - lp, or is 0 outside the source. With circular ≠ 0
/// every coordinate wraps around the source instead (a torus). Any source strides; the destination is contiguous, as
/// ggml-cpu writes it. Destination rows are split across the team.
/// </summary>
internal sealed unsafe class PadKernel : IOpKernel
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
        if (src.IsEmpty)
        {
            return "empty source";
        }
        for (int d = 0; d < Tensor.MaxDims; d++)
        {
            if (node.Ne[d] != src.Ne[d] + (long)node.Params[2 * d] + node.Params[(2 * d) + 1])
            {
                return "destination must be the source padded by the op_params";
            }
        }
        return node.IsContiguous ? null : "destination must be contiguous";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        bool circular = node.Params[8] != 0;
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2];
        long lp0 = node.Params[0], rp0 = node.Params[1];
        long lp1 = node.Params[2], lp2 = node.Params[4], lp3 = node.Params[6];
        (long r0, long r1) = RowAccess.ThreadRange(node.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            float* y = (float*)node.RowPtr(i1, i2, i3);
            if (circular)
            {
                byte* x = src.RowPtr(Wrap(i1 - lp1, src.Ne[1]), Wrap(i2 - lp2, src.Ne[2]), Wrap(i3 - lp3, src.Ne[3]));
                for (long i0 = 0; i0 < ne0; i0++)
                {
                    y[i0] = *(float*)(x + Wrap(i0 - lp0, src.Ne[0]) * src.Nb[0]);
                }
                continue;
            }
            long s1 = i1 - lp1, s2 = i2 - lp2, s3 = i3 - lp3;
            if ((ulong)s1 >= (ulong)src.Ne[1] || (ulong)s2 >= (ulong)src.Ne[2] || (ulong)s3 >= (ulong)src.Ne[3])
            {
                NativeMemory.Clear(y, (nuint)(ne0 * sizeof(float)));
                continue;
            }
            byte* row = src.RowPtr(s1, s2, s3);
            long begin = Math.Max(lp0, 0), end = Math.Min(ne0 - rp0, ne0);
            for (long i0 = 0; i0 < ne0; i0++)
            {
                y[i0] = i0 >= begin && i0 < end ? *(float*)(row + (i0 - lp0) * src.Nb[0]) : 0f;
            }
        }
    }

    /// <summary>The coordinate <paramref name="i"/> wrapped into [0, <paramref name="n"/>).</summary>
    private static long Wrap(long i, long n)
    {
        long m = i % n;
        return m < 0 ? m + n : m;
    }
}
