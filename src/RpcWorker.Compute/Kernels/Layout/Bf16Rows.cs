using System.Runtime.Intrinsics;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// Vectorized bf16 row conversions for GET_ROWS / SET_ROWS, bit-exact with <see cref="Bf16"/> (and ggml): widening is a
/// 16-bit shift; narrowing rounds to nearest even and turns NaN into a quiet NaN (<c>(u &gt;&gt; 16) | 64</c>).
/// </summary>
internal static unsafe class Bf16Rows
{
    public static void ToSingle(ushort* src, float* dst, long n, SimdLevel level)
    {
        long i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 32 <= n; i += 32)
            {
                (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.Load(src + i));
                (lo << 16).AsSingle().Store(dst + i);
                (hi << 16).AsSingle().Store(dst + i + 16);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 16 <= n; i += 16)
            {
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.Load(src + i));
                (lo << 16).AsSingle().Store(dst + i);
                (hi << 16).AsSingle().Store(dst + i + 8);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 8 <= n; i += 8)
            {
                (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.Load(src + i));
                (lo << 16).AsSingle().Store(dst + i);
                (hi << 16).AsSingle().Store(dst + i + 4);
            }
        }
        for (; i < n; i++)
        {
            dst[i] = Bf16.ToSingle(src[i]);
        }
    }

    public static void FromSingle(float* src, ushort* dst, long n, SimdLevel level)
    {
        long i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 32 <= n; i += 32)
            {
                Vector512<uint> lo = Round(Vector512.Load(src + i).AsUInt32());
                Vector512<uint> hi = Round(Vector512.Load(src + i + 16).AsUInt32());
                Vector512.Narrow(lo, hi).Store(dst + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector256<uint> lo = Round(Vector256.Load(src + i).AsUInt32());
                Vector256<uint> hi = Round(Vector256.Load(src + i + 8).AsUInt32());
                Vector256.Narrow(lo, hi).Store(dst + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector128<uint> lo = Round(Vector128.Load(src + i).AsUInt32());
                Vector128<uint> hi = Round(Vector128.Load(src + i + 4).AsUInt32());
                Vector128.Narrow(lo, hi).Store(dst + i);
            }
        }
        for (; i < n; i++)
        {
            dst[i] = Bf16.FromSingle(src[i]);
        }
    }

    private static Vector512<uint> Round(Vector512<uint> u)
    {
        Vector512<uint> nan = Vector512.GreaterThan(u & Vector512.Create(0x7fffffffu), Vector512.Create(0x7f800000u));
        Vector512<uint> rounded = (u + Vector512.Create(0x7fffu) + ((u >> 16) & Vector512<uint>.One)) >> 16;
        return Vector512.ConditionalSelect(nan, (u >> 16) | Vector512.Create(64u), rounded);
    }

    private static Vector256<uint> Round(Vector256<uint> u)
    {
        Vector256<uint> nan = Vector256.GreaterThan(u & Vector256.Create(0x7fffffffu), Vector256.Create(0x7f800000u));
        Vector256<uint> rounded = (u + Vector256.Create(0x7fffu) + ((u >> 16) & Vector256<uint>.One)) >> 16;
        return Vector256.ConditionalSelect(nan, (u >> 16) | Vector256.Create(64u), rounded);
    }

    private static Vector128<uint> Round(Vector128<uint> u)
    {
        Vector128<uint> nan = Vector128.GreaterThan(u & Vector128.Create(0x7fffffffu), Vector128.Create(0x7f800000u));
        Vector128<uint> rounded = (u + Vector128.Create(0x7fffu) + ((u >> 16) & Vector128<uint>.One)) >> 16;
        return Vector128.ConditionalSelect(nan, (u >> 16) | Vector128.Create(64u), rounded);
    }
}
