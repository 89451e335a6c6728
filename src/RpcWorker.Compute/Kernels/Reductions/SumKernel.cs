using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_SUM: the sum of every element into a one-element tensor of the source type. F32 rows are summed in double
/// (<c>ggml_vec_sum_f32_ggf</c>) and the row sums added in double; F16/BF16 rows are summed in float, one element after
/// the other, as ggml-cpu does.
/// </summary>
internal sealed unsafe class SumKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src)
        {
            return "missing source";
        }
        if (src.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
        {
            return "source must be f32, f16 or bf16";
        }
        if (node.Type != src.Type || node.NElements != 1)
        {
            return "destination must be one element of the source type";
        }
        if (src.IsEmpty)
        {
            return "empty source";
        }
        return RowAccess.PackedRowsInside(src) ? null : "source rows are not addressable as packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        long ne0 = src.Ne[0];
        SimdLevel level = SimdSupport.Active;
        if (src.Type == GgmlType.F32)
        {
            double sum = 0;
            for (long i3 = 0; i3 < src.Ne[3]; i3++)
            {
                for (long i2 = 0; i2 < src.Ne[2]; i2++)
                {
                    for (long i1 = 0; i1 < src.Ne[1]; i1++)
                    {
                        sum += FloatSum.Sum((float*)src.RowPtr(i1, i2, i3), ne0, level);
                    }
                }
            }
            *(float*)node.DataPtr = (float)sum;
            return;
        }
        bool half = src.Type == GgmlType.F16;
        float total = 0;
        for (long i3 = 0; i3 < src.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < src.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < src.Ne[1]; i1++)
                {
                    ushort* row = (ushort*)src.RowPtr(i1, i2, i3);
                    float rowSum = 0;
                    for (long i0 = 0; i0 < ne0; i0++)
                    {
                        rowSum += half ? Fp16.ToSingle(row[i0]) : Bf16.ToSingle(row[i0]);
                    }
                    total += rowSum;
                }
            }
        }
        *(ushort*)node.DataPtr = half ? Fp16.FromSingle(total) : Bf16.FromSingle(total);
    }
}
