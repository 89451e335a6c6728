using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Formats;

/// <summary>bfloat16 conversions exactly as ggml (<c>ggml_compute_fp32_to_bf16</c>: round to nearest even, NaN kept quiet).</summary>
public static unsafe class Bf16
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffff) > 0x7f800000)
        {
            return (ushort)((u >> 16) | 64);
        }
        return (ushort)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
    }

    public static void ToSingle(ushort* src, float* dst, long n)
    {
        for (long i = 0; i < n; i++)
        {
            dst[i] = ToSingle(src[i]);
        }
    }

    public static void FromSingle(float* src, ushort* dst, long n)
    {
        for (long i = 0; i < n; i++)
        {
            dst[i] = FromSingle(src[i]);
        }
    }
}
