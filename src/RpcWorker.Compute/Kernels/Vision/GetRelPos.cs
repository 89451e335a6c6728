using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Vision;

/// <summary>GET_REL_POS (SAM): <c>dst[:, i1, i2] = src[:, (ne1 − i1 − 1) + i2]</c>, F16 or BF16 rows copied as is.</summary>
internal sealed unsafe class GetRelPos : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0];
        if (src is null || src.Type is not (GgmlType.F16 or GgmlType.BF16) || node.Type != src.Type)
        {
            return "source and destination must both be f16 or both bf16";
        }
        bool ok = node.Ne[0] == src.Ne[0] && node.Ne[3] == 1 && src.Ne[1] >= checked(node.Ne[1] + node.Ne[2] - 1)
            && src.IsContiguous && node.IsContiguous;
        return ok ? null : "source must be a contiguous [C, >= ne1 + ne2 - 1] table and the destination contiguous [C, ne1, ne2]";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2];
        ushort* s = (ushort*)src.DataPtr;
        ushort* d = (ushort*)node.DataPtr;
        for (long i2 = 0; i2 < ne2; i2++)
        {
            for (long i1 = 0; i1 < ne1; i1++)
            {
                long pos = ne1 - i1 - 1 + i2;
                new ReadOnlySpan<ushort>(s + pos * src.Ne[0], (int)ne0).CopyTo(new Span<ushort>(d + (i2 * ne1 + i1) * ne0, (int)ne0));
            }
        }
    }
}
