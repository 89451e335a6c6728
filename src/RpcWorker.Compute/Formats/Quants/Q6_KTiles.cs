using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// AVX2 register tiles of Q6_K weights × Q8_K activations (<see cref="RowFormat.DotTile"/>): 2 rows × 4 columns for
/// batches, each super-block's scales and 6-bit values unpacked once for up to 16 columns. Single columns gain nothing
/// from sharing (the per-row dot product already unpacks each block once), so they stay with VecDot. The weights are
/// used unsigned (0..63); the −32 offset is Σ 32·scale·bsums per super-block.
/// </summary>
internal static unsafe class Q6_KTiles
{
    private const int Bytes = Q6_KFormat.BlockBytes;
    private const int MaxColumns = KTileOps.MaxColumns;
    private const int ScalesOffset = 192;
    private const int DOffset = 208;

    /// <summary>The first 4·⌊cols/4⌋ columns of a block; returns how many were done (the caller dots the rest per element).</summary>
    public static int DotTile(long nb, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
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
        return wide;
    }

    /// <summary>Two weight rows against <paramref name="groups"/> groups of 4 columns, unpacked once per super-block.</summary>
    [SkipLocalsInit]
    private static void RowPair(long nb, byte* x0, byte* x1, byte** b, int groups, float** d, long row, bool pair)
    {
        Vector256<short>* sc = stackalloc Vector256<short>[16];
        Vector256<byte>* u = stackalloc Vector256<byte>[16];
        Vector256<float>* acc = stackalloc Vector256<float>[2 * MaxColumns];
        for (int k = 0; k < 8 * groups; k++)
        {
            acc[k] = Vector256<float>.Zero;
        }
        for (long blk = 0; blk < nb; blk++, x0 += Bytes, x1 += Bytes)
        {
            Vector256<short> c0 = KTileOps.ScalesK6((sbyte*)(x0 + ScalesOffset), sc);
            Vector256<short> c1 = KTileOps.ScalesK6((sbyte*)(x1 + ScalesOffset), sc + 8);
            UnpackBlock(x0, u);
            UnpackBlock(x1, u + 8);
            float dx0 = QuantMath.Half(x0 + DOffset);
            float dx1 = QuantMath.Half(x1 + DOffset);
            long offset = blk * KTileOps.Q8Stride;
            for (int g = 0; g < groups; g++)
            {
                byte* y0 = b[4 * g] + offset;
                byte* y1 = b[(4 * g) + 1] + offset;
                byte* y2 = b[(4 * g) + 2] + offset;
                byte* y3 = b[(4 * g) + 3] + offset;
                Vector256<int> s00 = Vector256<int>.Zero, s01 = Vector256<int>.Zero, s02 = Vector256<int>.Zero, s03 = Vector256<int>.Zero;
                Vector256<int> s10 = Vector256<int>.Zero, s11 = Vector256<int>.Zero, s12 = Vector256<int>.Zero, s13 = Vector256<int>.Zero;
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
                Vector256<float>* a0 = acc + (8 * g);
                a0[0] = Combine(a0[0], s00, c0, y0, dx0);
                a0[1] = Combine(a0[1], s01, c0, y1, dx0);
                a0[2] = Combine(a0[2], s02, c0, y2, dx0);
                a0[3] = Combine(a0[3], s03, c0, y3, dx0);
                a0[4] = Combine(a0[4], s10, c1, y0, dx1);
                a0[5] = Combine(a0[5], s11, c1, y1, dx1);
                a0[6] = Combine(a0[6], s12, c1, y2, dx1);
                a0[7] = Combine(a0[7], s13, c1, y3, dx1);
            }
        }
        KTileOps.StoreRowPair(acc, groups, d, row, pair);
    }

    /// <summary>The 256 unsigned 6-bit values of a super-block as 8 slices of 32 (slice p: groups 2p and 2p+1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackBlock(byte* x, Vector256<byte>* dst)
    {
        (dst[0], dst[1], dst[2], dst[3]) = Unpack(x, 0);
        (dst[4], dst[5], dst[6], dst[7]) = Unpack(x, 1);
    }

    /// <summary>The unsigned 6-bit values 128h + 32c .. +31, c = 0..3, of a super-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Unpack(byte* x, int h)
    {
        Vector256<byte> bits = Vector256.Create((byte)0x30);
        Vector256<byte> l0 = Avx.LoadVector256(x + (64 * h));
        Vector256<byte> l1 = Avx.LoadVector256(x + (64 * h) + 32);
        Vector256<ushort> hb = Avx.LoadVector256(x + 128 + (32 * h)).AsUInt16();
        return (Avx2.Or(KTileOps.Low(l0), Avx2.And(Avx2.ShiftLeftLogical(hb, 4).AsByte(), bits)),
            Avx2.Or(KTileOps.Low(l1), Avx2.And(Avx2.ShiftLeftLogical(hb, 2).AsByte(), bits)),
            Avx2.Or(KTileOps.High(l0), Avx2.And(hb.AsByte(), bits)),
            Avx2.Or(KTileOps.High(l1), Avx2.And(Avx2.ShiftRightLogical(hb, 2).AsByte(), bits)));
    }

    /// <summary>acc += d·dy·(Σ scale·u·q8 − 32·Σ scale·bsums) for one super-block of one (row, column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Combine(Vector256<float> acc, Vector256<int> sumi, Vector256<short> scales, byte* y, float dx)
    {
        Vector256<int> total = Avx2.Subtract(sumi, Avx2.ShiftLeftLogical(KTileOps.Bsums(scales, y), 5));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(total), Vector256.Create(dx * KTileOps.Scale(y)), acc);
    }
}
