using System.Runtime.InteropServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>GGML_OP_DIAG (F32): a [n, 1, ne2, ne3] vector becomes the diagonal of an [n, n, ne2, ne3] matrix, zeros elsewhere.</summary>
internal sealed unsafe class DiagKernel : IOpKernel
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
        if (src.Ne[1] != 1 || node.Ne[0] != src.Ne[0] || node.Ne[1] != src.Ne[0]
            || node.Ne[2] != src.Ne[2] || node.Ne[3] != src.Ne[3])
        {
            return "destination must be [n, n, ne2, ne3] of an [n, 1, ne2, ne3] source";
        }
        return src.Nb[0] == sizeof(float) && node.Nb[0] == sizeof(float) ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long n = node.Ne[0], ne2 = node.Ne[2];
        (long r0, long r1) = RowAccess.ThreadRange(node.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * n);
            long i2 = (r - i3 * ne2 * n) / n;
            long i1 = r - i3 * ne2 * n - i2 * n;
            float* d = (float*)node.RowPtr(i1, i2, i3);
            float* s = (float*)src.RowPtr(0, i2, i3);
            NativeMemory.Clear(d, (nuint)(i1 * sizeof(float)));
            d[i1] = s[i1];
            NativeMemory.Clear(d + i1 + 1, (nuint)((n - i1 - 1) * sizeof(float)));
        }
    }
}
