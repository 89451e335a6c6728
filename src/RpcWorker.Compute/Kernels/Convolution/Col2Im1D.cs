using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// COL2IM_1D: scatter-add columns [K·OC, T_in] into a signal [T_out, OC] with stride s0 and crop p0, gathered per
/// output with an F32 accumulator, for F32/F16/BF16 (ggml-cpu semantics).
/// </summary>
internal sealed unsafe class Col2Im1D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0];
        if (src is null || src.Type != node.Type || node.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
        {
            return "col2im_1d needs matching f32, f16 or bf16 source and destination";
        }
        int s0 = node.Params[0], oc = node.Params[1], p0 = node.Params[2];
        if (s0 <= 0 || oc <= 0 || p0 < 0 || src.Ne[0] % oc != 0 || src.Ne[2] != 1 || src.Ne[3] != 1)
        {
            return "needs s0 > 0, oc > 0, p0 >= 0 and a [K*OC, T_in] matrix source";
        }
        long k = src.Ne[0] / oc;
        long tOut = (src.Ne[1] - 1) * s0 + k - 2L * p0;
        if (!src.IsContiguous || !node.IsContiguous || !KernelChecks.HasShape(node, tOut, oc, 1, 1))
        {
            return "source and destination must be contiguous, destination [T_out, OC]";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        int s0 = node.Params[0], oc = node.Params[1], p0 = node.Params[2];
        long kOc = src.Ne[0];
        long tIn = src.Ne[1];
        long k = kOc / oc;
        long tOut = node.Ne[0];
        long dr = (tOut + p.Nth - 1) / p.Nth;
        long it0 = dr * p.Ith;
        long it1 = Math.Min(it0 + dr, tOut);
        GgmlType type = node.Type;

        for (long o = 0; o < oc; o++)
        {
            for (long t = it0; t < it1; t++)
            {
                long tAbs = t + p0;
                long tInMin = Math.Max(0, (tAbs - k + 1 + s0 - 1) / s0);
                long tInMax = Math.Min(tAbs / s0, tIn - 1);
                float sum = 0;
                for (long ti = tInMin; ti <= tInMax; ti++)
                {
                    long kk = tAbs - ti * s0;
                    if (kk >= 0 && kk < k)
                    {
                        long i = o * k + kk + ti * kOc;
                        sum += type switch
                        {
                            GgmlType.F32 => ((float*)src.DataPtr)[i],
                            GgmlType.F16 => Fp16.ToSingle(((ushort*)src.DataPtr)[i]),
                            _ => Bf16.ToSingle(((ushort*)src.DataPtr)[i]),
                        };
                    }
                }
                long di = t + o * tOut;
                switch (type)
                {
                    case GgmlType.F32:
                        ((float*)node.DataPtr)[di] = sum;
                        break;
                    case GgmlType.F16:
                        ((ushort*)node.DataPtr)[di] = Fp16.FromSingle(sum);
                        break;
                    default:
                        ((ushort*)node.DataPtr)[di] = Bf16.FromSingle(sum);
                        break;
                }
            }
        }
    }
}
