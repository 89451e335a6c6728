using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// The shared engine of CONV_2D and CONV_3D: per output position an im2col patch (rounded to fp16 when the kernel is
/// F16, as ggml-cpu's F16 GEMM sees it) is dotted with every output channel's kernel row. An F16 kernel is widened
/// to F32 once per node in the work buffer.
/// </summary>
internal static unsafe class ConvPatchGemm
{
    private const long Align = 64;

    /// <summary>Work bytes: the widened kernel (F16 only) plus one patch per thread.</summary>
    public static long WorkSize(Tensor kernel, long patchLength, long outChannels, int threads)
    {
        long kernelBytes = kernel.Type == GgmlType.F16 ? AlignUp(patchLength * outChannels * 4) : 0;
        return kernelBytes + threads * AlignUp(patchLength * 4);
    }

    /// <summary>The F32 kernel rows [outChannels][patchLength]: the tensor itself or its widened copy (all threads call; ends with a barrier when widening).</summary>
    public static float* KernelRows(in ComputeParams p, Tensor kernel, long patchLength, long outChannels)
    {
        if (kernel.Type == GgmlType.F32)
        {
            return (float*)kernel.DataPtr;
        }
        float* rows = (float*)p.WData;
        long total = patchLength * outChannels;
        long per = (total + p.Nth - 1) / p.Nth;
        long i0 = Math.Min(per * p.Ith, total);
        long i1 = Math.Min(i0 + per, total);
        if (i1 > i0)
        {
            Fp16.ToSingle((ushort*)kernel.DataPtr + i0, rows + i0, i1 - i0);
        }
        p.Barrier();
        return rows;
    }

    /// <summary>This thread's patch buffer.</summary>
    public static float* Patch(in ComputeParams p, Tensor kernel, long patchLength, long outChannels)
    {
        long kernelBytes = kernel.Type == GgmlType.F16 ? AlignUp(patchLength * outChannels * 4) : 0;
        return (float*)(p.WData + kernelBytes + p.Ith * AlignUp(patchLength * 4));
    }

    /// <summary>Dot of a patch with one kernel row.</summary>
    public static float Dot(float* patch, float* row, long n)
    {
        float sum = 0;
        for (long i = 0; i < n; i += int.MaxValue)
        {
            int len = (int)Math.Min(n - i, int.MaxValue);
            sum += TensorPrimitives.Dot(new ReadOnlySpan<float>(patch + i, len), new ReadOnlySpan<float>(row + i, len));
        }
        return sum;
    }

    private static long AlignUp(long bytes) => (bytes + Align - 1) / Align * Align;
}
