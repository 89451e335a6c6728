using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>Output-size formulas of ggml.c and element access shared by the convolution-family kernels.</summary>
internal static unsafe class ConvGeometry
{
    /// <summary><c>ggml_calc_conv_output_size</c>.</summary>
    public static long ConvOutput(long ins, long ks, long s, long p, long d) => (ins + 2 * p - d * (ks - 1) - 1) / s + 1;

    /// <summary><c>ggml_calc_pool_output_size</c>.</summary>
    public static long PoolOutput(long ins, long ks, long s, long p) => (ins + 2 * p - ks) / s + 1;

    /// <summary>True when linear element indices up to <paramref name="count"/> stay inside the tensor's byte extent.</summary>
    public static bool LinearFits(Tensor t, long count) => count <= 0 || t.NBytes >= count * t.Info.TypeSize;

    /// <summary>True for F32 or F16.</summary>
    public static bool IsFloatOrHalf(Tensor? t) => t is not null && t.Type is GgmlType.F32 or GgmlType.F16;

    /// <summary>Reads element <paramref name="i"/> of an F32 or F16 array as float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* data, long i, bool half) => half ? Fp16.ToSingle(((ushort*)data)[i]) : ((float*)data)[i];

    /// <summary>Zeroes <paramref name="n"/> floats.</summary>
    public static void Clear(float* p, long n) => NativeMemory.Clear(p, (nuint)(n * sizeof(float)));

    /// <summary>A float rounded through fp16 (what ggml's F16 paths see).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundHalf(float v) => Fp16.ToSingle(Fp16.FromSingle(v));
}
