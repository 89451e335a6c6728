using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// Register-tiled dot products of weight rows (type <c>TW</c>) with float columns: <c>d[j][row + i] = Σ a_i · b_j</c>.
/// Both operands run along K, so a 4×4 tile keeps 16 vector accumulators and loads 4 + 4 vectors per 16 FMAs (4×3 where
/// only 16 vector registers exist); edges use 4×1, 1×4 and 1×1 tiles. A K tail shorter than a vector is summed in scalar code.
/// </summary>
internal static unsafe class DotTiles
{
    /// <summary>
    /// 32 vector registers (AVX-512 EVEX encodings reach ymm16-31 too, and Arm64 has 32): a 4×4 tile (16 accumulators,
    /// 4 columns and a weight vector) fits. With 16 registers (AVX2 alone) it spills, so those machines use 4×3.
    /// </summary>
    public static readonly bool WideRegisterFile = Avx512F.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>
    /// Computes <paramref name="rows"/> weight rows (from <paramref name="a"/>, <paramref name="lda"/> bytes apart) against
    /// <paramref name="cols"/> columns: column j reads floats from <c>b[j]</c> and writes <c>d[j][rowOffset + i]</c>.
    /// <paramref name="wide"/> selects 4×4 tiles (pass <see cref="WideRegisterFile"/>) or 4×3 tiles.
    /// </summary>
    public static void Block<TOps, TVec, TW>(long k, byte* a, long lda, long rows, float** b, float** d, int cols, long rowOffset, bool wide)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        long i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            byte* ai = a + (i * lda);
            int j = 0;
            if (wide)
            {
                for (; j + 4 <= cols; j += 4)
                {
                    Tile4x4<TOps, TVec, TW>(k, ai, lda, b + j, d + j, rowOffset + i);
                }
            }
            else
            {
                for (; j + 3 <= cols; j += 3)
                {
                    Tile4x3<TOps, TVec, TW>(k, ai, lda, b + j, d + j, rowOffset + i);
                }
            }
            for (; j < cols; j++)
            {
                Tile4x1<TOps, TVec, TW>(k, ai, lda, b[j], d[j] + rowOffset + i);
            }
        }
        for (; i < rows; i++)
        {
            byte* ai = a + (i * lda);
            int j = 0;
            for (; j + 4 <= cols; j += 4)
            {
                Tile1x4<TOps, TVec, TW>(k, ai, b + j, d + j, rowOffset + i);
            }
            for (; j < cols; j++)
            {
                d[j][rowOffset + i] = Dot<TOps, TVec, TW>(k, ai, b[j]);
            }
        }
    }

    /// <summary>Widens <paramref name="rows"/> weight rows to floats at <paramref name="dst"/>, <paramref name="ldd"/> floats apart.</summary>
    public static void Widen<TOps, TVec, TW>(long k, byte* a, long lda, long rows, float* dst, long ldd)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        long n = TOps.Count;
        long kv = k - (k % n);
        long kv2 = k - (k % (2 * n));
        for (long r = 0; r < rows; r++)
        {
            byte* src = a + (r * lda);
            float* o = dst + (r * ldd);
            long i = 0;
            for (; i < kv2; i += 2 * n)
            {
                TW.LoadPair<TOps, TVec>(src, i, out TVec lo, out TVec hi);
                TOps.Store(lo, o + i);
                TOps.Store(hi, o + i + n);
            }
            for (; i < kv; i += n)
            {
                TOps.Store(TW.Load<TOps, TVec>(src, i), o + i);
            }
            for (; i < k; i++)
            {
                o[i] = TW.LoadScalar(src, i);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4<TOps, TVec, TW>(long k, byte* a0, long lda, float** b, float** d, long row)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        byte* a1 = a0 + lda;
        byte* a2 = a1 + lda;
        byte* a3 = a2 + lda;
        float* b0 = b[0];
        float* b1 = b[1];
        float* b2 = b[2];
        float* b3 = b[3];
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
        long n = TOps.Count;
        long kv = k - (k % n);
        long i = 0;
        for (; i < kv; i += n)
        {
            TVec x0 = TOps.Load(b0 + i);
            TVec x1 = TOps.Load(b1 + i);
            TVec x2 = TOps.Load(b2 + i);
            TVec x3 = TOps.Load(b3 + i);
            TVec w = TW.Load<TOps, TVec>(a0, i);
            c00 = TOps.MulAdd(w, x0, c00);
            c01 = TOps.MulAdd(w, x1, c01);
            c02 = TOps.MulAdd(w, x2, c02);
            c03 = TOps.MulAdd(w, x3, c03);
            w = TW.Load<TOps, TVec>(a1, i);
            c10 = TOps.MulAdd(w, x0, c10);
            c11 = TOps.MulAdd(w, x1, c11);
            c12 = TOps.MulAdd(w, x2, c12);
            c13 = TOps.MulAdd(w, x3, c13);
            w = TW.Load<TOps, TVec>(a2, i);
            c20 = TOps.MulAdd(w, x0, c20);
            c21 = TOps.MulAdd(w, x1, c21);
            c22 = TOps.MulAdd(w, x2, c22);
            c23 = TOps.MulAdd(w, x3, c23);
            w = TW.Load<TOps, TVec>(a3, i);
            c30 = TOps.MulAdd(w, x0, c30);
            c31 = TOps.MulAdd(w, x1, c31);
            c32 = TOps.MulAdd(w, x2, c32);
            c33 = TOps.MulAdd(w, x3, c33);
        }
        float s00 = TOps.Sum(c00), s01 = TOps.Sum(c01), s02 = TOps.Sum(c02), s03 = TOps.Sum(c03);
        float s10 = TOps.Sum(c10), s11 = TOps.Sum(c11), s12 = TOps.Sum(c12), s13 = TOps.Sum(c13);
        float s20 = TOps.Sum(c20), s21 = TOps.Sum(c21), s22 = TOps.Sum(c22), s23 = TOps.Sum(c23);
        float s30 = TOps.Sum(c30), s31 = TOps.Sum(c31), s32 = TOps.Sum(c32), s33 = TOps.Sum(c33);
        for (; i < k; i++)
        {
            float x0 = b0[i], x1 = b1[i], x2 = b2[i], x3 = b3[i];
            float w = TW.LoadScalar(a0, i);
            s00 += w * x0;
            s01 += w * x1;
            s02 += w * x2;
            s03 += w * x3;
            w = TW.LoadScalar(a1, i);
            s10 += w * x0;
            s11 += w * x1;
            s12 += w * x2;
            s13 += w * x3;
            w = TW.LoadScalar(a2, i);
            s20 += w * x0;
            s21 += w * x1;
            s22 += w * x2;
            s23 += w * x3;
            w = TW.LoadScalar(a3, i);
            s30 += w * x0;
            s31 += w * x1;
            s32 += w * x2;
            s33 += w * x3;
        }
        float* d0 = d[0] + row;
        float* d1 = d[1] + row;
        float* d2 = d[2] + row;
        float* d3 = d[3] + row;
        d0[0] = s00;
        d0[1] = s10;
        d0[2] = s20;
        d0[3] = s30;
        d1[0] = s01;
        d1[1] = s11;
        d1[2] = s21;
        d1[3] = s31;
        d2[0] = s02;
        d2[1] = s12;
        d2[2] = s22;
        d2[3] = s32;
        d3[0] = s03;
        d3[1] = s13;
        d3[2] = s23;
        d3[3] = s33;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x3<TOps, TVec, TW>(long k, byte* a0, long lda, float** b, float** d, long row)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        byte* a1 = a0 + lda;
        byte* a2 = a1 + lda;
        byte* a3 = a2 + lda;
        float* b0 = b[0];
        float* b1 = b[1];
        float* b2 = b[2];
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero;
        long n = TOps.Count;
        long kv = k - (k % n);
        long i = 0;
        for (; i < kv; i += n)
        {
            TVec x0 = TOps.Load(b0 + i);
            TVec x1 = TOps.Load(b1 + i);
            TVec x2 = TOps.Load(b2 + i);
            TVec w = TW.Load<TOps, TVec>(a0, i);
            c00 = TOps.MulAdd(w, x0, c00);
            c01 = TOps.MulAdd(w, x1, c01);
            c02 = TOps.MulAdd(w, x2, c02);
            w = TW.Load<TOps, TVec>(a1, i);
            c10 = TOps.MulAdd(w, x0, c10);
            c11 = TOps.MulAdd(w, x1, c11);
            c12 = TOps.MulAdd(w, x2, c12);
            w = TW.Load<TOps, TVec>(a2, i);
            c20 = TOps.MulAdd(w, x0, c20);
            c21 = TOps.MulAdd(w, x1, c21);
            c22 = TOps.MulAdd(w, x2, c22);
            w = TW.Load<TOps, TVec>(a3, i);
            c30 = TOps.MulAdd(w, x0, c30);
            c31 = TOps.MulAdd(w, x1, c31);
            c32 = TOps.MulAdd(w, x2, c32);
        }
        float s00 = TOps.Sum(c00), s01 = TOps.Sum(c01), s02 = TOps.Sum(c02);
        float s10 = TOps.Sum(c10), s11 = TOps.Sum(c11), s12 = TOps.Sum(c12);
        float s20 = TOps.Sum(c20), s21 = TOps.Sum(c21), s22 = TOps.Sum(c22);
        float s30 = TOps.Sum(c30), s31 = TOps.Sum(c31), s32 = TOps.Sum(c32);
        for (; i < k; i++)
        {
            float x0 = b0[i], x1 = b1[i], x2 = b2[i];
            float w = TW.LoadScalar(a0, i);
            s00 += w * x0;
            s01 += w * x1;
            s02 += w * x2;
            w = TW.LoadScalar(a1, i);
            s10 += w * x0;
            s11 += w * x1;
            s12 += w * x2;
            w = TW.LoadScalar(a2, i);
            s20 += w * x0;
            s21 += w * x1;
            s22 += w * x2;
            w = TW.LoadScalar(a3, i);
            s30 += w * x0;
            s31 += w * x1;
            s32 += w * x2;
        }
        float* d0 = d[0] + row;
        float* d1 = d[1] + row;
        float* d2 = d[2] + row;
        d0[0] = s00;
        d0[1] = s10;
        d0[2] = s20;
        d0[3] = s30;
        d1[0] = s01;
        d1[1] = s11;
        d1[2] = s21;
        d1[3] = s31;
        d2[0] = s02;
        d2[1] = s12;
        d2[2] = s22;
        d2[3] = s32;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x1<TOps, TVec, TW>(long k, byte* a0, long lda, float* b, float* d)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        byte* a1 = a0 + lda;
        byte* a2 = a1 + lda;
        byte* a3 = a2 + lda;
        TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
        long n = TOps.Count;
        long kv = k - (k % n);
        long kv2 = k - (k % (2 * n));
        long i = 0;
        for (; i < kv2; i += 2 * n)
        {
            TVec x = TOps.Load(b + i);
            TVec y = TOps.Load(b + i + n);
            TW.LoadPair<TOps, TVec>(a0, i, out TVec w, out TVec v);
            c0 = TOps.MulAdd(v, y, TOps.MulAdd(w, x, c0));
            TW.LoadPair<TOps, TVec>(a1, i, out w, out v);
            c1 = TOps.MulAdd(v, y, TOps.MulAdd(w, x, c1));
            TW.LoadPair<TOps, TVec>(a2, i, out w, out v);
            c2 = TOps.MulAdd(v, y, TOps.MulAdd(w, x, c2));
            TW.LoadPair<TOps, TVec>(a3, i, out w, out v);
            c3 = TOps.MulAdd(v, y, TOps.MulAdd(w, x, c3));
        }
        for (; i < kv; i += n)
        {
            TVec x = TOps.Load(b + i);
            c0 = TOps.MulAdd(TW.Load<TOps, TVec>(a0, i), x, c0);
            c1 = TOps.MulAdd(TW.Load<TOps, TVec>(a1, i), x, c1);
            c2 = TOps.MulAdd(TW.Load<TOps, TVec>(a2, i), x, c2);
            c3 = TOps.MulAdd(TW.Load<TOps, TVec>(a3, i), x, c3);
        }
        float s0 = TOps.Sum(c0);
        float s1 = TOps.Sum(c1);
        float s2 = TOps.Sum(c2);
        float s3 = TOps.Sum(c3);
        for (; i < k; i++)
        {
            float x = b[i];
            s0 += TW.LoadScalar(a0, i) * x;
            s1 += TW.LoadScalar(a1, i) * x;
            s2 += TW.LoadScalar(a2, i) * x;
            s3 += TW.LoadScalar(a3, i) * x;
        }
        d[0] = s0;
        d[1] = s1;
        d[2] = s2;
        d[3] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x4<TOps, TVec, TW>(long k, byte* a, float** b, float** d, long row)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        float* b0 = b[0];
        float* b1 = b[1];
        float* b2 = b[2];
        float* b3 = b[3];
        TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
        long n = TOps.Count;
        long kv = k - (k % n);
        long i = 0;
        for (; i < kv; i += n)
        {
            TVec w = TW.Load<TOps, TVec>(a, i);
            c0 = TOps.MulAdd(w, TOps.Load(b0 + i), c0);
            c1 = TOps.MulAdd(w, TOps.Load(b1 + i), c1);
            c2 = TOps.MulAdd(w, TOps.Load(b2 + i), c2);
            c3 = TOps.MulAdd(w, TOps.Load(b3 + i), c3);
        }
        float s0 = TOps.Sum(c0), s1 = TOps.Sum(c1), s2 = TOps.Sum(c2), s3 = TOps.Sum(c3);
        for (; i < k; i++)
        {
            float w = TW.LoadScalar(a, i);
            s0 += w * b0[i];
            s1 += w * b1[i];
            s2 += w * b2[i];
            s3 += w * b3[i];
        }
        d[0][row] = s0;
        d[1][row] = s1;
        d[2][row] = s2;
        d[3][row] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TOps, TVec, TW>(long k, byte* a, float* b)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        TVec c0 = TOps.Zero, c1 = TOps.Zero;
        long n = TOps.Count;
        long kv = k - (k % n);
        long kv2 = k - (k % (2 * n));
        long i = 0;
        for (; i < kv2; i += 2 * n)
        {
            TW.LoadPair<TOps, TVec>(a, i, out TVec w, out TVec v);
            c0 = TOps.MulAdd(w, TOps.Load(b + i), c0);
            c1 = TOps.MulAdd(v, TOps.Load(b + i + n), c1);
        }
        for (; i < kv; i += n)
        {
            c0 = TOps.MulAdd(TW.Load<TOps, TVec>(a, i), TOps.Load(b + i), c0);
        }
        float s = TOps.Sum(c0) + TOps.Sum(c1);
        for (; i < k; i++)
        {
            s += TW.LoadScalar(a, i) * b[i];
        }
        return s;
    }
}
