using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Norms;

/// <summary>
/// GGML_OP_NORM (F32, op_params[0] = eps ≥ 0): y = (x - mean)/sqrt(var + eps) per row. Packed rows follow ggml-cpu's
/// vector path (double sum, <see cref="NormMath.CenteredVariance"/>); strided rows its scalar path, which sums in float.
/// Rows are dealt round-robin within each (i2, i3) plane.
/// </summary>
internal sealed unsafe class NormKernel : IOpKernel
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
        return node.Params.GetFloat(0) >= 0f ? null : "eps must be non-negative";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        float eps = node.Params.GetFloat(0);
        long ne0 = src.Ne[0];
        bool packed = src.Nb[0] == sizeof(float) && node.Nb[0] == sizeof(float);
        SimdLevel level = SimdSupport.Active;
        for (long i3 = 0; i3 < src.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < src.Ne[2]; i2++)
            {
                for (long i1 = p.Ith; i1 < src.Ne[1]; i1 += p.Nth)
                {
                    byte* x = src.RowPtr(i1, i2, i3);
                    byte* y = node.RowPtr(i1, i2, i3);
                    if (packed)
                    {
                        float sum = (float)FloatSum.Sum((float*)x, ne0, level);
                        float mean = sum / ne0;
                        float variance = (float)NormMath.CenteredVariance((float*)y, (float*)x, ne0, mean, level);
                        NormMath.Scale((float*)y, (float*)y, ne0, 1.0f / MathF.Sqrt(variance + eps));
                    }
                    else
                    {
                        StridedRow(x, src.Nb[0], y, node.Nb[0], ne0, eps);
                    }
                }
            }
        }
    }

    private static void StridedRow(byte* x, long nbx, byte* y, long nby, long n, float eps)
    {
        float sum = 0;
        for (long i = 0; i < n; i++)
        {
            sum += *(float*)(x + i * nbx);
        }
        float mean = sum / n;
        float variance = 0;
        for (long i = 0; i < n; i++)
        {
            float v = *(float*)(x + i * nbx) - mean;
            *(float*)(y + i * nby) = v;
            variance += v * v;
        }
        variance /= n;
        float scale = 1.0f / MathF.Sqrt(variance + eps);
        for (long i = 0; i < n; i++)
        {
            *(float*)(y + i * nby) *= scale;
        }
    }
}
