using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_PAD_REFLECT_1D (F32, op_params = {p0, p1}, each in [0, ne0)): rows padded by mirroring around their first
/// and last element (without repeating them). Rows are dealt round-robin within each (i2, i3) plane.
/// </summary>
internal sealed unsafe class PadReflect1DKernel : IOpKernel
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
        long p0 = node.Params[0], p1 = node.Params[1];
        if (p0 < 0 || p1 < 0 || p0 >= src.Ne[0] || p1 >= src.Ne[0])
        {
            return "padding must be in [0, ne0)";
        }
        if (node.Ne[0] != src.Ne[0] + p0 + p1 || !RowAccess.SameRows(src, node))
        {
            return "destination must be the source rows padded by p0 + p1";
        }
        return src.Nb[0] == sizeof(float) && node.Nb[0] == sizeof(float) ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long p0 = node.Params[0], p1 = node.Params[1];
        long ne00 = src.Ne[0], ne0 = node.Ne[0];
        for (long i3 = 0; i3 < node.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < node.Ne[2]; i2++)
            {
                for (long i1 = p.Ith; i1 < node.Ne[1]; i1 += p.Nth)
                {
                    float* row = (float*)node.RowPtr(i1, i2, i3);
                    float* left = row + p0;
                    float* right = row + (ne0 - p1 - 1);
                    Buffer.MemoryCopy(src.RowPtr(i1, i2, i3), left, ne00 * 4, ne00 * 4);
                    for (long i = 1; i <= p0; i++)
                    {
                        left[-i] = left[i];
                    }
                    for (long i = 1; i <= p1; i++)
                    {
                        right[i] = right[-i];
                    }
                }
            }
        }
    }
}
