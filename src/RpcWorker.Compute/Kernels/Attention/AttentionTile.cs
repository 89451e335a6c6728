using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// The block operations of flash attention's query-tiled path (ggml's <c>ggml_compute_forward_flash_attn_ext_tiled</c>):
/// a K block widened to F32 and transposed once for a whole query tile, the scores S = scale·Q·Kᵀ and the update
/// O += P·V as register-tiled products of <see cref="RowBlock"/> query rows, and the ALiBi-sloped F16 mask. Every
/// product element is one fused multiply-add chain in the same order at every <see cref="SimdLevel"/>, so the levels
/// agree bit for bit; AVX-512 uses the 256-bit blocks.
/// </summary>
internal static unsafe class AttentionTile
{
    /// <summary>Query rows per register block: row counts passed to the products are multiples of it.</summary>
    public const int RowBlock = 4;

    /// <summary>Columns per register block: key column counts passed to <see cref="Scores"/> are multiples of it.</summary>
    public const int ColBlock = 16;

    /// <summary>
    /// kt[d·ldk + t] = K row t at dimension d for t &lt; <paramref name="n"/> (rows <paramref name="nbk1"/> bytes apart,
    /// F16 or F32), and 0 for t in [n, <paramref name="cols"/>). F16 rows go 8 keys × 8 dimensions at a time through an
    /// in-register transpose before the exact vector widening.
    /// </summary>
    public static void LoadKeys(byte* k, long nbk1, bool f16, int n, int dk, float* kt, int ldk, int cols, SimdLevel level)
    {
        int t0 = 0;
        if (f16 && level >= SimdLevel.Avx2 && Sse2.IsSupported)
        {
            int dk8 = dk & ~7;
            for (; t0 + 8 <= n; t0 += 8)
            {
                byte* rows = k + (t0 * nbk1);
                for (int d = 0; d < dk8; d += 8)
                {
                    TransposeHalf8x8(rows, nbk1, d, kt + ((long)d * ldk) + t0, ldk);
                }
                for (int t = t0; t < t0 + 8; t++)
                {
                    ushort* row = (ushort*)(k + (t * nbk1));
                    for (int d = dk8; d < dk; d++)
                    {
                        kt[((long)d * ldk) + t] = Fp16.ToSingle(row[d]);
                    }
                }
            }
        }
        for (int t = t0; t < n; t++)
        {
            float* col = kt + t;
            if (f16)
            {
                ushort* row = (ushort*)(k + (t * nbk1));
                for (int d = 0; d < dk; d++)
                {
                    col[d * ldk] = Fp16.ToSingle(row[d]);
                }
            }
            else
            {
                float* row = (float*)(k + (t * nbk1));
                for (int d = 0; d < dk; d++)
                {
                    col[d * ldk] = row[d];
                }
            }
        }
        for (int d = 0; d < dk && n < cols; d++)
        {
            new Span<float>(kt + (d * ldk) + n, cols - n).Clear();
        }
    }

    /// <summary>Dimensions [d, d + 8) of 8 F16 rows, transposed and widened: dst[i·ld + j] = row j at d + i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeHalf8x8(byte* rows, long nb, int d, float* dst, int ld)
    {
        Vector128<ushort> r0 = Vector128.Load((ushort*)rows + d);
        Vector128<ushort> r1 = Vector128.Load((ushort*)(rows + nb) + d);
        Vector128<ushort> r2 = Vector128.Load((ushort*)(rows + (2 * nb)) + d);
        Vector128<ushort> r3 = Vector128.Load((ushort*)(rows + (3 * nb)) + d);
        Vector128<ushort> r4 = Vector128.Load((ushort*)(rows + (4 * nb)) + d);
        Vector128<ushort> r5 = Vector128.Load((ushort*)(rows + (5 * nb)) + d);
        Vector128<ushort> r6 = Vector128.Load((ushort*)(rows + (6 * nb)) + d);
        Vector128<ushort> r7 = Vector128.Load((ushort*)(rows + (7 * nb)) + d);
        Vector128<uint> a0 = Sse2.UnpackLow(r0, r1).AsUInt32(), a1 = Sse2.UnpackHigh(r0, r1).AsUInt32();
        Vector128<uint> a2 = Sse2.UnpackLow(r2, r3).AsUInt32(), a3 = Sse2.UnpackHigh(r2, r3).AsUInt32();
        Vector128<uint> a4 = Sse2.UnpackLow(r4, r5).AsUInt32(), a5 = Sse2.UnpackHigh(r4, r5).AsUInt32();
        Vector128<uint> a6 = Sse2.UnpackLow(r6, r7).AsUInt32(), a7 = Sse2.UnpackHigh(r6, r7).AsUInt32();
        Vector128<ulong> b0 = Sse2.UnpackLow(a0, a2).AsUInt64(), b1 = Sse2.UnpackHigh(a0, a2).AsUInt64();
        Vector128<ulong> b2 = Sse2.UnpackLow(a1, a3).AsUInt64(), b3 = Sse2.UnpackHigh(a1, a3).AsUInt64();
        Vector128<ulong> b4 = Sse2.UnpackLow(a4, a6).AsUInt64(), b5 = Sse2.UnpackHigh(a4, a6).AsUInt64();
        Vector128<ulong> b6 = Sse2.UnpackLow(a5, a7).AsUInt64(), b7 = Sse2.UnpackHigh(a5, a7).AsUInt64();
        StoreHalf8(Sse2.UnpackLow(b0, b4), dst);
        StoreHalf8(Sse2.UnpackHigh(b0, b4), dst + ld);
        StoreHalf8(Sse2.UnpackLow(b1, b5), dst + (2 * ld));
        StoreHalf8(Sse2.UnpackHigh(b1, b5), dst + (3 * ld));
        StoreHalf8(Sse2.UnpackLow(b2, b6), dst + (4 * ld));
        StoreHalf8(Sse2.UnpackHigh(b2, b6), dst + (5 * ld));
        StoreHalf8(Sse2.UnpackLow(b3, b7), dst + (6 * ld));
        StoreHalf8(Sse2.UnpackHigh(b3, b7), dst + (7 * ld));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHalf8(Vector128<ulong> h, float* dst) =>
        VecMath.HalfToSingle(Vector256.WidenLower(h.AsUInt16().ToVector256Unsafe())).Store(dst);

    /// <summary>v32[t·dv ..] = V row t as F32 for t &lt; <paramref name="n"/>.</summary>
    public static void LoadValues(byte* v, long nbv1, bool f16, int n, int dv, float* v32)
    {
        for (int t = 0; t < n; t++)
        {
            byte* row = v + (t * nbv1);
            if (f16)
            {
                Fp16.ToSingle((ushort*)row, v32 + ((long)t * dv), dv);
            }
            else
            {
                Buffer.MemoryCopy(row, v32 + ((long)t * dv), dv * sizeof(float), dv * sizeof(float));
            }
        }
    }

    /// <summary>True when slope·mask is −∞ for all <paramref name="n"/> entries of the row.</summary>
    public static bool IsMasked(ushort* m, int n, float slope, SimdLevel level)
    {
        int j = 0;
        if (level >= SimdLevel.Avx2)
        {
            Vector256<float> vs = Vector256.Create(slope);
            Vector256<float> minusInf = Vector256.Create(float.NegativeInfinity);
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> mv = VecMath.HalfToSingle(Vector256.WidenLower(Vector128.Load(m + j).ToVector256Unsafe()));
                if (!Vector256.EqualsAll(mv * vs, minusInf))
                {
                    return false;
                }
            }
        }
        for (; j < n; j++)
        {
            if (slope * Fp16.ToSingle(m[j]) != float.NegativeInfinity)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>s[j] += slope·mask[j] (the product rounded before the sum, as ggml stores the sloped mask first).</summary>
    public static void AddMask(float* s, ushort* m, int n, float slope, SimdLevel level)
    {
        int j = 0;
        if (level >= SimdLevel.Avx2)
        {
            Vector256<float> vs = Vector256.Create(slope);
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> mv = VecMath.HalfToSingle(Vector256.WidenLower(Vector128.Load(m + j).ToVector256Unsafe()));
                (Vector256.Load(s + j) + (mv * vs)).Store(s + j);
            }
        }
        for (; j < n; j++)
        {
            s[j] += slope * Fp16.ToSingle(m[j]);
        }
    }

    /// <summary>
    /// s[r·lds + c] = scale · Σ_d q[r·dk + d]·kt[d·lds + c] for r &lt; <paramref name="rows"/> (a multiple of
    /// <see cref="RowBlock"/>) and c &lt; <paramref name="cols"/> (a multiple of <see cref="ColBlock"/>).
    /// </summary>
    public static void Scores(float* q, int dk, int rows, float* kt, int lds, int cols, float scale, float* s, SimdLevel level)
    {
        for (int r = 0; r < rows; r += RowBlock)
        {
            float* q0 = q + ((long)r * dk);
            float* s0 = s + ((long)r * lds);
            for (int c = 0; c < cols; c += ColBlock)
            {
                if (level >= SimdLevel.Avx2)
                {
                    Scores256(q0, dk, kt + c, lds, scale, s0 + c);
                }
                else if (level >= SimdLevel.Vector128)
                {
                    Scores128(q0, dk, kt + c, lds, scale, s0 + c);
                    Scores128(q0, dk, kt + c + 8, lds, scale, s0 + c + 8);
                }
                else
                {
                    ScoresScalar(q0, dk, kt + c, lds, scale, s0 + c);
                }
            }
        }
    }

    /// <summary>
    /// o[r·dv + d] += Σ_{t &lt; n} p[r·ldp + t]·v[t·dv + d] for r &lt; <paramref name="rows"/> (a multiple of
    /// <see cref="RowBlock"/>), with <paramref name="dv"/> a multiple of <see cref="ColBlock"/>.
    /// </summary>
    public static void Accumulate(float* p, int ldp, int rows, float* v, int dv, int n, float* o, SimdLevel level)
    {
        for (int r = 0; r < rows; r += RowBlock)
        {
            float* p0 = p + ((long)r * ldp);
            float* o0 = o + ((long)r * dv);
            for (int c = 0; c < dv; c += ColBlock)
            {
                if (level >= SimdLevel.Avx2)
                {
                    Accumulate256(p0, ldp, v + c, dv, n, o0 + c);
                }
                else if (level >= SimdLevel.Vector128)
                {
                    Accumulate128(p0, ldp, v + c, dv, n, o0 + c);
                    Accumulate128(p0, ldp, v + c + 8, dv, n, o0 + c + 8);
                }
                else
                {
                    AccumulateScalar(p0, ldp, v + c, dv, n, o0 + c);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores256(float* q0, int dk, float* kt, int lds, float scale, float* s)
    {
        float* q1 = q0 + dk, q2 = q1 + dk, q3 = q2 + dk;
        Vector256<float> a00 = Vector256<float>.Zero, a01 = Vector256<float>.Zero;
        Vector256<float> a10 = Vector256<float>.Zero, a11 = Vector256<float>.Zero;
        Vector256<float> a20 = Vector256<float>.Zero, a21 = Vector256<float>.Zero;
        Vector256<float> a30 = Vector256<float>.Zero, a31 = Vector256<float>.Zero;
        float* kp = kt;
        for (int d = 0; d < dk; d++, kp += lds)
        {
            Vector256<float> k0 = Vector256.Load(kp);
            Vector256<float> k1 = Vector256.Load(kp + 8);
            Vector256<float> b = Vector256.Create(q0[d]);
            a00 = Vector256.FusedMultiplyAdd(b, k0, a00);
            a01 = Vector256.FusedMultiplyAdd(b, k1, a01);
            b = Vector256.Create(q1[d]);
            a10 = Vector256.FusedMultiplyAdd(b, k0, a10);
            a11 = Vector256.FusedMultiplyAdd(b, k1, a11);
            b = Vector256.Create(q2[d]);
            a20 = Vector256.FusedMultiplyAdd(b, k0, a20);
            a21 = Vector256.FusedMultiplyAdd(b, k1, a21);
            b = Vector256.Create(q3[d]);
            a30 = Vector256.FusedMultiplyAdd(b, k0, a30);
            a31 = Vector256.FusedMultiplyAdd(b, k1, a31);
        }
        Vector256<float> sc = Vector256.Create(scale);
        (a00 * sc).Store(s);
        (a01 * sc).Store(s + 8);
        (a10 * sc).Store(s + lds);
        (a11 * sc).Store(s + lds + 8);
        (a20 * sc).Store(s + (2 * lds));
        (a21 * sc).Store(s + (2 * lds) + 8);
        (a30 * sc).Store(s + (3 * lds));
        (a31 * sc).Store(s + (3 * lds) + 8);
    }

    private static void Scores128(float* q0, int dk, float* kt, int lds, float scale, float* s)
    {
        float* q1 = q0 + dk, q2 = q1 + dk, q3 = q2 + dk;
        Vector128<float> a00 = Vector128<float>.Zero, a01 = Vector128<float>.Zero;
        Vector128<float> a10 = Vector128<float>.Zero, a11 = Vector128<float>.Zero;
        Vector128<float> a20 = Vector128<float>.Zero, a21 = Vector128<float>.Zero;
        Vector128<float> a30 = Vector128<float>.Zero, a31 = Vector128<float>.Zero;
        float* kp = kt;
        for (int d = 0; d < dk; d++, kp += lds)
        {
            Vector128<float> k0 = Vector128.Load(kp);
            Vector128<float> k1 = Vector128.Load(kp + 4);
            Vector128<float> b = Vector128.Create(q0[d]);
            a00 = Vector128.FusedMultiplyAdd(b, k0, a00);
            a01 = Vector128.FusedMultiplyAdd(b, k1, a01);
            b = Vector128.Create(q1[d]);
            a10 = Vector128.FusedMultiplyAdd(b, k0, a10);
            a11 = Vector128.FusedMultiplyAdd(b, k1, a11);
            b = Vector128.Create(q2[d]);
            a20 = Vector128.FusedMultiplyAdd(b, k0, a20);
            a21 = Vector128.FusedMultiplyAdd(b, k1, a21);
            b = Vector128.Create(q3[d]);
            a30 = Vector128.FusedMultiplyAdd(b, k0, a30);
            a31 = Vector128.FusedMultiplyAdd(b, k1, a31);
        }
        Vector128<float> sc = Vector128.Create(scale);
        (a00 * sc).Store(s);
        (a01 * sc).Store(s + 4);
        (a10 * sc).Store(s + lds);
        (a11 * sc).Store(s + lds + 4);
        (a20 * sc).Store(s + (2 * lds));
        (a21 * sc).Store(s + (2 * lds) + 4);
        (a30 * sc).Store(s + (3 * lds));
        (a31 * sc).Store(s + (3 * lds) + 4);
    }

    private static void ScoresScalar(float* q0, int dk, float* kt, int lds, float scale, float* s)
    {
        for (int r = 0; r < RowBlock; r++)
        {
            float* qr = q0 + ((long)r * dk);
            float* sr = s + ((long)r * lds);
            for (int c = 0; c < ColBlock; c++)
            {
                float acc = 0;
                for (int d = 0; d < dk; d++)
                {
                    acc = MathF.FusedMultiplyAdd(qr[d], kt[((long)d * lds) + c], acc);
                }
                sr[c] = acc * scale;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate256(float* p0, int ldp, float* v, int dv, int n, float* o)
    {
        float* p1 = p0 + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        float* o1 = o + dv, o2 = o1 + dv, o3 = o2 + dv;
        Vector256<float> a00 = Vector256.Load(o), a01 = Vector256.Load(o + 8);
        Vector256<float> a10 = Vector256.Load(o1), a11 = Vector256.Load(o1 + 8);
        Vector256<float> a20 = Vector256.Load(o2), a21 = Vector256.Load(o2 + 8);
        Vector256<float> a30 = Vector256.Load(o3), a31 = Vector256.Load(o3 + 8);
        float* vp = v;
        for (int t = 0; t < n; t++, vp += dv)
        {
            Vector256<float> v0 = Vector256.Load(vp);
            Vector256<float> v1 = Vector256.Load(vp + 8);
            Vector256<float> b = Vector256.Create(p0[t]);
            a00 = Vector256.FusedMultiplyAdd(b, v0, a00);
            a01 = Vector256.FusedMultiplyAdd(b, v1, a01);
            b = Vector256.Create(p1[t]);
            a10 = Vector256.FusedMultiplyAdd(b, v0, a10);
            a11 = Vector256.FusedMultiplyAdd(b, v1, a11);
            b = Vector256.Create(p2[t]);
            a20 = Vector256.FusedMultiplyAdd(b, v0, a20);
            a21 = Vector256.FusedMultiplyAdd(b, v1, a21);
            b = Vector256.Create(p3[t]);
            a30 = Vector256.FusedMultiplyAdd(b, v0, a30);
            a31 = Vector256.FusedMultiplyAdd(b, v1, a31);
        }
        a00.Store(o);
        a01.Store(o + 8);
        a10.Store(o1);
        a11.Store(o1 + 8);
        a20.Store(o2);
        a21.Store(o2 + 8);
        a30.Store(o3);
        a31.Store(o3 + 8);
    }

    private static void Accumulate128(float* p0, int ldp, float* v, int dv, int n, float* o)
    {
        float* p1 = p0 + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        float* o1 = o + dv, o2 = o1 + dv, o3 = o2 + dv;
        Vector128<float> a00 = Vector128.Load(o), a01 = Vector128.Load(o + 4);
        Vector128<float> a10 = Vector128.Load(o1), a11 = Vector128.Load(o1 + 4);
        Vector128<float> a20 = Vector128.Load(o2), a21 = Vector128.Load(o2 + 4);
        Vector128<float> a30 = Vector128.Load(o3), a31 = Vector128.Load(o3 + 4);
        float* vp = v;
        for (int t = 0; t < n; t++, vp += dv)
        {
            Vector128<float> v0 = Vector128.Load(vp);
            Vector128<float> v1 = Vector128.Load(vp + 4);
            Vector128<float> b = Vector128.Create(p0[t]);
            a00 = Vector128.FusedMultiplyAdd(b, v0, a00);
            a01 = Vector128.FusedMultiplyAdd(b, v1, a01);
            b = Vector128.Create(p1[t]);
            a10 = Vector128.FusedMultiplyAdd(b, v0, a10);
            a11 = Vector128.FusedMultiplyAdd(b, v1, a11);
            b = Vector128.Create(p2[t]);
            a20 = Vector128.FusedMultiplyAdd(b, v0, a20);
            a21 = Vector128.FusedMultiplyAdd(b, v1, a21);
            b = Vector128.Create(p3[t]);
            a30 = Vector128.FusedMultiplyAdd(b, v0, a30);
            a31 = Vector128.FusedMultiplyAdd(b, v1, a31);
        }
        a00.Store(o);
        a01.Store(o + 4);
        a10.Store(o1);
        a11.Store(o1 + 4);
        a20.Store(o2);
        a21.Store(o2 + 4);
        a30.Store(o3);
        a31.Store(o3 + 4);
    }

    private static void AccumulateScalar(float* p0, int ldp, float* v, int dv, int n, float* o)
    {
        for (int r = 0; r < RowBlock; r++)
        {
            float* pr = p0 + ((long)r * ldp);
            float* orow = o + ((long)r * dv);
            for (int c = 0; c < ColBlock; c++)
            {
                float acc = orow[c];
                for (int t = 0; t < n; t++)
                {
                    acc = MathF.FusedMultiplyAdd(pr[t], v[((long)t * dv) + c], acc);
                }
                orow[c] = acc;
            }
        }
    }
}
