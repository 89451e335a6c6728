using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>256-bit float vectors.</summary>
internal readonly unsafe struct Vector256Ops : ISimdOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, float* p) => value.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float* p) => Vector256.Create(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadHalf(ushort* p) => HalfBits.ToSingle(Widen(Vector128.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadBf16(ushort* p) => Vector256.ShiftLeft(Widen(Vector128.Load(p)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadHalfPair(ushort* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        if (Avx2.IsSupported)
        {
            HalfBits.ToSinglePair(Vector256.Load((short*)p), out lo, out hi);
        }
        else
        {
            lo = LoadHalf(p);
            hi = LoadHalf(p + Vector256<float>.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBf16Pair(ushort* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        if (Avx2.IsSupported)
        {
            Vector256<short> q = Avx2.Permute4x64(Vector256.Load((long*)p), 0b11_01_10_00).AsInt16();
            lo = Avx2.UnpackLow(Vector256<short>.Zero, q).AsSingle();
            hi = Avx2.UnpackHigh(Vector256<short>.Zero, q).AsSingle();
        }
        else
        {
            lo = LoadBf16(p);
            hi = LoadBf16(p + Vector256<float>.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Widen(Vector128<ushort> h) =>
        Avx2.IsSupported ? Avx2.ConvertToVector256Int32(h).AsUInt32() : Vector256.Create(Vector128.WidenLower(h), Vector128.WidenUpper(h));
}
