using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Norms;

/// <summary>
/// GGML_OP_RMS_NORM (F32, op_params[0] = eps ≥ 0): y = x / sqrt(mean(x²) + eps) per row, with the squares rounded to
/// float and summed in double (<see cref="FloatSum.SumOfSquares"/>), the mean rounded to float, and y = x·scale in float.
/// ggml-cpu may fuse a following MUL (x·scale·w); that product is the same float operations in the same order, so the
/// unfused result here is what the fused one gives. Source rows must be packed (ggml asserts it); destination rows are
/// written packed from their start. Rows are dealt round-robin within each (i2, i3) plane.
/// </summary>
internal sealed unsafe class RmsNormKernel : IOpKernel
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
        if (src.Nb[0] != sizeof(float) || !RowAccess.PackedRowsInside(node))
        {
            return "rows must be packed";
        }
        return node.Params.GetFloat(0) >= 0f ? null : "eps must be non-negative";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        float eps = node.Params.GetFloat(0);
        long ne0 = src.Ne[0];
        SimdLevel level = SimdSupport.Active;
        for (long i3 = 0; i3 < src.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < src.Ne[2]; i2++)
            {
                for (long i1 = p.Ith; i1 < src.Ne[1]; i1 += p.Nth)
                {
                    float* x = (float*)src.RowPtr(i1, i2, i3);
                    float* y = (float*)node.RowPtr(i1, i2, i3);
                    float mean = (float)(FloatSum.SumOfSquares(x, ne0, level) / ne0);
                    NormMath.Scale(x, y, ne0, 1.0f / MathF.Sqrt(mean + eps));
                }
            }
        }
    }
}
