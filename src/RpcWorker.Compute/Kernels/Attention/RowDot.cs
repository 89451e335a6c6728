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

    /// <summary>
    /// Rounds each float to the nearest fp16 value (ties to even), kept as float: what storing in an fp16 buffer and
    /// reading back gives, including subnormals, overflow to infinity and NaN.
    /// </summary>
    public static void RoundToHalf(float* y, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 16 <= n; i += 16)
            {
                RoundToHalf(Vector512.Load(y + i)).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 8 <= n; i += 8)
            {
                RoundToHalf(Vector256.Load(y + i)).Store(y + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 4 <= n; i += 4)
            {
                RoundToHalf(Vector128.Load(y + i)).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] = RoundToHalf(y[i]);
        }
    }

    private const uint AbsMask = 0x7fffffffu, InfBits = 0x7f800000u, MinNormalHalf = 0x38800000u, MaxHalf = 0x477fe000u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RoundToHalf(float x)
    {
        uint b = BitConverter.SingleToUInt32Bits(x);
        uint a = b & AbsMask;
        uint r;
        if (a >= InfBits)
        {
            r = a;
        }
        else if (a < MinNormalHalf)
        {
            r = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(a) + 0.5f - 0.5f);
        }
        else
        {
            r = (a + 0x0fffu + ((a >> 13) & 1)) & 0xffffe000u;
            r = r > MaxHalf ? InfBits : r;
        }
        return BitConverter.UInt32BitsToSingle(r | (b & ~AbsMask));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> RoundToHalf(Vector512<float> x)
    {
        Vector512<uint> b = x.AsUInt32();
        Vector512<uint> a = b & Vector512.Create(AbsMask);
        Vector512<uint> sub = ((a.AsSingle() + Vector512.Create(0.5f)) - Vector512.Create(0.5f)).AsUInt32();
        Vector512<uint> nrm = (a + Vector512.Create(0x0fffu) + (Vector512.ShiftRightLogical(a, 13) & Vector512<uint>.One)) & Vector512.Create(0xffffe000u);
        nrm = Vector512.ConditionalSelect(Vector512.GreaterThan(nrm, Vector512.Create(MaxHalf)), Vector512.Create(InfBits), nrm);
        Vector512<uint> r = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(MinNormalHalf)), sub, nrm);
        r = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(InfBits)), a, r);
        return (r | (b & Vector512.Create(~AbsMask))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> RoundToHalf(Vector256<float> x)
    {
        Vector256<uint> b = x.AsUInt32();
        Vector256<uint> a = b & Vector256.Create(AbsMask);
        Vector256<uint> sub = ((a.AsSingle() + Vector256.Create(0.5f)) - Vector256.Create(0.5f)).AsUInt32();
        Vector256<uint> nrm = (a + Vector256.Create(0x0fffu) + (Vector256.ShiftRightLogical(a, 13) & Vector256<uint>.One)) & Vector256.Create(0xffffe000u);
        nrm = Vector256.ConditionalSelect(Vector256.GreaterThan(nrm, Vector256.Create(MaxHalf)), Vector256.Create(InfBits), nrm);
        Vector256<uint> r = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(MinNormalHalf)), sub, nrm);
        r = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(InfBits)), a, r);
        return (r | (b & Vector256.Create(~AbsMask))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> RoundToHalf(Vector128<float> x)
    {
        Vector128<uint> b = x.AsUInt32();
        Vector128<uint> a = b & Vector128.Create(AbsMask);
        Vector128<uint> sub = ((a.AsSingle() + Vector128.Create(0.5f)) - Vector128.Create(0.5f)).AsUInt32();
        Vector128<uint> nrm = (a + Vector128.Create(0x0fffu) + (Vector128.ShiftRightLogical(a, 13) & Vector128<uint>.One)) & Vector128.Create(0xffffe000u);
        nrm = Vector128.ConditionalSelect(Vector128.GreaterThan(nrm, Vector128.Create(MaxHalf)), Vector128.Create(InfBits), nrm);
        Vector128<uint> r = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(MinNormalHalf)), sub, nrm);
        r = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(a, Vector128.Create(InfBits)), a, r);
        return (r | (b & Vector128.Create(~AbsMask))).AsSingle();
    }

    /// <summary>dst[i] = x[i] widened from F16 (exact).</summary>
    public static void WidenHalf(ushort* x, float* dst, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 16 <= n; i += 16)
            {
                LoadHalf512(x + i).Store(dst + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 8 <= n; i += 8)
            {
                LoadHalf256(x + i).Store(dst + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 4 <= n; i += 4)
            {
                LoadHalf128(x + i).Store(dst + i);
            }
        }
        for (; i < n; i++)
        {
            dst[i] = Fp16.ToSingle(x[i]);
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
