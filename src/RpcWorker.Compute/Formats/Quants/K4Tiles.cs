using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// AVX2 register tiles of Q4_K/Q5_K weights × Q8_K activations (<see cref="RowFormat.DotTile"/>): 2 rows × 4 columns for
/// batches (each super-block's scales unpacked once for up to 16 columns, its values once per 4 columns, each activation
/// block used for 2 rows) and 2 rows × 1 column for single columns. Integer sums stay in 8 lanes per (row, column) until
/// the super-block ends.
/// </summary>
internal static unsafe class K4Tiles<TLayout>
    where TLayout : struct, IK4Layout
{
    private const int MaxColumns = KTileOps.MaxColumns;

    public static void DotTile(long nb, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
    {
        int wide = cols & ~3;
        for (int j = 0; j < wide; j += MaxColumns)
        {
            int groups = Math.Min(wide - j, MaxColumns) / 4;
            for (long i = 0; i < rows; i += 2)
            {
                byte* x0 = a + (i * lda);
                bool pair = i + 1 < rows;
                RowPair(nb, x0, pair ? x0 + lda : x0, b + j, groups, d + j, rowOffset + i, pair);
            }
        }
        for (int j = wide; j < cols; j++)
        {
            float* dst = d[j] + rowOffset;
            for (long i = 0; i < rows; i += 2)
            {
                byte* x0 = a + (i * lda);
                bool pair = i + 1 < rows;
                Vector128<float> r = Rows2x1(nb, x0, pair ? x0 + lda : x0, b[j]);
                dst[i] = r.GetElement(0);
                if (pair)
                {
                    dst[i + 1] = r.GetElement(1);
                }
            }
        }
    }

    /// <summary>Two weight rows against <paramref name="groups"/> groups of 4 columns, scales unpacked once per super-block.</summary>
    [SkipLocalsInit]
    private static void RowPair(long nb, byte* x0, byte* x1, byte** b, int groups, float** d, long row, bool pair)
    {
        Vector256<short>* sc = stackalloc Vector256<short>[16];
        Vector256<float>* acc = stackalloc Vector256<float>[2 * MaxColumns];
        for (int k = 0; k < 8 * groups; k++)
        {
            acc[k] = Vector256<float>.Zero;
        }
        for (long blk = 0; blk < nb; blk++, x0 += TLayout.BlockBytes, x1 += TLayout.BlockBytes)
        {
            Vector256<short> m0 = KTileOps.ScalesMinsK4(x0 + 4, sc);
            Vector256<short> m1 = KTileOps.ScalesMinsK4(x1 + 4, sc + 8);
            float dx0 = QuantMath.Half(x0);
            float mx0 = QuantMath.Half(x0 + 2);
            float dx1 = QuantMath.Half(x1);
            float mx1 = QuantMath.Half(x1 + 2);
            long offset = blk * KTileOps.Q8Stride;
            for (int g = 0; g < groups; g++)
            {
                byte* y0 = b[4 * g] + offset;
                byte* y1 = b[(4 * g) + 1] + offset;
                byte* y2 = b[(4 * g) + 2] + offset;
                byte* y3 = b[(4 * g) + 3] + offset;
                Vector256<int> s00 = Vector256<int>.Zero, s01 = Vector256<int>.Zero, s02 = Vector256<int>.Zero, s03 = Vector256<int>.Zero;
                Vector256<int> s10 = Vector256<int>.Zero, s11 = Vector256<int>.Zero, s12 = Vector256<int>.Zero, s13 = Vector256<int>.Zero;
                for (int j = 0; j < 4; j++)
                {
                    (Vector256<byte> lo0, Vector256<byte> hi0) = TLayout.Values(x0, j);
                    (Vector256<byte> lo1, Vector256<byte> hi1) = TLayout.Values(x1, j);
                    Vector256<short>* c0 = sc + (2 * j);
                    Vector256<short>* c1 = c0 + 8;
                    int q = Q8_KFormat.QsOffset + (64 * j);
                    s00 = Avx2.Add(s00, Group(lo0, hi0, y0 + q, c0));
                    s10 = Avx2.Add(s10, Group(lo1, hi1, y0 + q, c1));
                    s01 = Avx2.Add(s01, Group(lo0, hi0, y1 + q, c0));
                    s11 = Avx2.Add(s11, Group(lo1, hi1, y1 + q, c1));
                    s02 = Avx2.Add(s02, Group(lo0, hi0, y2 + q, c0));
                    s12 = Avx2.Add(s12, Group(lo1, hi1, y2 + q, c1));
                    s03 = Avx2.Add(s03, Group(lo0, hi0, y3 + q, c0));
                    s13 = Avx2.Add(s13, Group(lo1, hi1, y3 + q, c1));
                }
                Vector256<float>* a0 = acc + (8 * g);
                Finish(a0, s00, m0, y0, dx0, mx0);
                Finish(a0 + 1, s01, m0, y1, dx0, mx0);
                Finish(a0 + 2, s02, m0, y2, dx0, mx0);
                Finish(a0 + 3, s03, m0, y3, dx0, mx0);
                Finish(a0 + 4, s10, m1, y0, dx1, mx1);
                Finish(a0 + 5, s11, m1, y1, dx1, mx1);
                Finish(a0 + 6, s12, m1, y2, dx1, mx1);
                Finish(a0 + 7, s13, m1, y3, dx1, mx1);
            }
        }
        KTileOps.StoreRowPair(acc, groups, d, row, pair);
    }

    /// <summary>Two weight rows against one column: the activation block loaded once for both, scales kept in registers.</summary>
    private static Vector128<float> Rows2x1(long nb, byte* x0, byte* x1, byte* y)
    {
        Vector256<float> a0 = Vector256<float>.Zero;
        Vector256<float> a1 = Vector256<float>.Zero;
        for (long blk = 0; blk < nb; blk++, x0 += TLayout.BlockBytes, x1 += TLayout.BlockBytes, y += KTileOps.Q8Stride)
        {
            Vector256<byte> s0 = KTileOps.ScalesK4(x0 + 4, out Vector256<short> m0);
            Vector256<byte> s1 = KTileOps.ScalesK4(x1 + 4, out Vector256<short> m1);
            float dy = KTileOps.Scale(y);
            a0 = Fma.MultiplyAddNegated(Avx.ConvertToVector256Single(KTileOps.Bsums(m0, y)), Vector256.Create(QuantMath.Half(x0 + 2) * dy), a0);
            a1 = Fma.MultiplyAddNegated(Avx.ConvertToVector256Single(KTileOps.Bsums(m1, y)), Vector256.Create(QuantMath.Half(x1 + 2) * dy), a1);
            Vector256<int> i0 = Vector256<int>.Zero;
            Vector256<int> i1 = Vector256<int>.Zero;
            for (int j = 0; j < 4; j++)
            {
                Vector256<sbyte> ql = Avx.LoadVector256((sbyte*)y + Q8_KFormat.QsOffset + (64 * j));
                Vector256<sbyte> qh = Avx.LoadVector256((sbyte*)y + Q8_KFormat.QsOffset + (64 * j) + 32);
                i0 = Avx2.Add(i0, Group(TLayout.Values(x0, j), ql, qh, s0, j));
                i1 = Avx2.Add(i1, Group(TLayout.Values(x1, j), ql, qh, s1, j));
            }
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i0), Vector256.Create(QuantMath.Half(x0) * dy), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i1), Vector256.Create(QuantMath.Half(x1) * dy), a1);
        }
        return KTileOps.Sum4(a0, a1, a0, a1);
    }

    /// <summary>Σ over the 64 values 64j.. of one row (group 2j, then group 2j+1) with one column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Group(Vector256<byte> lo, Vector256<byte> hi, byte* q8, Vector256<short>* scales) =>
        Avx2.Add(KTileOps.Scaled(lo, q8, scales), KTileOps.Scaled(hi, q8 + 32, scales + 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Group((Vector256<byte> Lo, Vector256<byte> Hi) values, Vector256<sbyte> ql, Vector256<sbyte> qh, Vector256<byte> scales, int j)
    {
        Vector256<int> lo = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(values.Lo, ql), KTileOps.Word(scales, 2 * j));
        Vector256<int> hi = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(values.Hi, qh), KTileOps.Word(scales, (2 * j) + 1));
        return Avx2.Add(lo, hi);
    }

    /// <summary>acc += d·dy·Σ scale·q·q8 − dmin·dy·Σ min·bsums for one super-block of one (row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<float>* acc, Vector256<int> sumi, Vector256<short> mins, byte* y, float dx, float mx)
    {
        Vector256<float> dy = Vector256.Create(KTileOps.Scale(y));
        Vector256<float> t = Fma.MultiplyAddNegated(Avx.ConvertToVector256Single(KTileOps.Bsums(mins, y)), Vector256.Create(mx),
            Avx.Multiply(Avx.ConvertToVector256Single(sumi), Vector256.Create(dx)));
        *acc = Fma.MultiplyAdd(t, dy, *acc);
    }
}
