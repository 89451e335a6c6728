using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// Vectorized fp16→fp32 without F16C: the 15 magnitude bits shifted into a float and scaled by 2^112 give every finite
/// value exactly (subnormals included); exponent 31 (Inf/NaN) is forced to 255 with the payload kept; then the sign.
/// </summary>
internal static class HalfBits
{
    private const uint MagnitudeMask = 0x7fff;
    private const uint ExponentMask = 0x7c00;
    private const uint SignMask = 0x8000;
    private const uint FloatInfinity = 0x7f800000;
    private const uint Pow2To112 = (127 + 112) << 23;

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
}
