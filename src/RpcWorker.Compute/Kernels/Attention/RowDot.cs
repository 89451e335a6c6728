using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// Dot products and multiply-adds between one stored row (F32, F16 or BF16) and a float row, at a chosen
/// <see cref="SimdLevel"/>: the inner loops of flash attention (K·Q and V accumulation).
/// </summary>
internal static unsafe class RowDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadHalf512(ushort* p) => VecMath.HalfToSingle(Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadHalf256(ushort* p) => VecMath.HalfToSingle(Vector256.WidenLower(Vector128.Load(p).ToVector256Unsafe()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LoadHalf128(ushort* p) => VecMath.HalfToSingle(Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)p).AsUInt16()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadBf16_512(ushort* p) => Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe()), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadBf16_256(ushort* p) => Vector256.ShiftLeft(Vector256.WidenLower(Vector128.Load(p).ToVector256Unsafe()), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LoadBf16_128(ushort* p) => Vector128.ShiftLeft(Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)p).AsUInt16()), 16).AsSingle();

    /// <summary>Σ k[i]·q[i] with k in F32.</summary>
    public static float DotF32(float* k, float* q, int n, SimdLevel level)
    {
        int i = 0;
        float sum = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(k + i), Vector512.Load(q + i), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(k + i + 16), Vector512.Load(q + i + 16), a1);
            }
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(k + i), Vector512.Load(q + i), a0);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(k + i), Vector256.Load(q + i), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(k + i + 8), Vector256.Load(q + i + 8), a1);
            }
            for (; i + 8 <= n; i += 8)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(k + i), Vector256.Load(q + i), a0);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> a0 = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                a0 = Vector128.FusedMultiplyAdd(Vector128.Load(k + i), Vector128.Load(q + i), a0);
            }
            sum = Vector128.Sum(a0);
        }
        for (; i < n; i++)
        {
            sum += k[i] * q[i];
        }
        return sum;
    }

    /// <summary>Σ k[i]·q[i] with k in F16.</summary>
    public static float DotF16(ushort* k, float* q, int n, SimdLevel level)
    {
        int i = 0;
        float sum = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(LoadHalf512(k + i), Vector512.Load(q + i), a0);
                a1 = Vector512.FusedMultiplyAdd(LoadHalf512(k + i + 16), Vector512.Load(q + i + 16), a1);
            }
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector512.FusedMultiplyAdd(LoadHalf512(k + i), Vector512.Load(q + i), a0);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(LoadHalf256(k + i), Vector256.Load(q + i), a0);
                a1 = Vector256.FusedMultiplyAdd(LoadHalf256(k + i + 8), Vector256.Load(q + i + 8), a1);
            }
            for (; i + 8 <= n; i += 8)
            {
                a0 = Vector256.FusedMultiplyAdd(LoadHalf256(k + i), Vector256.Load(q + i), a0);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> a0 = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                a0 = Vector128.FusedMultiplyAdd(LoadHalf128(k + i), Vector128.Load(q + i), a0);
            }
            sum = Vector128.Sum(a0);
        }
        for (; i < n; i++)
        {
            sum += Fp16.ToSingle(k[i]) * q[i];
        }
        return sum;
    }

    /// <summary>Σ k[i]·q[i] with k in BF16.</summary>
    public static float DotBf16(ushort* k, float* q, int n, SimdLevel level)
    {
        int i = 0;
        float sum = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> a0 = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector512.FusedMultiplyAdd(LoadBf16_512(k + i), Vector512.Load(q + i), a0);
            }
            sum = Vector512.Sum(a0);
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> a0 = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                a0 = Vector256.FusedMultiplyAdd(LoadBf16_256(k + i), Vector256.Load(q + i), a0);
            }
            sum = Vector256.Sum(a0);
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> a0 = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                a0 = Vector128.FusedMultiplyAdd(LoadBf16_128(k + i), Vector128.Load(q + i), a0);
            }
            sum = Vector128.Sum(a0);
        }
        for (; i < n; i++)
        {
            sum += Bf16.ToSingle(k[i]) * q[i];
        }
        return sum;
    }

    /// <summary>y[i] += x[i]·v with x in F32.</summary>
    public static void MadF32(float* y, float* x, float v, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> vv = Vector512.Create(v);
            for (; i + 16 <= n; i += 16)
            {
                Vector512.FusedMultiplyAdd(Vector512.Load(x + i), vv, Vector512.Load(y + i)).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> vv = Vector256.Create(v);
            for (; i + 8 <= n; i += 8)
            {
                Vector256.FusedMultiplyAdd(Vector256.Load(x + i), vv, Vector256.Load(y + i)).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> vv = Vector128.Create(v);
            for (; i + 4 <= n; i += 4)
            {
                Vector128.FusedMultiplyAdd(Vector128.Load(x + i), vv, Vector128.Load(y + i)).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(x[i], v, y[i]);
        }
    }

    /// <summary>y[i] += x[i]·v with x in F16.</summary>
    public static void MadF16(float* y, ushort* x, float v, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> vv = Vector512.Create(v);
            for (; i + 16 <= n; i += 16)
            {
                Vector512.FusedMultiplyAdd(LoadHalf512(x + i), vv, Vector512.Load(y + i)).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> vv = Vector256.Create(v);
            for (; i + 8 <= n; i += 8)
            {
                Vector256.FusedMultiplyAdd(LoadHalf256(x + i), vv, Vector256.Load(y + i)).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> vv = Vector128.Create(v);
            for (; i + 4 <= n; i += 4)
            {
                Vector128.FusedMultiplyAdd(LoadHalf128(x + i), vv, Vector128.Load(y + i)).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(Fp16.ToSingle(x[i]), v, y[i]);
        }
    }

    /// <summary>y[i] *= v.</summary>
    public static void Scale(float* y, float v, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> vv = Vector512.Create(v);
            for (; i + 16 <= n; i += 16)
            {
                (Vector512.Load(y + i) * vv).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> vv = Vector256.Create(v);
            for (; i + 8 <= n; i += 8)
            {
                (Vector256.Load(y + i) * vv).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> vv = Vector128.Create(v);
            for (; i + 4 <= n; i += 4)
            {
                (Vector128.Load(y + i) * vv).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] *= v;
        }
    }
}
