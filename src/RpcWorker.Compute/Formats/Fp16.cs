using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RpcWorker.Compute.Formats;

/// <summary>IEEE half-precision conversions with ggml's rounding (round to nearest even), table-driven for scalars.</summary>
public static unsafe class Fp16
{
    private static readonly float[] s_table = BuildTable();

    private static float[] BuildTable()
    {
        var t = new float[65536];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        }
        return t;
    }

    /// <summary>fp16 bits to float (table lookup, as ggml does without F16C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s_table), bits);

    /// <summary>float to fp16 bits, round to nearest even (<c>GGML_FP32_TO_FP16</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Converts <paramref name="n"/> fp16 values to float (vectorized).</summary>
    public static void ToSingle(ushort* src, float* dst, long n)
    {
        while (n > 0)
        {
            int chunk = (int)Math.Min(n, 1 << 20);
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(src, chunk), new Span<float>(dst, chunk));
            src += chunk;
            dst += chunk;
            n -= chunk;
        }
    }

    /// <summary>Converts <paramref name="n"/> floats to fp16 (vectorized, round to nearest even).</summary>
    public static void FromSingle(float* src, ushort* dst, long n)
    {
        while (n > 0)
        {
            int chunk = (int)Math.Min(n, 1 << 20);
            TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(src, chunk), new Span<Half>(dst, chunk));
            src += chunk;
            dst += chunk;
            n -= chunk;
        }
    }
}
