using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>128-bit float vectors.</summary>
internal readonly unsafe struct Vector128Ops : ISimdOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, float* p) => value.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float* p) => Vector128.Create(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadHalf(ushort* p) => HalfBits.ToSingle(Widen(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadBf16(ushort* p) => Vector128.ShiftLeft(Widen(p), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadHalfPair(ushort* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        if (Sse2.IsSupported)
        {
            HalfBits.ToSinglePair(Vector128.Load((short*)p), out lo, out hi);
        }
        else
        {
            lo = LoadHalf(p);
            hi = LoadHalf(p + Vector128<float>.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBf16Pair(ushort* p, out Vector128<float> lo, out Vector128<float> hi)
    {
        if (Sse2.IsSupported)
        {
            Vector128<short> q = Vector128.Load((short*)p);
            lo = Sse2.UnpackLow(Vector128<short>.Zero, q).AsSingle();
            hi = Sse2.UnpackHigh(Vector128<short>.Zero, q).AsSingle();
        }
        else
        {
            lo = LoadBf16(p);
            hi = LoadBf16(p + Vector128<float>.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    /// <summary>Four u16 (8 bytes, read exactly) zero-extended to u32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Widen(ushort* p) => Vector128.WidenLower(Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(p)).AsUInt16());
}
