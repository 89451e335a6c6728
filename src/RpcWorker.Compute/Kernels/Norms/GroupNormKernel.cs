using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Norms;

/// <summary>
/// GGML_OP_GROUP_NORM (F32, op_params = {n_groups, eps}): the channels (dim 2) are cut into n_groups groups of
/// ceil(ne2/n_groups); each group of each i3 is normalized by its own mean and variance over ne0·ne1·channels values,
/// sums taken in double per row and over rows, as ggml-cpu. Groups are dealt round-robin across the team.
/// </summary>
internal sealed unsafe class GroupNormKernel : IOpKernel
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
        if (!TensorLayout.SameShape(src, node) || src.Ne[2] > int.MaxValue)
        {
            return "destination must have the source's shape";
        }
        if (src.Nb[0] != sizeof(float) || !RowAccess.PackedRowsInside(node))
        {
            return "rows must be packed";
        }
        return node.Params[0] >= 1 ? null : "n_groups must be positive";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        float eps = node.Params.GetFloat(1);
        long ne0 = src.Ne[0], ne1 = src.Ne[1];
        int channels = (int)src.Ne[2];
        int groups = node.Params[0];
        int perGroup = (int)(((long)channels + groups - 1) / groups);
        SimdLevel level = SimdSupport.Active;
        for (int g = p.Ith; g < groups; g += p.Nth)
        {
            long start = (long)g * perGroup;
            long end = Math.Min(start + perGroup, channels);
            if (start >= end)
            {
                continue;
            }
            double count = ne0 * ne1 * (end - start);
            for (long i3 = 0; i3 < src.Ne[3]; i3++)
            {
                double sum = 0;
                for (long i2 = start; i2 < end; i2++)
                {
                    for (long i1 = 0; i1 < ne1; i1++)
                    {
                        sum += FloatSum.Sum((float*)src.RowPtr(i1, i2, i3), ne0, level);
                    }
                }
                float mean = (float)(sum / count);
                double sum2 = 0;
                for (long i2 = start; i2 < end; i2++)
                {
                    for (long i1 = 0; i1 < ne1; i1++)
                    {
                        float* x = (float*)src.RowPtr(i1, i2, i3);
                        float* y = (float*)node.RowPtr(i1, i2, i3);
                        Subtract(x, mean, y, ne0);
                        sum2 += FloatSum.SumOfSquares(y, ne0, level);
                    }
                }
                float variance = (float)(sum2 / count);
                float scale = 1.0f / MathF.Sqrt(variance + eps);
                for (long i2 = start; i2 < end; i2++)
                {
                    for (long i1 = 0; i1 < ne1; i1++)
                    {
                        float* y = (float*)node.RowPtr(i1, i2, i3);
                        NormMath.Scale(y, y, ne0, scale);
                    }
                }
            }
        }
    }

    private static void Subtract(float* x, float mean, float* y, long n)
    {
        while (n > 0)
        {
            int chunk = (int)Math.Min(n, 1 << 30);
            TensorPrimitives.Subtract(new ReadOnlySpan<float>(x, chunk), mean, new Span<float>(y, chunk));
            x += chunk;
            y += chunk;
            n -= chunk;
        }
    }
}
