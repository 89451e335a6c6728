using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_DIAG_MASK_INF / GGML_OP_DIAG_MASK_ZERO (F32, op_params[0] = n_past ≥ 0): a copy of src0 in which element
/// (i, j) of every matrix is replaced by the mask value (-inf or 0) where i &gt; n_past + j. In place when dst and src0
/// share their data. Matrices are addressed as k·nb2 for k over ne2·ne3, as ggml-cpu does. Rows are dealt round-robin.
/// </summary>
internal sealed unsafe class DiagMaskKernel(float value) : IOpKernel
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
        if (node.Params[0] < 0)
        {
            return "n_past must be non-negative";
        }
        if (src.Nb[0] != sizeof(float) || node.Nb[0] != sizeof(float))
        {
            return "rows must be packed";
        }
        if (src.Data != node.Data && !(src.IsContiguous && node.IsContiguous))
        {
            return "out-of-place masking needs contiguous tensors";
        }
        return EvenlySpaced(src) && EvenlySpaced(node) ? null : "matrices must be evenly spaced (nb3 = ne2·nb2)";
    }

    private static bool EvenlySpaced(Tensor t) => t.Ne[3] == 1 || t.Nb[3] == t.Ne[2] * t.Nb[2];

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long nPast = node.Params[0];
        long nc = node.Ne[0], nr = node.Ne[1], nz = node.Ne[2] * node.Ne[3];
        bool inPlace = src.Data == node.Data;
        for (long k = 0; k < nz; k++)
        {
            for (long j = p.Ith; j < nr; j += p.Nth)
            {
                float* y = (float*)(node.DataPtr + k * node.Nb[2] + j * node.Nb[1]);
                if (!inPlace)
                {
                    Buffer.MemoryCopy(src.DataPtr + k * src.Nb[2] + j * src.Nb[1], y, nc * 4, nc * 4);
                }
                for (long i = Math.Max(nPast, nPast + j + 1); i < nc; i++)
                {
                    y[i] = value;
                }
            }
        }
    }
}
