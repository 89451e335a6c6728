using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// Vectorized fp16→fp32 without F16C: the 15 magnitude bits shifted into a float and scaled by 2^112 give every finite
/// value exactly (subnormals included); exponent 31 (Inf/NaN) is forced to 255 with the payload kept; then the sign.
/// The pair forms convert twice as many halves with 16-bit lane work and no widening: a float's upper 16 bits are the
/// sign and the magnitude shifted right by 3 (arithmetic shift, the sign copies in bits 14..12 cleared, or set for
/// Inf/NaN, which makes the float exponent 255), its lower 16 bits the magnitude's last three bits shifted left by 13;
/// interleaving the two gives sign | magnitude &lt;&lt; 13, which is then scaled by 2^112 like the single forms.
/// </summary>
internal static class HalfBits
{
    private const uint MagnitudeMask = 0x7fff;
    private const uint ExponentMask = 0x7c00;
    private const uint SignMask = 0x8000;
    private const uint FloatInfinity = 0x7f800000;
    private const uint Pow2To112 = (127 + 112) << 23;
    private const ushort HighKeep = 0x8fff;
    private const ushort HighSpecial = 0x7000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        Vector512<uint> magnitude = h & Vector512.Create(MagnitudeMask);
        Vector512<float> value = Vector512.ShiftLeft(magnitude, 13).AsSingle() * Vector512.Create(Pow2To112).AsSingle();
        Vector512<uint> special = Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(ExponentMask)) & Vector512.Create(FloatInfinity);
        Vector512<uint> sign = Vector512.ShiftLeft(h & Vector512.Create(SignMask), 16);
        return (value.AsUInt32() | special | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        Vector256<uint> magnitude = h & Vector256.Create(MagnitudeMask);
        Vector256<float> value = Vector256.ShiftLeft(magnitude, 13).AsSingle() * Vector256.Create(Pow2To112).AsSingle();
        Vector256<uint> special = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(ExponentMask)) & Vector256.Create(FloatInfinity);
        Vector256<uint> sign = Vector256.ShiftLeft(h & Vector256.Create(SignMask), 16);
        return (value.AsUInt32() | special | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> h)
    {
        Vector128<uint> magnitude = h & Vector128.Create(MagnitudeMask);
        Vector128<float> value = Vector128.ShiftLeft(magnitude, 13).AsSingle() * Vector128.Create(Pow2To112).AsSingle();
        Vector128<uint> special = Vector128.GreaterThanOrEqual(magnitude, Vector128.Create(ExponentMask)) & Vector128.Create(FloatInfinity);
        Vector128<uint> sign = Vector128.ShiftLeft(h & Vector128.Create(SignMask), 16);
        return (value.AsUInt32() | special | sign).AsSingle();
    }

    /// <summary>16 fp16 values to floats 0..7 in <paramref name="lo"/> and 8..15 in <paramref name="hi"/> (needs AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ToSinglePair(Vector256<short> h, out Vector256<float> lo, out Vector256<float> hi)
    {
        Vector256<short> q = Avx2.Permute4x64(h.AsInt64(), 0b11_01_10_00).AsInt16();
        Vector256<short> special = Vector256.GreaterThan(q & Vector256.Create((short)MagnitudeMask), Vector256.Create((short)(ExponentMask - 1)));
        Vector256<short> high = (Vector256.ShiftRightArithmetic(q, 3) & Vector256.Create(unchecked((short)HighKeep))) | (special & Vector256.Create((short)HighSpecial));
        Vector256<short> low = Vector256.ShiftLeft(q, 13);
        Vector256<float> scale = Vector256.Create(Pow2To112).AsSingle();
        lo = Avx2.UnpackLow(low, high).AsSingle() * scale;
        hi = Avx2.UnpackHigh(low, high).AsSingle() * scale;
    }

    /// <summary>8 fp16 values to floats 0..3 in <paramref name="lo"/> and 4..7 in <paramref name="hi"/> (needs SSE2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ToSinglePair(Vector128<short> h, out Vector128<float> lo, out Vector128<float> hi)
    {
        Vector128<short> special = Vector128.GreaterThan(h & Vector128.Create((short)MagnitudeMask), Vector128.Create((short)(ExponentMask - 1)));
        Vector128<short> high = (Vector128.ShiftRightArithmetic(h, 3) & Vector128.Create(unchecked((short)HighKeep))) | (special & Vector128.Create((short)HighSpecial));
        Vector128<short> low = Vector128.ShiftLeft(h, 13);
        Vector128<float> scale = Vector128.Create(Pow2To112).AsSingle();
        lo = Sse2.UnpackLow(low, high).AsSingle() * scale;
        hi = Sse2.UnpackHigh(low, high).AsSingle() * scale;
    }
}
