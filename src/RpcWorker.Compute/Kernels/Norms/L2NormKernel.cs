using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Norms;

/// <summary>
/// GGML_OP_L2_NORM (F32, op_params[0] = eps ≥ 0): y = x / fmaxf(sqrtf(Σx²), eps) per row; squares rounded to float and
/// summed in double, the sum rounded to float before the square root. Any strides. Rows are dealt round-robin within
/// each (i2, i3) plane.
/// </summary>
internal sealed unsafe class L2NormKernel : IOpKernel
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
        long nbx = src.Nb[0], nby = node.Nb[0];
        bool packed = nbx == sizeof(float) && nby == sizeof(float);
        SimdLevel level = SimdSupport.Active;
        for (long i3 = 0; i3 < src.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < src.Ne[2]; i2++)
            {
                for (long i1 = p.Ith; i1 < src.Ne[1]; i1 += p.Nth)
                {
                    byte* x = src.RowPtr(i1, i2, i3);
                    byte* y = node.RowPtr(i1, i2, i3);
                    double sum;
                    if (packed)
                    {
                        sum = FloatSum.SumOfSquares((float*)x, ne0, level);
                    }
                    else
                    {
                        sum = 0;
                        for (long i = 0; i < ne0; i++)
                        {
                            float v = *(float*)(x + i * nbx);
                            sum += v * v;
                        }
                    }
                    float scale = 1.0f / float.MaxNumber(MathF.Sqrt((float)sum), eps);
                    if (packed)
                    {
                        NormMath.Scale((float*)x, (float*)y, ne0, scale);
                    }
                    else
                    {
                        for (long i = 0; i < ne0; i++)
                        {
                            *(float*)(y + i * nby) = *(float*)(x + i * nbx) * scale;
                        }
                    }
                }
            }
        }
    }
}
