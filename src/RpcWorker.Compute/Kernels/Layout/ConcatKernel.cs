using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_CONCAT (op_params[0] = dim): src0 followed by src1 along dim, all three of one type. Element types are copied
/// element by element through their strides (any layout); block-quantized types row by row, which needs packed rows and,
/// for dim 0, whole blocks (as ggml-cpu's byte-wise path). Destination rows are split across the team.
/// </summary>
internal sealed unsafe class ConcatKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } a || RowAccess.Src(node, 1) is not { } b)
        {
            return "missing source";
        }
        if (a.Type != node.Type || b.Type != node.Type)
        {
            return "sources and destination must have one type";
        }
        int dim = node.Params[0];
        if ((uint)dim >= Tensor.MaxDims)
        {
            return "dim must be in [0, 3]";
        }
        for (int d = 0; d < Tensor.MaxDims; d++)
        {
            bool ok = d == dim
                ? node.Ne[d] == a.Ne[d] + b.Ne[d]
                : a.Ne[d] == node.Ne[d] && b.Ne[d] == node.Ne[d];
            if (!ok)
            {
                return "destination shape must be the sources joined along dim";
            }
        }
        if (node.Info.BlockSize > 1
            && !(RowAccess.HasPackedRows(a) && RowAccess.HasPackedRows(b) && RowAccess.HasPackedRows(node)))
        {
            return "quantized rows must be packed whole blocks";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        int dim = node.Params[0];
        long ne1 = node.Ne[1], ne2 = node.Ne[2];
        (long r0, long r1) = RowAccess.ThreadRange(node.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            byte* y = node.RowPtr(i1, i2, i3);
            if (dim == 0)
            {
                CopyRow(a, a.RowPtr(i1, i2, i3), y, node.Nb[0]);
                CopyRow(b, b.RowPtr(i1, i2, i3), y + a.Ne[0] / a.Info.BlockSize * node.Nb[0], node.Nb[0]);
                continue;
            }
            long j1 = i1, j2 = i2, j3 = i3;
            Tensor from = a;
            if ((dim == 1 && i1 >= a.Ne[1]) || (dim == 2 && i2 >= a.Ne[2]) || (dim == 3 && i3 >= a.Ne[3]))
            {
                from = b;
                j1 -= dim == 1 ? a.Ne[1] : 0;
                j2 -= dim == 2 ? a.Ne[2] : 0;
                j3 -= dim == 3 ? a.Ne[3] : 0;
            }
            CopyRow(from, from.RowPtr(j1, j2, j3), y, node.Nb[0]);
        }
    }

    /// <summary>Copies one row of <paramref name="src"/> to <paramref name="y"/> with element stride <paramref name="nby"/>.</summary>
    private static void CopyRow(Tensor src, byte* x, byte* y, long nby)
    {
        int size = src.Info.TypeSize;
        long n = src.Ne[0];
        long nbx = src.Nb[0];
        if (src.Info.BlockSize > 1 || (nbx == size && nby == size))
        {
            long bytes = src.RowSize;
            Buffer.MemoryCopy(x, y, bytes, bytes);
            return;
        }
        switch (size)
        {
            case 1:
                for (long i = 0; i < n; i++)
                {
                    y[i * nby] = x[i * nbx];
                }
                break;
            case 2:
                for (long i = 0; i < n; i++)
                {
                    *(ushort*)(y + i * nby) = *(ushort*)(x + i * nbx);
                }
                break;
            case 4:
                for (long i = 0; i < n; i++)
                {
                    *(uint*)(y + i * nby) = *(uint*)(x + i * nbx);
                }
                break;
            default:
                for (long i = 0; i < n; i++)
                {
                    Buffer.MemoryCopy(x + i * nbx, y + i * nby, size, size);
                }
                break;
        }
    }
}
