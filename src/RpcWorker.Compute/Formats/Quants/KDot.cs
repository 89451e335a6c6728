using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// The shared core of the scalar and portable K-quant dot products: a super-block unpacked into 256 signed values and
/// 16 group scales, dotted with the 256 int8 of a Q8_K block.
/// </summary>
internal static unsafe class KDot
{
    /// <summary>Σ over the 16 groups of 16 of scales[g]·Σ a·q8.</summary>
    public static int Grouped(sbyte* a, sbyte* q8, int* scales, bool vector)
    {
        return vector ? GroupedVector128(a, q8, scales) : GroupedScalar(a, q8, scales);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GroupedScalar(sbyte* a, sbyte* q8, int* scales)
    {
        int sum = 0;
        for (int g = 0; g < 16; g++)
        {
            int s = 0;
            for (int k = 0; k < 16; k++)
            {
                s += a[g * 16 + k] * q8[g * 16 + k];
            }
            sum += scales[g] * s;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GroupedVector128(sbyte* a, sbyte* q8, int* scales)
    {
        Vector128<int> acc = Vector128<int>.Zero;
        for (int g = 0; g < 16; g++)
        {
            acc += SimdOps.DotS8(Vector128.Load(a + g * 16), Vector128.Load(q8 + g * 16)) * scales[g];
        }
        return Vector128.Sum(acc);
    }

    /// <summary>Σ bsums[g]·m[g] over the 16 groups of a Q8_K block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Bsums(byte* q8Block, int* m)
    {
        short* bsums = (short*)(q8Block + Q8_KFormat.BsumsOffset);
        int sum = 0;
        for (int g = 0; g < 16; g++)
        {
            sum += Unsafe.ReadUnaligned<short>(bsums + g) * m[g];
        }
        return sum;
    }

    /// <summary>The fp32 scale of a Q8_K block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(byte* q8Block) => Unsafe.ReadUnaligned<float>(q8Block);

    /// <summary>The int8 values of a Q8_K block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte* Quants(byte* q8Block) => (sbyte*)(q8Block + Q8_KFormat.QsOffset);
}
