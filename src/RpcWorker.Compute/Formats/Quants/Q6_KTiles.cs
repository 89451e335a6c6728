using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// AVX2 register tiles of Q6_K weights × Q8_K activations (<see cref="RowFormat.DotTile"/>): 2 rows × 4 columns for
/// batches (each 32-value slice of a weight row assembled from its ql/qh bits once for 4 columns) and 4 rows × 1 column
/// for single columns. The weights are used unsigned (0..63); the −32 offset is Σ 32·scale·bsums per super-block.
/// </summary>
internal static unsafe class Q6_KTiles
{
    private const int Bytes = Q6_KFormat.BlockBytes;
    private const int ScalesOffset = 192;
    private const int DOffset = 208;

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
        Vector256<byte>* u = stackalloc Vector256<byte>[16];
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
            Vector256<short> c0 = KTileOps.ScalesK6((sbyte*)(x0 + ScalesOffset), sc);
            Vector256<short> c1 = KTileOps.ScalesK6((sbyte*)(x1 + ScalesOffset), sc + 8);
            Vector256<int> s00 = Vector256<int>.Zero, s01 = Vector256<int>.Zero, s02 = Vector256<int>.Zero, s03 = Vector256<int>.Zero;
            Vector256<int> s10 = Vector256<int>.Zero, s11 = Vector256<int>.Zero, s12 = Vector256<int>.Zero, s13 = Vector256<int>.Zero;
            UnpackBlock(x0, u);
            UnpackBlock(x1, u + 8);
            for (int p = 0; p < 8; p++)
            {
                Vector256<byte> u0 = u[p];
                Vector256<byte> u1 = u[p + 8];
                int q = Q8_KFormat.QsOffset + (32 * p);
                s00 = Avx2.Add(s00, KTileOps.Scaled(u0, y0 + q, sc + p));
                s10 = Avx2.Add(s10, KTileOps.Scaled(u1, y0 + q, sc + p + 8));
                s01 = Avx2.Add(s01, KTileOps.Scaled(u0, y1 + q, sc + p));
                s11 = Avx2.Add(s11, KTileOps.Scaled(u1, y1 + q, sc + p + 8));
                s02 = Avx2.Add(s02, KTileOps.Scaled(u0, y2 + q, sc + p));
                s12 = Avx2.Add(s12, KTileOps.Scaled(u1, y2 + q, sc + p + 8));
                s03 = Avx2.Add(s03, KTileOps.Scaled(u0, y3 + q, sc + p));
                s13 = Avx2.Add(s13, KTileOps.Scaled(u1, y3 + q, sc + p + 8));
            }
            Vector256<float> dx0 = Vector256.Create(QuantMath.Half(x0 + DOffset));
            Vector256<float> dx1 = Vector256.Create(QuantMath.Half(x1 + DOffset));
            acc[0] = Combine(acc[0], s00, c0, y0, dx0);
            acc[1] = Combine(acc[1], s01, c0, y1, dx0);
            acc[2] = Combine(acc[2], s02, c0, y2, dx0);
            acc[3] = Combine(acc[3], s03, c0, y3, dx0);
            acc[4] = Combine(acc[4], s10, c1, y0, dx1);
            acc[5] = Combine(acc[5], s11, c1, y1, dx1);
            acc[6] = Combine(acc[6], s12, c1, y2, dx1);
            acc[7] = Combine(acc[7], s13, c1, y3, dx1);
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
        Vector256<byte>* u = stackalloc Vector256<byte>[32];
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        for (long blk = 0; blk < nb; blk++, x0 += Bytes, x1 += Bytes, x2 += Bytes, x3 += Bytes, y += KTileOps.Q8Stride)
        {
            Vector256<short> c0 = KTileOps.ScalesK6((sbyte*)(x0 + ScalesOffset), sc);
            Vector256<short> c1 = KTileOps.ScalesK6((sbyte*)(x1 + ScalesOffset), sc + 8);
            Vector256<short> c2 = KTileOps.ScalesK6((sbyte*)(x2 + ScalesOffset), sc + 16);
            Vector256<short> c3 = KTileOps.ScalesK6((sbyte*)(x3 + ScalesOffset), sc + 24);
            Vector256<int> s0 = Vector256<int>.Zero, s1 = Vector256<int>.Zero, s2 = Vector256<int>.Zero, s3 = Vector256<int>.Zero;
            UnpackBlock(x0, u);
            UnpackBlock(x1, u + 8);
            UnpackBlock(x2, u + 16);
            UnpackBlock(x3, u + 24);
            for (int p = 0; p < 8; p++)
            {
                Vector256<sbyte> q8 = Avx.LoadVector256((sbyte*)y + Q8_KFormat.QsOffset + (32 * p));
                s0 = Avx2.Add(s0, Dot(u[p], q8, sc + p));
                s1 = Avx2.Add(s1, Dot(u[p + 8], q8, sc + p + 8));
                s2 = Avx2.Add(s2, Dot(u[p + 16], q8, sc + p + 16));
                s3 = Avx2.Add(s3, Dot(u[p + 24], q8, sc + p + 24));
            }
            a0 = Combine(a0, s0, c0, y, Vector256.Create(QuantMath.Half(x0 + DOffset)));
            a1 = Combine(a1, s1, c1, y, Vector256.Create(QuantMath.Half(x1 + DOffset)));
            a2 = Combine(a2, s2, c2, y, Vector256.Create(QuantMath.Half(x2 + DOffset)));
            a3 = Combine(a3, s3, c3, y, Vector256.Create(QuantMath.Half(x3 + DOffset)));
        }
        return KTileOps.Sum4(a0, a1, a2, a3);
    }

    /// <summary>The 256 unsigned 6-bit values of a super-block as 8 slices of 32 (slice p: groups 2p and 2p+1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackBlock(byte* x, Vector256<byte>* dst)
    {
        Vector256<byte> bits = Vector256.Create((byte)0x30);
        for (int h = 0; h < 2; h++, x += 64, dst += 4)
        {
            Vector256<byte> l0 = Avx.LoadVector256(x);
            Vector256<byte> l1 = Avx.LoadVector256(x + 32);
            Vector256<ushort> hb = Avx.LoadVector256(x + 128 - (32 * h)).AsUInt16();
            dst[0] = Avx2.Or(KTileOps.Low(l0), Avx2.And(Avx2.ShiftLeftLogical(hb, 4).AsByte(), bits));
            dst[1] = Avx2.Or(KTileOps.Low(l1), Avx2.And(Avx2.ShiftLeftLogical(hb, 2).AsByte(), bits));
            dst[2] = Avx2.Or(KTileOps.High(l0), Avx2.And(hb.AsByte(), bits));
            dst[3] = Avx2.Or(KTileOps.High(l1), Avx2.And(Avx2.ShiftRightLogical(hb, 2).AsByte(), bits));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> q8, Vector256<short>* scale) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, q8), Avx.LoadVector256((short*)scale));

    /// <summary>acc += d·dy·(Σ scale·u·q8 − 32·Σ scale·bsums) for one super-block of one (row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Combine(Vector256<float> acc, Vector256<int> sumi, Vector256<short> scales, byte* y, Vector256<float> dx)
    {
        Vector256<int> total = Avx2.Subtract(sumi, Avx2.ShiftLeftLogical(KTileOps.Bsums(scales, y), 5));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(total), Avx.Multiply(dx, Vector256.Create(KTileOps.Scale(y))), acc);
    }
}
