using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// AVX2 register tiles of Q4_K weights × Q8_K activations (<see cref="RowFormat.DotTile"/>): 2 rows × 4 columns for
/// batches (each super-block's nibbles and scales unpacked once for 4 columns, each activation block used for 2 rows)
/// and 4 rows × 1 column for single columns. Integer sums stay in 8 lanes per (row, column) until the tile ends.
/// </summary>
internal static unsafe class Q4_KTiles
{
    private const int Bytes = Q4_KFormat.BlockBytes;

    public static void DotTile(long nb, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
    {
        int wide = cols >= 4 ? cols & ~3 : 0;
        for (long i = 0; i < rows; i += 2)
        {
            byte* x0 = a + (i * lda);
            bool pair = i + 1 < rows;
            for (int j = 0; j < wide; j += 4)
            {
                Tile2x4(nb, x0, pair ? x0 + lda : x0, b + j, d + j, rowOffset + i, pair);
            }
        }
        for (int j = wide; j < cols; j++)
        {
            for (long i = 0; i < rows; i += 4)
            {
                byte* x0 = a + (i * lda);
                long left = rows - i;
                byte* x1 = left > 1 ? x0 + lda : x0;
                byte* x2 = left > 2 ? x0 + (2 * lda) : x0;
                byte* x3 = left > 3 ? x0 + (3 * lda) : x0;
                Vector128<float> r = Rows4x1(nb, x0, x1, x2, x3, b[j]);
                float* dst = d[j] + rowOffset + i;
                if (left >= 4)
                {
                    r.Store(dst);
                }
                else
                {
                    for (int k = 0; k < left; k++)
                    {
                        dst[k] = r.GetElement(k);
                    }
                }
            }
        }
    }

    [SkipLocalsInit]
    private static void Tile2x4(long nb, byte* x0, byte* x1, byte** b, float** d, long row, bool pair)
    {
        Vector256<short>* sc = stackalloc Vector256<short>[16];
        Vector256<float>* acc = stackalloc Vector256<float>[8];
        for (int k = 0; k < 8; k++)
        {
            acc[k] = Vector256<float>.Zero;
        }
        byte* y0 = b[0];
        byte* y1 = b[1];
        byte* y2 = b[2];
        byte* y3 = b[3];
        for (long blk = 0; blk < nb; blk++, x0 += Bytes, x1 += Bytes, y0 += KTileOps.Q8Stride, y1 += KTileOps.Q8Stride, y2 += KTileOps.Q8Stride, y3 += KTileOps.Q8Stride)
        {
            Vector256<short> m0 = KTileOps.ScalesMinsK4(x0 + 4, sc);
            Vector256<short> m1 = KTileOps.ScalesMinsK4(x1 + 4, sc + 8);
            Vector256<int> s00 = Vector256<int>.Zero, s01 = Vector256<int>.Zero, s02 = Vector256<int>.Zero, s03 = Vector256<int>.Zero;
            Vector256<int> s10 = Vector256<int>.Zero, s11 = Vector256<int>.Zero, s12 = Vector256<int>.Zero, s13 = Vector256<int>.Zero;
            for (int j = 0; j < 4; j++)
            {
                Vector256<byte> bits0 = Avx.LoadVector256(x0 + 16 + (32 * j));
                Vector256<byte> bits1 = Avx.LoadVector256(x1 + 16 + (32 * j));
                Vector256<byte> lo0 = KTileOps.Low(bits0);
                Vector256<byte> hi0 = KTileOps.High(bits0);
                Vector256<byte> lo1 = KTileOps.Low(bits1);
                Vector256<byte> hi1 = KTileOps.High(bits1);
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
            Vector256<float> dx0 = Vector256.Create(QuantMath.Half(x0));
            Vector256<float> mx0 = Vector256.Create(QuantMath.Half(x0 + 2));
            Vector256<float> dx1 = Vector256.Create(QuantMath.Half(x1));
            Vector256<float> mx1 = Vector256.Create(QuantMath.Half(x1 + 2));
            Finish(acc, s00, m0, y0, dx0, mx0);
            Finish(acc + 1, s01, m0, y1, dx0, mx0);
            Finish(acc + 2, s02, m0, y2, dx0, mx0);
            Finish(acc + 3, s03, m0, y3, dx0, mx0);
            Finish(acc + 4, s10, m1, y0, dx1, mx1);
            Finish(acc + 5, s11, m1, y1, dx1, mx1);
            Finish(acc + 6, s12, m1, y2, dx1, mx1);
            Finish(acc + 7, s13, m1, y3, dx1, mx1);
        }
        Vector128<float> r0 = KTileOps.Sum4(acc[0], acc[1], acc[2], acc[3]);
        d[0][row] = r0.GetElement(0);
        d[1][row] = r0.GetElement(1);
        d[2][row] = r0.GetElement(2);
        d[3][row] = r0.GetElement(3);
        if (pair)
        {
            Vector128<float> r1 = KTileOps.Sum4(acc[4], acc[5], acc[6], acc[7]);
            d[0][row + 1] = r1.GetElement(0);
            d[1][row + 1] = r1.GetElement(1);
            d[2][row + 1] = r1.GetElement(2);
            d[3][row + 1] = r1.GetElement(3);
        }
    }

    [SkipLocalsInit]
    private static Vector128<float> Rows4x1(long nb, byte* x0, byte* x1, byte* x2, byte* x3, byte* y)
    {
        Vector256<short>* sc = stackalloc Vector256<short>[32];
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        for (long blk = 0; blk < nb; blk++, x0 += Bytes, x1 += Bytes, x2 += Bytes, x3 += Bytes, y += KTileOps.Q8Stride)
        {
            Vector256<short> m0 = KTileOps.ScalesMinsK4(x0 + 4, sc);
            Vector256<short> m1 = KTileOps.ScalesMinsK4(x1 + 4, sc + 8);
            Vector256<short> m2 = KTileOps.ScalesMinsK4(x2 + 4, sc + 16);
            Vector256<short> m3 = KTileOps.ScalesMinsK4(x3 + 4, sc + 24);
            Vector256<int> s0 = Vector256<int>.Zero, s1 = Vector256<int>.Zero, s2 = Vector256<int>.Zero, s3 = Vector256<int>.Zero;
            for (int j = 0; j < 4; j++)
            {
                Vector256<sbyte> ql = Avx.LoadVector256((sbyte*)y + Q8_KFormat.QsOffset + (64 * j));
                Vector256<sbyte> qh = Avx.LoadVector256((sbyte*)y + Q8_KFormat.QsOffset + (64 * j) + 32);
                Vector256<short>* c = sc + (2 * j);
                s0 = Avx2.Add(s0, Group(Avx.LoadVector256(x0 + 16 + (32 * j)), ql, qh, c));
                s1 = Avx2.Add(s1, Group(Avx.LoadVector256(x1 + 16 + (32 * j)), ql, qh, c + 8));
                s2 = Avx2.Add(s2, Group(Avx.LoadVector256(x2 + 16 + (32 * j)), ql, qh, c + 16));
                s3 = Avx2.Add(s3, Group(Avx.LoadVector256(x3 + 16 + (32 * j)), ql, qh, c + 24));
            }
            Vector256<float> dy = Vector256.Create(KTileOps.Scale(y));
            a0 = Combine(a0, s0, KTileOps.Bsums(m0, y), x0, dy);
            a1 = Combine(a1, s1, KTileOps.Bsums(m1, y), x1, dy);
            a2 = Combine(a2, s2, KTileOps.Bsums(m2, y), x2, dy);
            a3 = Combine(a3, s3, KTileOps.Bsums(m3, y), x3, dy);
        }
        return KTileOps.Sum4(a0, a1, a2, a3);
    }

    /// <summary>Σ over the 64 values 64j.. of one row (low nibbles: group 2j, high nibbles: 2j+1) with one column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Group(Vector256<byte> lo, Vector256<byte> hi, byte* q8, Vector256<short>* scales) =>
        Avx2.Add(KTileOps.Scaled(lo, q8, scales), KTileOps.Scaled(hi, q8 + 32, scales + 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Group(Vector256<byte> bits, Vector256<sbyte> ql, Vector256<sbyte> qh, Vector256<short>* scales)
    {
        Vector256<int> lo = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(KTileOps.Low(bits), ql), Avx.LoadVector256((short*)scales));
        Vector256<int> hi = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(KTileOps.High(bits), qh), Avx.LoadVector256((short*)(scales + 1)));
        return Avx2.Add(lo, hi);
    }

    /// <summary>acc += d·dy·Σ scale·q·q8 − dmin·dy·Σ min·bsums for one super-block of one (row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<float>* acc, Vector256<int> sumi, Vector256<short> mins, byte* y, Vector256<float> dx, Vector256<float> mx)
    {
        Vector256<float> dy = Vector256.Create(KTileOps.Scale(y));
        Vector256<float> t = Fma.MultiplyAddNegated(Avx.ConvertToVector256Single(KTileOps.Bsums(mins, y)), mx, Avx.Multiply(Avx.ConvertToVector256Single(sumi), dx));
        *acc = Fma.MultiplyAdd(t, dy, *acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Combine(Vector256<float> acc, Vector256<int> sumi, Vector256<int> summ, byte* x, Vector256<float> dy)
    {
        Vector256<float> t = Fma.MultiplyAddNegated(Avx.ConvertToVector256Single(summ), Vector256.Create(QuantMath.Half(x + 2)),
            Avx.Multiply(Avx.ConvertToVector256Single(sumi), Vector256.Create(QuantMath.Half(x))));
        return Fma.MultiplyAdd(t, dy, acc);
    }
}
