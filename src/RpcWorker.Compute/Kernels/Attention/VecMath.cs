using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// Float vector primitives of the attention kernels at a chosen <see cref="SimdLevel"/>: ggml's vectorized <c>expf</c>
/// (<c>ggml_v_expf</c>), row max, the softmax exponent sum (<c>ggml_vec_soft_max_f32</c>), and fp16/bf16 rows widened on
/// the fly for dot products and multiply-adds. Vector tails fall back to the scalar code, as ggml's loops do.
/// </summary>
internal static unsafe class VecMath
{
    private const float Shifter = 12582912f;
    private const float TwoPow112 = 5.192297E+33f;
    private static readonly float s_log2e = BitConverter.Int32BitsToSingle(0x3fb8aa3b);
    private static readonly float s_ln2Hi = BitConverter.Int32BitsToSingle(0x3f317200);
    private static readonly float s_ln2Lo = BitConverter.Int32BitsToSingle(0x35bfbe8e);
    private static readonly float s_c5 = BitConverter.Int32BitsToSingle(0x3c072010);
    private static readonly float s_c4 = BitConverter.Int32BitsToSingle(0x3d2b9f17);
    private static readonly float s_c3 = BitConverter.Int32BitsToSingle(0x3e2aaf33);
    private static readonly float s_c2 = BitConverter.Int32BitsToSingle(0x3efffedb);
    private static readonly float s_c1 = BitConverter.Int32BitsToSingle(0x3f7ffff6);

    /// <summary>e^x per lane, ggml's polynomial (max error about 1.5 ulp), exact 0 / inf outside the float range, NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> r = Vector512.Create(Shifter);
        Vector512<float> z = Vector512.FusedMultiplyAdd(x, Vector512.Create(s_log2e), r);
        Vector512<float> n = z - r;
        Vector512<float> b = Vector512.FusedMultiplyAdd(-n, Vector512.Create(s_ln2Lo), Vector512.FusedMultiplyAdd(-n, Vector512.Create(s_ln2Hi), x));
        Vector512<uint> e = Vector512.ShiftLeft(z.AsUInt32(), 23);
        Vector512<float> k = (e + Vector512.Create(1f).AsUInt32()).AsSingle();
        Vector512<float> absN = Vector512.Abs(n);
        Vector512<float> c = Vector512.GreaterThan(absN, Vector512.Create(126f));
        Vector512<float> u = b * b;
        Vector512<float> j = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(s_c5), b, Vector512.Create(s_c4)), u,
                Vector512.FusedMultiplyAdd(Vector512.Create(s_c3), b, Vector512.Create(s_c2))),
            u, Vector512.Create(s_c1) * b);
        if (c == Vector512<float>.Zero)
        {
            return Vector512.FusedMultiplyAdd(j, k, k);
        }
        Vector512<uint> g = Vector512.LessThanOrEqual(n, Vector512<float>.Zero).AsUInt32() & Vector512.Create(0x82000000u);
        Vector512<float> s1 = (g + Vector512.Create(0x7f000000u)).AsSingle();
        Vector512<float> s2 = (e - g).AsSingle();
        Vector512<float> d = Vector512.GreaterThan(absN, Vector512.Create(192f));
        return Vector512.ConditionalSelect(d, s1 * s1,
            Vector512.ConditionalSelect(c, Vector512.FusedMultiplyAdd(s2, j, s2) * s1, Vector512.FusedMultiplyAdd(k, j, k)));
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> r = Vector256.Create(Shifter);
        Vector256<float> z = Vector256.FusedMultiplyAdd(x, Vector256.Create(s_log2e), r);
        Vector256<float> n = z - r;
        Vector256<float> b = Vector256.FusedMultiplyAdd(-n, Vector256.Create(s_ln2Lo), Vector256.FusedMultiplyAdd(-n, Vector256.Create(s_ln2Hi), x));
        Vector256<uint> e = Vector256.ShiftLeft(z.AsUInt32(), 23);
        Vector256<float> k = (e + Vector256.Create(1f).AsUInt32()).AsSingle();
        Vector256<float> absN = Vector256.Abs(n);
        Vector256<float> c = Vector256.GreaterThan(absN, Vector256.Create(126f));
        Vector256<float> u = b * b;
        Vector256<float> j = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(s_c5), b, Vector256.Create(s_c4)), u,
                Vector256.FusedMultiplyAdd(Vector256.Create(s_c3), b, Vector256.Create(s_c2))),
            u, Vector256.Create(s_c1) * b);
        if (c == Vector256<float>.Zero)
        {
            return Vector256.FusedMultiplyAdd(j, k, k);
        }
        Vector256<uint> g = Vector256.LessThanOrEqual(n, Vector256<float>.Zero).AsUInt32() & Vector256.Create(0x82000000u);
        Vector256<float> s1 = (g + Vector256.Create(0x7f000000u)).AsSingle();
        Vector256<float> s2 = (e - g).AsSingle();
        Vector256<float> d = Vector256.GreaterThan(absN, Vector256.Create(192f));
        return Vector256.ConditionalSelect(d, s1 * s1,
            Vector256.ConditionalSelect(c, Vector256.FusedMultiplyAdd(s2, j, s2) * s1, Vector256.FusedMultiplyAdd(k, j, k)));
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> r = Vector128.Create(Shifter);
        Vector128<float> z = Vector128.FusedMultiplyAdd(x, Vector128.Create(s_log2e), r);
        Vector128<float> n = z - r;
        Vector128<float> b = Vector128.FusedMultiplyAdd(-n, Vector128.Create(s_ln2Lo), Vector128.FusedMultiplyAdd(-n, Vector128.Create(s_ln2Hi), x));
        Vector128<uint> e = Vector128.ShiftLeft(z.AsUInt32(), 23);
        Vector128<float> k = (e + Vector128.Create(1f).AsUInt32()).AsSingle();
        Vector128<float> absN = Vector128.Abs(n);
        Vector128<float> c = Vector128.GreaterThan(absN, Vector128.Create(126f));
        Vector128<float> u = b * b;
        Vector128<float> j = Vector128.FusedMultiplyAdd(
            Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(s_c5), b, Vector128.Create(s_c4)), u,
                Vector128.FusedMultiplyAdd(Vector128.Create(s_c3), b, Vector128.Create(s_c2))),
            u, Vector128.Create(s_c1) * b);
        if (c == Vector128<float>.Zero)
        {
            return Vector128.FusedMultiplyAdd(j, k, k);
        }
        Vector128<uint> g = Vector128.LessThanOrEqual(n, Vector128<float>.Zero).AsUInt32() & Vector128.Create(0x82000000u);
        Vector128<float> s1 = (g + Vector128.Create(0x7f000000u)).AsSingle();
        Vector128<float> s2 = (e - g).AsSingle();
        Vector128<float> d = Vector128.GreaterThan(absN, Vector128.Create(192f));
        return Vector128.ConditionalSelect(d, s1 * s1,
            Vector128.ConditionalSelect(c, Vector128.FusedMultiplyAdd(s2, j, s2) * s1, Vector128.FusedMultiplyAdd(k, j, k)));
    }

    /// <summary>Largest of <paramref name="n"/> floats, starting from <paramref name="init"/> (a NaN makes the softmax row NaN either way).</summary>
    public static float Max(float* x, int n, float init, SimdLevel level)
    {
        int i = 0;
        float max = init;
        if (level >= SimdLevel.Avx512 && n >= 16)
        {
            Vector512<float> m = Vector512.Create(init);
            for (; i + 16 <= n; i += 16)
            {
                m = Vector512.MaxNative(m, Vector512.Load(x + i));
            }
            max = HorizontalMax(m.GetLower(), m.GetUpper());
        }
        else if (level >= SimdLevel.Avx2 && n >= 8)
        {
            Vector256<float> m = Vector256.Create(init);
            for (; i + 8 <= n; i += 8)
            {
                m = Vector256.MaxNative(m, Vector256.Load(x + i));
            }
            max = HorizontalMax(m, m);
        }
        else if (level >= SimdLevel.Vector128 && n >= 4)
        {
            Vector128<float> m = Vector128.Create(init);
            for (; i + 4 <= n; i += 4)
            {
                m = Vector128.MaxNative(m, Vector128.Load(x + i));
            }
            max = HorizontalMax(m);
        }
        for (; i < n; i++)
        {
            max = max > x[i] ? max : x[i];
        }
        return max;
    }

    private static float HorizontalMax(Vector256<float> a, Vector256<float> b)
    {
        Vector256<float> m = Vector256.MaxNative(a, b);
        return HorizontalMax(Vector128.MaxNative(m.GetLower(), m.GetUpper()));
    }

    private static float HorizontalMax(Vector128<float> m)
    {
        float max = m[0];
        for (int i = 1; i < 4; i++)
        {
            max = max > m[i] ? max : m[i];
        }
        return max;
    }

    /// <summary><c>ggml_vec_soft_max_f32</c>: y = e^(x - max), returns the sum in double. <paramref name="y"/> may equal <paramref name="x"/>.</summary>
    public static double ExpSum(float* y, float* x, int n, float max, SimdLevel level)
    {
        int i = 0;
        double sum = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> vmax = Vector512.Create(max);
            Vector512<double> acc = Vector512<double>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> val = Exp(Vector512.Load(x + i) - vmax);
                val.Store(y + i);
                acc += Vector512.WidenLower(val) + Vector512.WidenUpper(val);
            }
            sum = Vector512.Sum(acc);
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> vmax = Vector256.Create(max);
            Vector256<double> acc = Vector256<double>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> val = Exp(Vector256.Load(x + i) - vmax);
                val.Store(y + i);
                acc += Vector256.WidenLower(val) + Vector256.WidenUpper(val);
            }
            sum = Vector256.Sum(acc);
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> vmax = Vector128.Create(max);
            Vector128<double> acc = Vector128<double>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                Vector128<float> val = Exp(Vector128.Load(x + i) - vmax);
                val.Store(y + i);
                acc += Vector128.WidenLower(val) + Vector128.WidenUpper(val);
            }
            sum = Vector128.Sum(acc);
        }
        for (; i < n; i++)
        {
            float val = MathF.Exp(x[i] - max);
            sum += val;
            y[i] = val;
        }
        return sum;
    }

    /// <summary>fp16 bit patterns (one per 32-bit lane) to float, exact for every value including subnormals, inf and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfToSingle(Vector512<uint> h)
    {
        Vector512<uint> sign = Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16);
        Vector512<uint> em = Vector512.ShiftLeft(h & Vector512.Create(0x7fffu), 13);
        Vector512<uint> scaled = (em.AsSingle() * Vector512.Create(TwoPow112)).AsUInt32();
        Vector512<uint> special = Vector512.Equals(h & Vector512.Create(0x7c00u), Vector512.Create(0x7c00u));
        return (Vector512.ConditionalSelect(special, em | Vector512.Create(0x7f800000u), scaled) | sign).AsSingle();
    }

    /// <inheritdoc cref="HalfToSingle(Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector256<uint> h)
    {
        Vector256<uint> sign = Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16);
        Vector256<uint> em = Vector256.ShiftLeft(h & Vector256.Create(0x7fffu), 13);
        Vector256<uint> scaled = (em.AsSingle() * Vector256.Create(TwoPow112)).AsUInt32();
        Vector256<uint> special = Vector256.Equals(h & Vector256.Create(0x7c00u), Vector256.Create(0x7c00u));
        return (Vector256.ConditionalSelect(special, em | Vector256.Create(0x7f800000u), scaled) | sign).AsSingle();
    }

    /// <inheritdoc cref="HalfToSingle(Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> HalfToSingle(Vector128<uint> h)
    {
        Vector128<uint> sign = Vector128.ShiftLeft(h & Vector128.Create(0x8000u), 16);
        Vector128<uint> em = Vector128.ShiftLeft(h & Vector128.Create(0x7fffu), 13);
        Vector128<uint> scaled = (em.AsSingle() * Vector128.Create(TwoPow112)).AsUInt32();
        Vector128<uint> special = Vector128.Equals(h & Vector128.Create(0x7c00u), Vector128.Create(0x7c00u));
        return (Vector128.ConditionalSelect(special, em | Vector128.Create(0x7f800000u), scaled) | sign).AsSingle();
    }
}
