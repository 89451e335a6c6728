using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>512-bit float vectors.</summary>
internal readonly unsafe struct Vector512Ops : ISimdOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, float* p) => value.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float* p) => Vector512.Create(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadHalf(ushort* p) => HalfBits.ToSingle(Widen(Vector256.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadBf16(ushort* p) => Vector512.ShiftLeft(Widen(Vector256.Load(p)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadHalfPair(ushort* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        lo = LoadHalf(p);
        hi = LoadHalf(p + Vector512<float>.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBf16Pair(ushort* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        lo = LoadBf16(p);
        hi = LoadBf16(p + Vector512<float>.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Widen(Vector256<ushort> h) =>
        Avx512F.IsSupported ? Avx512F.ConvertToVector512UInt32(h) : Vector512.Create(Vector256.WidenLower(h), Vector256.WidenUpper(h));
}
