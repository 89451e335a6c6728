using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>
/// Ports of ggml-cpu's vector <c>ggml_v_expf</c> / <c>ggml_v_silu</c> (vec.h, adapted from ARM's optimized routines) and the
/// row loops that use them (<c>ggml_vec_silu_f32</c>, <c>ggml_vec_swiglu_f32</c>). Each tier reproduces ggml built for the
/// matching ISA: AVX-512 (16 lanes, <c>vscalefps</c>), AVX2+FMA (8 lanes) and SSE2 (4 lanes, no FMA); elements past the last
/// full vector use the scalar <c>expf</c> formula, as in ggml.
/// </summary>
internal static unsafe class GgmlVecMath
{
    private static readonly float s_shift = BitConverter.Int32BitsToSingle(0x4B400000);   // 0x1.8p23
    private static readonly float s_log2e = BitConverter.Int32BitsToSingle(0x3FB8AA3B);   // 0x1.715476p+0
    private static readonly float s_ln2Lo = BitConverter.Int32BitsToSingle(0x35BFBE8E);   // 0x1.7f7d1cp-20
    private static readonly float s_ln2Hi = BitConverter.Int32BitsToSingle(0x3F317200);   // 0x1.62e4p-1
    private static readonly float s_c5 = BitConverter.Int32BitsToSingle(0x3C072010);      // 0x1.0e4020p-7
    private static readonly float s_c4 = BitConverter.Int32BitsToSingle(0x3D2B9F17);      // 0x1.573e2ep-5
    private static readonly float s_c3 = BitConverter.Int32BitsToSingle(0x3E2AAF33);      // 0x1.555e66p-3
    private static readonly float s_c2 = BitConverter.Int32BitsToSingle(0x3EFFFEDB);      // 0x1.fffdb6p-2
    private static readonly float s_c1 = BitConverter.Int32BitsToSingle(0x3F7FFFF6);      // 0x1.ffffecp-1

    /// <summary>Scalar SiLU as ggml writes it: <c>x/(1+expf(-x))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Silu(float x) => x / (1.0f + MathF.Exp(-x));

    /// <summary><c>ggml_vec_silu_f32</c> at the active SIMD tier.</summary>
    public static void Silu(float* x, float* y, int n) => Silu(x, y, n, SimdSupport.Active);

    /// <summary><c>ggml_vec_silu_f32</c> at <paramref name="level"/> (which must be available).</summary>
    public static void Silu(float* x, float* y, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.Store(Silu(Vector512.Load(x + i)), y + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.Store(Silu(Vector256.Load(x + i)), y + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 4 <= n; i += 4)
            {
                Vector128.Store(Silu(Vector128.Load(x + i)), y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] = Silu(x[i]);
        }
    }

    /// <summary><c>ggml_vec_swiglu_f32</c> at the active SIMD tier: <c>y = silu(x)·g</c>.</summary>
    public static void Swiglu(float* x, float* g, float* y, int n) => Swiglu(x, g, y, n, SimdSupport.Active);

    /// <summary><c>ggml_vec_swiglu_f32</c> at <paramref name="level"/>.</summary>
    public static void Swiglu(float* x, float* g, float* y, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.Store(Silu(Vector512.Load(x + i)) * Vector512.Load(g + i), y + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.Store(Silu(Vector256.Load(x + i)) * Vector256.Load(g + i), y + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 4 <= n; i += 4)
            {
                Vector128.Store(Silu(Vector128.Load(x + i)) * Vector128.Load(g + i), y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] = Silu(x[i]) * g[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Silu(Vector512<float> x) => x / (Vector512<float>.One + Exp(Vector512<float>.Zero - x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Silu(Vector256<float> x) => x / (Vector256<float>.One + Exp(Vector256<float>.Zero - x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Silu(Vector128<float> x) => x / (Vector128<float>.One + Exp(Vector128<float>.Zero - x));

    /// <summary>The AVX-512 <c>ggml_v_expf</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> r = Vector512.Create(s_shift);
        Vector512<float> z = Avx512F.FusedMultiplyAdd(x, Vector512.Create(s_log2e), r);
        Vector512<float> n = z - r;
        Vector512<float> b = Avx512F.FusedMultiplyAddNegated(n, Vector512.Create(s_ln2Lo),
            Avx512F.FusedMultiplyAddNegated(n, Vector512.Create(s_ln2Hi), x));
        Vector512<float> d = Vector512.GreaterThan(Vector512.Abs(n), Vector512.Create(192f));
        Vector512<float> u = b * b;
        Vector512<float> j = Avx512F.FusedMultiplyAdd(
            Avx512F.FusedMultiplyAdd(
                Avx512F.FusedMultiplyAdd(Vector512.Create(s_c5), b, Vector512.Create(s_c4)),
                u,
                Avx512F.FusedMultiplyAdd(Vector512.Create(s_c3), b, Vector512.Create(s_c2))),
            u,
            Avx512F.FusedMultiplyAdd(Vector512.Create(s_c1), b, Vector512<float>.One));
        Vector512<float> res = Avx512F.Scale(j, n);
        if (d == Vector512<float>.Zero)
        {
            return res;
        }
        Vector512<float> alt = Vector512.ConditionalSelect(
            Vector512.LessThanOrEqual(n, Vector512<float>.Zero), Vector512<float>.Zero, Vector512.Create(float.PositiveInfinity));
        return Vector512.ConditionalSelect(d, alt, res);
    }

    /// <summary>The AVX2+FMA <c>ggml_v_expf</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> r = Vector256.Create(s_shift);
        Vector256<float> z = Fma.MultiplyAdd(x, Vector256.Create(s_log2e), r);
        Vector256<float> n = z - r;
        Vector256<float> b = Fma.MultiplyAddNegated(n, Vector256.Create(s_ln2Lo),
            Fma.MultiplyAddNegated(n, Vector256.Create(s_ln2Hi), x));
        Vector256<uint> e = Vector256.ShiftLeft(z.AsUInt32(), 23);
        Vector256<float> k = (e + Vector256<float>.One.AsUInt32()).AsSingle();
        Vector256<float> absN = Vector256.Abs(n);
        Vector256<float> c = Vector256.GreaterThan(absN, Vector256.Create(126f));
        Vector256<float> u = b * b;
        Vector256<float> j = Fma.MultiplyAdd(
            Fma.MultiplyAdd(
                Fma.MultiplyAdd(Vector256.Create(s_c5), b, Vector256.Create(s_c4)),
                u,
                Fma.MultiplyAdd(Vector256.Create(s_c3), b, Vector256.Create(s_c2))),
            u,
            Vector256.Create(s_c1) * b);
        if (c == Vector256<float>.Zero)
        {
            return Fma.MultiplyAdd(j, k, k);
        }
        Vector256<uint> g = Vector256.LessThanOrEqual(n, Vector256<float>.Zero).AsUInt32() & Vector256.Create(0x82000000u);
        Vector256<float> s1 = (g + Vector256.Create(0x7f000000u)).AsSingle();
        Vector256<float> s2 = (e - g).AsSingle();
        Vector256<float> d = Vector256.GreaterThan(absN, Vector256.Create(192f));
        return (d & (s1 * s1)) | Vector256.AndNot(
            (c & (Fma.MultiplyAdd(s2, j, s2) * s1)) | Vector256.AndNot(Fma.MultiplyAdd(k, j, k), c), d);
    }

    /// <summary>The SSE2 <c>ggml_v_expf</c> (multiply and add, not fused).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> r = Vector128.Create(s_shift);
        Vector128<float> z = x * Vector128.Create(s_log2e) + r;
        Vector128<float> n = z - r;
        Vector128<float> b = (x - n * Vector128.Create(s_ln2Hi)) - n * Vector128.Create(s_ln2Lo);
        Vector128<uint> e = Vector128.ShiftLeft(z.AsUInt32(), 23);
        Vector128<float> k = (e + Vector128<float>.One.AsUInt32()).AsSingle();
        Vector128<float> absN = Vector128.Abs(n);
        Vector128<float> c = Vector128.GreaterThan(absN, Vector128.Create(126f));
        Vector128<float> u = b * b;
        Vector128<float> j = ((Vector128.Create(s_c5) * b + Vector128.Create(s_c4)) * u
            + (Vector128.Create(s_c3) * b + Vector128.Create(s_c2))) * u
            + Vector128.Create(s_c1) * b;
        if (c == Vector128<float>.Zero)
        {
            return j * k + k;
        }
        Vector128<uint> g = Vector128.LessThanOrEqual(n, Vector128<float>.Zero).AsUInt32() & Vector128.Create(0x82000000u);
        Vector128<float> s1 = (g + Vector128.Create(0x7f000000u)).AsSingle();
        Vector128<float> s2 = (e - g).AsSingle();
        Vector128<float> d = Vector128.GreaterThan(absN, Vector128.Create(192f));
        return (d & (s1 * s1)) | Vector128.AndNot(
            (c & ((s2 * j + s2) * s1)) | Vector128.AndNot(k * j + k, c), d);
    }
}
