using System.Runtime.CompilerServices;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>One float at a time: the reference path of the generic kernels.</summary>
internal readonly unsafe struct ScalarOps : ISimdOps<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* p) => *p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, float* p) => *p = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float* p) => *p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadHalf(ushort* p) => Fp16.ToSingle(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadBf16(ushort* p) => Bf16.ToSingle(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadHalfPair(ushort* p, out float lo, out float hi)
    {
        lo = Fp16.ToSingle(p[0]);
        hi = Fp16.ToSingle(p[1]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBf16Pair(ushort* p, out float lo, out float hi)
    {
        lo = Bf16.ToSingle(p[0]);
        hi = Bf16.ToSingle(p[1]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MulAdd(float a, float b, float c) => (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;
}
