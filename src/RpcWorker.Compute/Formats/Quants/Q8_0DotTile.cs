using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// AVX2 blocks for <see cref="RowFormat.DotTile"/> of the formats dotted with Q8_0 activations (Q4_0, Q5_0, Q8_0).
/// Several columns (prefill): each group of <see cref="PanelRows"/> weight rows is unpacked, a chunk of
/// <see cref="ChunkBlocks"/> blocks at a time, into a row-interleaved panel on the stack: per block the eight rows'
/// scales as floats, then eight vectors, vector g holding quants 4g..4g+3 of each of the eight rows. One broadcast
/// 4-byte group of an activation block then meets all eight rows in one <c>vpmaddubsw</c>, so the integer sums of the
/// eight rows build up in the lanes of one vector (no horizontal sums), and the float work (one convert, one multiply of
/// the row scales by the column scale, one FMA) runs once per block for eight rows. Tiles of up to <see cref="Cols"/>
/// columns share each panel vector. Weights stay untouched (the panel is scratch).
/// Unsigned formats (<see cref="IWeights.Offset"/> &gt; 0) feed their quants straight into <c>vpmaddubsw</c>; their int16
/// sums start at −Offset·Σy over the activations each int16 lane meets (prepared once per column and block), so the
/// wrapping int16 adds end at the exact Σ(q − Offset)·y, which always fits. Signed Q8_0 uses the sign trick |w|·(y·sign w).
/// With AVX-VNNI every format runs unsigned: Q8_0 quants are stored with 128 added, each <c>vpdpbusd</c> adds four
/// products per row in int32, and each block's sum starts at −offset·Σy (two instructions per group and column instead of
/// three to five).
/// Every block's integer sum is exact; only the order of the float accumulation differs from the per-row dot.
/// </summary>
internal static unsafe class Q8_0DotTile
{
    /// <summary>Weight rows per panel (the lanes of one vector of int32 or float).</summary>
    private const int PanelRows = 8;

    /// <summary>Weight rows per decode group.</summary>
    private const int DecodeRows = 4;

    /// <summary>Weight rows per wide decode group (the lanes of one vector of int32 or float).</summary>
    private const int WideRows = 8;

    /// <summary>Blocks whose column terms the wide decode prepares at once.</summary>
    private const int DecodeChunkBlocks = 1024;

    /// <summary>How many wide decode groups ahead the rows are prefetched.</summary>
    private const int PrefetchGroups = 2;

    /// <summary>Columns per register tile.</summary>
    private const int Cols = 4;

    /// <summary>Blocks per panel chunk.</summary>
    private const int ChunkBlocks = 32;

    /// <summary>Columns whose scales and sums are prepared at once.</summary>
    private const int ChunkCols = 64;

    /// <summary>Ints per column in the int16 start values: two rounds per block.</summary>
    private const int ColumnStride = 2 * ChunkBlocks;

    /// <summary>Bytes per block in the panel: eight float scales, then eight vectors of eight rows × four quants.</summary>
    private const int PanelBlockBytes = 32 + (PanelRows * 32);

    /// <summary>A compile-time tile dimension.</summary>
    public interface ITileDim
    {
        static abstract int Value { get; }
    }

    /// <summary>The weight side: how a block unpacks to 32 byte quants.</summary>
    public interface IWeights
    {
        static abstract int BlockBytes { get; }

        /// <summary>0 for signed quants; otherwise the quants are unsigned and a quant q stands for q − Offset.</summary>
        static abstract int Offset { get; }

        /// <summary>
        /// Unsigned formats: groups of four quants per row summed in one int16 round (8 = the whole block, an even
        /// number). The adds wrap, so only the round's result Σ(q − Offset)·y per int16 lane has to fit, for any |y| ≤ 128.
        /// </summary>
        static abstract int Int16Groups { get; }

        /// <summary>The 32 quants of the block at <paramref name="block"/> (scale at offset 0), in element order.</summary>
        static abstract Vector256<byte> Row(byte* block);

        /// <summary>The format's single-row dot product over <paramref name="nb"/> blocks (the decode path).</summary>
        static abstract float Dot(long nb, byte* x, byte* y);
    }

    private struct D1 : ITileDim
    {
        public static int Value => 1;
    }

    private struct D2 : ITileDim
    {
        public static int Value => 2;
    }

    private struct D3 : ITileDim
    {
        public static int Value => 3;
    }

    private struct D4 : ITileDim
    {
        public static int Value => 4;
    }

    /// <summary>The whole block: <c>d[j][rowOffset + i] = dot(a + i·lda, b[j])</c>.</summary>
    [SkipLocalsInit]
    public static void Run<TW>(long n, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
        where TW : IWeights
    {
        long nb = n / Q8_0Format.BlockSize;
        if (cols == 1)
        {
            Decode<TW>(nb, a, lda, rows, b[0], d[0] + rowOffset);
            return;
        }
        if (nb == 0)
        {
            for (int j = 0; j < cols; j++)
            {
                new Span<float>(d[j] + rowOffset, (int)rows).Clear();
            }
            return;
        }
        byte* panelMemory = stackalloc byte[(ChunkBlocks * PanelBlockBytes) + 32];
        byte* panel = (byte*)(((nint)panelMemory + 31) & ~(nint)31);
        float* scales = stackalloc float[ChunkCols * ChunkBlocks];
        int* starts = stackalloc int[ChunkCols * ColumnStride];
        for (long kb = 0; kb < nb; kb += ChunkBlocks)
        {
            int kc = (int)Math.Min(ChunkBlocks, nb - kb);
            long yo = kb * Q8_0Format.BlockBytes;
            for (int c0 = 0; c0 < cols; c0 += ChunkCols)
            {
                int cc = Math.Min(ChunkCols, cols - c0);
                ColumnTerms<TW>(b + c0, cc, yo, kc, scales, starts);
                for (long r0 = 0; r0 < rows; r0 += PanelRows)
                {
                    int valid = (int)Math.Min(PanelRows, rows - r0);
                    Pack<TW>(a + (r0 * lda), lda, valid, kb, kc, panel);
                    long row = rowOffset + r0;
                    bool accumulate = kb > 0;
                    for (int j = 0; j < cc; j += Cols)
                    {
                        byte** bj = b + c0 + j;
                        float** dj = d + c0 + j;
                        float* sj = scales + (j * ChunkBlocks);
                        int* oj = starts + (j * ColumnStride);
                        switch (Math.Min(Cols, cc - j))
                        {
                            case 4:
                                Tile<TW, D4>(panel, kc, bj, yo, sj, oj, dj, row, valid, accumulate);
                                break;
                            case 3:
                                Tile<TW, D3>(panel, kc, bj, yo, sj, oj, dj, row, valid, accumulate);
                                break;
                            case 2:
                                Tile<TW, D2>(panel, kc, bj, yo, sj, oj, dj, row, valid, accumulate);
                                break;
                            default:
                                Tile<TW, D1>(panel, kc, bj, yo, sj, oj, dj, row, valid, accumulate);
                                break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One column (decode). Groups of <see cref="WideRows"/> rows go through <see cref="DecodeWide{TW}"/>, a chunk of
    /// <see cref="DecodeChunkBlocks"/> blocks at a time after the chunk's column terms are prepared once for all of them;
    /// the last rows in groups of <see cref="DecodeRows"/>, then one at a time through the format's single-row dot.
    /// Eight row streams are more than the hardware prefetcher follows, so while a group runs, the bytes of the group
    /// <see cref="PrefetchGroups"/> on (rows the same thread usually takes later) are prefetched into L2 in address order,
    /// as many lines per block as a group consumes. Measured on Zen 4 with both threads streaming from memory, this beat
    /// prefetching one group ahead into L1 or L2: Q4_0 at k = 2048 about 20 → 26 GB/s, Q8_0 about 26 → 31 GB/s.
    /// </summary>
    [SkipLocalsInit]
    private static void Decode<TW>(long nb, byte* a, long lda, long rows, byte* y, float* dst)
        where TW : IWeights
    {
        long i = 0;
        long wide = rows - (rows % WideRows);
        if (wide > 0 && nb > 0)
        {
            float* scales = stackalloc float[DecodeChunkBlocks];
            int* starts = stackalloc int[DecodeChunkBlocks];
            for (long kb = 0; kb < nb; kb += DecodeChunkBlocks)
            {
                int kc = (int)Math.Min(DecodeChunkBlocks, nb - kb);
                byte* yc = y + (kb * Q8_0Format.BlockBytes);
                DecodeTerms<TW>(yc, kc, scales, starts);
                for (long r = 0; r < wide; r += WideRows)
                {
                    DecodeWide<TW>(kc, a + (r * lda) + (kb * TW.BlockBytes), lda, yc, scales, starts, dst + r, kb > 0);
                }
            }
            i = wide;
        }
        for (; i + DecodeRows <= rows; i += DecodeRows)
        {
            DecodeGroup<TW>(nb, a + (i * lda), lda, y, dst + i);
        }
        for (; i < rows; i++)
        {
            dst[i] = TW.Dot(nb, a + (i * lda), y);
        }
    }

    /// <summary>
    /// Per activation block of the chunk: its scale as a float, and −Offset·Σy, the start value of every row's block
    /// sum (zero for signed quants).
    /// </summary>
    private static void DecodeTerms<TW>(byte* y, int kc, float* scales, int* starts)
        where TW : IWeights
    {
        for (int i = 0; i < kc; i++, y += Q8_0Format.BlockBytes)
        {
            scales[i] = QuantMath.Half(y);
            starts[i] = TW.Offset == 0 ? 0 : -TW.Offset * QuantSum(y);
        }
    }

    /// <summary>Σy over the 32 quants of the activation block at <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int QuantSum(byte* y) =>
        Vector256.Sum(SimdOps.DotU8(Vector256.Create((byte)1), Avx.LoadVector256((sbyte*)(y + 2))));

    /// <summary>
    /// Eight rows against one column over <paramref name="kc"/> blocks, with the rows' block sums reduced across
    /// registers so that the float work runs once per block for all eight: each row's products, pair-summed by
    /// <c>vpmaddubsw</c>, are added horizontally in a tree (<c>vphaddw</c> in int16 where sixteen products always fit,
    /// as for Q4_0's 4-bit quants; otherwise <c>vpmaddwd</c> to int32 first, then <c>vphaddd</c>) until lane r holds
    /// row r's sum; then one start add, one convert, one multiply of the eight row scales by the column scale and one
    /// FMA. Every block sum is exact; only the order of the float accumulation differs from the per-row dot.
    /// </summary>
    private static void DecodeWide<TW>(int kc, byte* x, long lda, byte* y, float* scales, int* starts, float* dst, bool accumulate)
        where TW : IWeights
    {
        long lda3 = 3 * lda;
        long lda5 = 5 * lda;
        long lda7 = 7 * lda;
        Vector256<float> acc = Vector256<float>.Zero;
        byte* next = x + (PrefetchGroups * WideRows * lda);
        for (int i = 0; i < kc; i++, x += TW.BlockBytes, y += Q8_0Format.BlockBytes, next += WideRows * TW.BlockBytes)
        {
            for (int line = 0; line < ((WideRows * TW.BlockBytes) + 63) / 64; line++)
            {
                Sse.Prefetch1(next + (64 * line));
            }
            Vector256<sbyte> qy = Avx.LoadVector256((sbyte*)(y + 2));
            Vector256<int> sums = TW.Int16Groups == 8
                ? Int16Tree<TW>(x, lda, lda3, lda5, lda7, qy)
                : Int32Tree<TW>(x, lda, lda3, lda5, lda7, qy);
            if (TW.Offset != 0)
            {
                sums = Avx2.Add(sums, Vector256.Create(starts[i]));
            }
            Vector256<float> rowScales = Vector256.Create(
                Vector128.Create(QuantMath.Half(x), QuantMath.Half(x + lda), QuantMath.Half(x + (2 * lda)), QuantMath.Half(x + lda3)),
                Vector128.Create(QuantMath.Half(x + (4 * lda)), QuantMath.Half(x + lda5), QuantMath.Half(x + (6 * lda)), QuantMath.Half(x + lda7)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Avx.Multiply(rowScales, Vector256.Create(scales[i])), acc);
        }
        Avx.Store(dst, accumulate ? Avx.Add(Avx.LoadVector256(dst), acc) : acc);
    }

    /// <summary>
    /// The eight rows' Σq·y over one block, summed in int16 (unsigned quants of at most 15: sixteen products stay
    /// within ±30720; <see cref="IWeights.Int16Groups"/> = 8 only holds for such quants): three levels of
    /// <c>vphaddw</c> leave row r's sums over elements 0..15 and 16..31 in word r of the two lanes; interleaving the
    /// two and one <c>vpmaddwd</c> give the eight block sums in int32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Int16Tree<TW>(byte* x, long lda, long lda3, long lda5, long lda7, Vector256<sbyte> qy)
        where TW : IWeights
    {
        Vector256<short> p01 = Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(TW.Row(x), qy), Avx2.MultiplyAddAdjacent(TW.Row(x + lda), qy));
        Vector256<short> p23 = Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(TW.Row(x + (2 * lda)), qy), Avx2.MultiplyAddAdjacent(TW.Row(x + lda3), qy));
        Vector256<short> p45 = Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(TW.Row(x + (4 * lda)), qy), Avx2.MultiplyAddAdjacent(TW.Row(x + lda5), qy));
        Vector256<short> p67 = Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(TW.Row(x + (6 * lda)), qy), Avx2.MultiplyAddAdjacent(TW.Row(x + lda7), qy));
        Vector256<short> r = Avx2.HorizontalAdd(Avx2.HorizontalAdd(p01, p23), Avx2.HorizontalAdd(p45, p67));
        // Qwords (rows 0-3, elements 0..15), (rows 4-7, 0..15), (rows 0-3, 16..31), (rows 4-7, 16..31) -> each lane
        // holds one half of the rows with both element halves, words interleaved so that vpmaddwd adds the two halves.
        r = Avx2.Permute4x64(r.AsInt64(), 0b11_01_10_00).AsInt16();
        r = Avx2.Shuffle(r.AsByte(), Vector256.Create((byte)0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15, 0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15)).AsInt16();
        return Avx2.MultiplyAddAdjacent(r, Vector256.Create((short)1));
    }

    /// <summary>
    /// The eight rows' Σq·y over one block in int32 (signed quants with the sign trick, or unsigned ones whose sixteen
    /// products could leave int16): each row's four-product sums, then two levels of <c>vphaddd</c> leave rows 0-3 and
    /// rows 4-7 in two vectors, each lane one half of the elements; the lanes are then added across.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Int32Tree<TW>(byte* x, long lda, long lda3, long lda5, long lda7, Vector256<sbyte> qy)
        where TW : IWeights
    {
        Vector256<int> p01 = Avx2.HorizontalAdd(RowSums<TW>(x, qy), RowSums<TW>(x + lda, qy));
        Vector256<int> p23 = Avx2.HorizontalAdd(RowSums<TW>(x + (2 * lda), qy), RowSums<TW>(x + lda3, qy));
        Vector256<int> p45 = Avx2.HorizontalAdd(RowSums<TW>(x + (4 * lda), qy), RowSums<TW>(x + lda5, qy));
        Vector256<int> p67 = Avx2.HorizontalAdd(RowSums<TW>(x + (6 * lda), qy), RowSums<TW>(x + lda7, qy));
        Vector256<int> lo = Avx2.HorizontalAdd(p01, p23);
        Vector256<int> hi = Avx2.HorizontalAdd(p45, p67);
        return Avx2.Add(Avx2.Permute2x128(lo, hi, 0x20), Avx2.Permute2x128(lo, hi, 0x31));
    }

    /// <summary>Σq·y per 4-byte group of one row's block (sign trick for signed quants, wrapping-free for unsigned ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> RowSums<TW>(byte* x, Vector256<sbyte> qy)
        where TW : IWeights
    {
        Vector256<byte> q = TW.Row(x);
        return TW.Offset == 0 ? SimdOps.DotS8(q.AsSByte(), qy) : SimdOps.DotU8(q, qy);
    }

    /// <summary>
    /// Four rows against one column. Per block and row: the quants as unsigned bytes (Q8_0 with 128 added where
    /// AVX-VNNI takes them) meet the activations in <c>vpdpbusd</c> (or <c>vpmaddubsw</c> + <c>vpmaddwd</c>) starting
    /// from −offset·Σy per 4-byte group, so every block's integer sum is exact; signed Q8_0 without AVX-VNNI uses the
    /// sign trick. Then one convert and one FMA by the product of the two scales.
    /// </summary>
    private static void DecodeGroup<TW>(long nb, byte* x0, long lda, byte* y, float* dst)
        where TW : IWeights
    {
        byte* x1 = x0 + lda;
        byte* x2 = x1 + lda;
        byte* x3 = x2 + lda;
        long ahead = DecodeRows * lda;
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (long i = 0; i < nb; i++, x0 += TW.BlockBytes, x1 += TW.BlockBytes, x2 += TW.BlockBytes, x3 += TW.BlockBytes, y += Q8_0Format.BlockBytes)
        {
            Sse.Prefetch0(x0 + ahead);
            Sse.Prefetch0(x1 + ahead);
            Sse.Prefetch0(x2 + ahead);
            Sse.Prefetch0(x3 + ahead);
            Vector256<sbyte> qy = Avx.LoadVector256((sbyte*)(y + 2));
            Vector256<int> start = DecodeStart<TW>(qy);
            Vector256<float> dy = Vector256.Create(QuantMath.Half(y));
            f0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(DecodeBlock<TW>(start, x0, qy)), Avx.Multiply(Vector256.Create(QuantMath.Half(x0)), dy), f0);
            f1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(DecodeBlock<TW>(start, x1, qy)), Avx.Multiply(Vector256.Create(QuantMath.Half(x1)), dy), f1);
            f2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(DecodeBlock<TW>(start, x2, qy)), Avx.Multiply(Vector256.Create(QuantMath.Half(x2)), dy), f2);
            f3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(DecodeBlock<TW>(start, x3, qy)), Avx.Multiply(Vector256.Create(QuantMath.Half(x3)), dy), f3);
        }
        Sse.Store(dst, KTileOps.Sum4(f0, f1, f2, f3));
    }

    /// <summary>−offset·Σy per 4-byte group of the activation block (zero for signed quants without AVX-VNNI).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DecodeStart<TW>(Vector256<sbyte> qy)
        where TW : IWeights
    {
        int offset = AvxVnni.IsSupported ? VnniOffset<TW>() : TW.Offset;
        return offset == 0 ? Vector256<int>.Zero : Avx2.Subtract(Vector256<int>.Zero, SimdOps.DotU8(Vector256.Create((byte)offset), qy));
    }

    /// <summary><paramref name="start"/> + Σ q·y per 4-byte group of the block at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DecodeBlock<TW>(Vector256<int> start, byte* x, Vector256<sbyte> qy)
        where TW : IWeights
    {
        Vector256<byte> q = TW.Row(x);
        if (AvxVnni.IsSupported)
        {
            return AvxVnni.MultiplyWideningAndAdd(start, VnniQuants<TW>(q), qy);
        }
        return Avx2.Add(start, TW.Offset == 0 ? SimdOps.DotS8(q.AsSByte(), qy) : SimdOps.DotU8(q, qy));
    }

    /// <summary>
    /// The offset of the quants in the panel with AVX-VNNI: <c>vpdpbusd</c> takes unsigned bytes, so signed Q8_0 is
    /// stored with 128 added (the sign bit flipped) and every format's block sum starts at −offset·Σy, exact in int32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VnniOffset<TW>()
        where TW : IWeights => TW.Offset == 0 ? 128 : TW.Offset;

    /// <summary>
    /// Per column and block of the chunk: the activation scale as a float at <c>scales[column·ChunkBlocks + block]</c>;
    /// with AVX-VNNI the start value of the block's int32 sums, −<see cref="VnniOffset{TW}"/>·Σy, at
    /// <c>starts[column·ColumnStride + block]</c>; without it (unsigned formats) the start value of each round's int16 sums at <c>starts[column·ColumnStride + 2·block + round]</c>:
    /// an int16 pair for the even and the odd lane of a row, −Offset·Σy over the activations that lane meets in the round
    /// (2·Int16Groups of them; |value| ≤ 2·Int16Groups·Offset·128 = 16384 for Q4_0 and Q5_0).
    /// </summary>
    private static void ColumnTerms<TW>(byte** b, int cols, long yo, int kc, float* scales, int* starts)
        where TW : IWeights
    {
        for (int j = 0; j < cols; j++)
        {
            byte* y = b[j] + yo;
            float* s = scales + (j * ChunkBlocks);
            int* o = starts + (j * ColumnStride);
            for (int i = 0; i < kc; i++, y += Q8_0Format.BlockBytes)
            {
                s[i] = QuantMath.Half(y);
                if (AvxVnni.IsSupported)
                {
                    o[i] = -VnniOffset<TW>() * QuantSum(y);
                }
                else if (TW.Offset != 0)
                {
                    // Lane k of t: Offset·(y[2k] + y[2k+1]); dword g of y (group g) feeds lanes 2g (even) and 2g+1 (odd).
                    Vector256<short> t = Avx2.MultiplyAddAdjacent(Vector256.Create((byte)TW.Offset), Avx.LoadVector256((sbyte*)(y + 2)));
                    t = Avx2.Add(t, Avx2.Shuffle(t.AsInt32(), 0x4E).AsInt16());
                    t = Avx2.Add(t, Avx2.Shuffle(t.AsInt32(), 0xB1).AsInt16());
                    if (TW.Int16Groups == 8)
                    {
                        t = Avx2.Add(t, Avx2.Permute2x128(t, t, 0x01));
                    }
                    Vector256<int> start = Avx2.Subtract(Vector256<short>.Zero, t).AsInt32();
                    o[2 * i] = start.ToScalar();
                    o[(2 * i) + 1] = start.GetElement(4);
                }
            }
        }
    }

    /// <summary>
    /// Unpacks blocks [kb, kb + kc) of <paramref name="valid"/> rows (the rest of the eight lanes repeat row 0 and are
    /// never stored) into the panel.
    /// </summary>
    private static void Pack<TW>(byte* a, long lda, int valid, long kb, int kc, byte* panel)
        where TW : IWeights
    {
        byte* a0 = a;
        byte* a1 = valid > 1 ? a + lda : a;
        byte* a2 = valid > 2 ? a + (2 * lda) : a;
        byte* a3 = valid > 3 ? a + (3 * lda) : a;
        byte* a4 = valid > 4 ? a + (4 * lda) : a;
        byte* a5 = valid > 5 ? a + (5 * lda) : a;
        byte* a6 = valid > 6 ? a + (6 * lda) : a;
        byte* a7 = valid > 7 ? a + (7 * lda) : a;
        long wo = kb * TW.BlockBytes;
        for (int i = 0; i < kc; i++, wo += TW.BlockBytes, panel += PanelBlockBytes)
        {
            float* s = (float*)panel;
            s[0] = QuantMath.Half(a0 + wo);
            s[1] = QuantMath.Half(a1 + wo);
            s[2] = QuantMath.Half(a2 + wo);
            s[3] = QuantMath.Half(a3 + wo);
            s[4] = QuantMath.Half(a4 + wo);
            s[5] = QuantMath.Half(a5 + wo);
            s[6] = QuantMath.Half(a6 + wo);
            s[7] = QuantMath.Half(a7 + wo);
            // 8×8 transpose of 32-bit groups: row r's group g goes to lane r of vector g.
            Vector256<int> t0 = TW.Row(a0 + wo).AsInt32();
            Vector256<int> t1 = TW.Row(a1 + wo).AsInt32();
            Vector256<int> t2 = TW.Row(a2 + wo).AsInt32();
            Vector256<int> t3 = TW.Row(a3 + wo).AsInt32();
            Vector256<int> t4 = TW.Row(a4 + wo).AsInt32();
            Vector256<int> t5 = TW.Row(a5 + wo).AsInt32();
            Vector256<int> t6 = TW.Row(a6 + wo).AsInt32();
            Vector256<int> t7 = TW.Row(a7 + wo).AsInt32();
            Vector256<int> u0 = Avx2.UnpackLow(t0, t1);
            Vector256<int> u1 = Avx2.UnpackHigh(t0, t1);
            Vector256<int> u2 = Avx2.UnpackLow(t2, t3);
            Vector256<int> u3 = Avx2.UnpackHigh(t2, t3);
            Vector256<int> u4 = Avx2.UnpackLow(t4, t5);
            Vector256<int> u5 = Avx2.UnpackHigh(t4, t5);
            Vector256<int> u6 = Avx2.UnpackLow(t6, t7);
            Vector256<int> u7 = Avx2.UnpackHigh(t6, t7);
            Vector256<long> v0 = Avx2.UnpackLow(u0.AsInt64(), u2.AsInt64());
            Vector256<long> v1 = Avx2.UnpackHigh(u0.AsInt64(), u2.AsInt64());
            Vector256<long> v2 = Avx2.UnpackLow(u1.AsInt64(), u3.AsInt64());
            Vector256<long> v3 = Avx2.UnpackHigh(u1.AsInt64(), u3.AsInt64());
            Vector256<long> v4 = Avx2.UnpackLow(u4.AsInt64(), u6.AsInt64());
            Vector256<long> v5 = Avx2.UnpackHigh(u4.AsInt64(), u6.AsInt64());
            Vector256<long> v6 = Avx2.UnpackLow(u5.AsInt64(), u7.AsInt64());
            Vector256<long> v7 = Avx2.UnpackHigh(u5.AsInt64(), u7.AsInt64());
            byte* q = panel + 32;
            StorePanel<TW>(q, Avx2.Permute2x128(v0, v4, 0x20));
            StorePanel<TW>(q + 32, Avx2.Permute2x128(v1, v5, 0x20));
            StorePanel<TW>(q + 64, Avx2.Permute2x128(v2, v6, 0x20));
            StorePanel<TW>(q + 96, Avx2.Permute2x128(v3, v7, 0x20));
            StorePanel<TW>(q + 128, Avx2.Permute2x128(v0, v4, 0x31));
            StorePanel<TW>(q + 160, Avx2.Permute2x128(v1, v5, 0x31));
            StorePanel<TW>(q + 192, Avx2.Permute2x128(v2, v6, 0x31));
            StorePanel<TW>(q + 224, Avx2.Permute2x128(v3, v7, 0x31));
        }
    }

    /// <summary>Stores one panel vector, in the form <c>vpdpbusd</c> takes with AVX-VNNI (<see cref="VnniQuants{TW}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePanel<TW>(byte* q, Vector256<long> v)
        where TW : IWeights
    {
        if (AvxVnni.IsSupported)
        {
            v = VnniQuants<TW>(v.AsByte()).AsInt64();
        }
        Avx.StoreAligned((long*)q, v);
    }

    /// <summary>
    /// Quants as the unsigned bytes <c>vpdpbusd</c> takes: signed ones (Q8_0) get 128 added, the sign bit flipped, which
    /// is the <see cref="VnniOffset{TW}"/> their block sums start from; unsigned ones are already in that form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> VnniQuants<TW>(Vector256<byte> q)
        where TW : IWeights => TW.Offset == 0 ? Avx2.Xor(q, Vector256.Create((byte)0x80)) : q;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Broadcast(byte* p) => Avx2.BroadcastScalarToVector256((int*)p).AsSByte();

    /// <summary>One group of four quants of eight rows (signed) against one column: Σ|w|·(y·sign w) added in int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SignedStep(Vector256<int> acc, Vector256<byte> aw, Vector256<sbyte> w, byte* y, Vector256<short> ones) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(aw, Avx2.Sign(Broadcast(y), w)), ones));

    /// <summary>One group of four quants of eight rows (unsigned) against one column, pair sums added in int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> UnsignedStep(Vector256<short> acc, Vector256<byte> w, byte* y) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(w, Broadcast(y)));

    /// <summary>Eight panel rows × <typeparamref name="TC"/> columns over the chunk's <paramref name="kc"/> blocks.</summary>
    private static void Tile<TW, TC>(byte* panel, int kc, byte** b, long yo, float* scales, int* starts, float** d, long row, int valid, bool accumulate)
        where TW : IWeights
        where TC : ITileDim
    {
        byte* y0 = b[0] + yo + 2;
        byte* y1 = TC.Value > 1 ? b[1] + yo + 2 : y0;
        byte* y2 = TC.Value > 2 ? b[2] + yo + 2 : y0;
        byte* y3 = TC.Value > 3 ? b[3] + yo + 2 : y0;
        Vector256<short> ones = Vector256.Create((short)1);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        byte* p = panel + 32;
        for (nint i = 0; i < kc; i++, p += PanelBlockBytes)
        {
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            if (AvxVnni.IsSupported)
            {
                // Unsigned panel quants (q + offset) straight into vpdpbusd, each block sum starting at −offset·Σy. Even
                // and odd groups build up in separate registers: twice the independent chains to cover the latency.
                i0 = Vector256.Create(starts[i]);
                i1 = TC.Value > 1 ? Vector256.Create(starts[i + ColumnStride]) : i1;
                i2 = TC.Value > 2 ? Vector256.Create(starts[i + (2 * ColumnStride)]) : i2;
                i3 = TC.Value > 3 ? Vector256.Create(starts[i + (3 * ColumnStride)]) : i3;
                Vector256<int> j0 = default, j1 = default, j2 = default, j3 = default;
                for (nint g = 0; g < 32; g += 8)
                {
                    Vector256<byte> w = Avx.LoadAlignedVector256(p + (g * 8));
                    i0 = AvxVnni.MultiplyWideningAndAdd(i0, w, Broadcast(y0 + g));
                    i1 = TC.Value > 1 ? AvxVnni.MultiplyWideningAndAdd(i1, w, Broadcast(y1 + g)) : i1;
                    i2 = TC.Value > 2 ? AvxVnni.MultiplyWideningAndAdd(i2, w, Broadcast(y2 + g)) : i2;
                    i3 = TC.Value > 3 ? AvxVnni.MultiplyWideningAndAdd(i3, w, Broadcast(y3 + g)) : i3;
                    w = Avx.LoadAlignedVector256(p + (g * 8) + 32);
                    j0 = AvxVnni.MultiplyWideningAndAdd(j0, w, Broadcast(y0 + g + 4));
                    j1 = TC.Value > 1 ? AvxVnni.MultiplyWideningAndAdd(j1, w, Broadcast(y1 + g + 4)) : j1;
                    j2 = TC.Value > 2 ? AvxVnni.MultiplyWideningAndAdd(j2, w, Broadcast(y2 + g + 4)) : j2;
                    j3 = TC.Value > 3 ? AvxVnni.MultiplyWideningAndAdd(j3, w, Broadcast(y3 + g + 4)) : j3;
                }
                i0 = Avx2.Add(i0, j0);
                i1 = TC.Value > 1 ? Avx2.Add(i1, j1) : i1;
                i2 = TC.Value > 2 ? Avx2.Add(i2, j2) : i2;
                i3 = TC.Value > 3 ? Avx2.Add(i3, j3) : i3;
            }
            else if (TW.Offset == 0)
            {
                // Two groups per iteration (the loop overhead is a sizeable share of this short body).
                for (nint g = 0; g < 32; g += 8)
                {
                    Vector256<sbyte> w = Avx.LoadAlignedVector256((sbyte*)(p + (g * 8)));
                    Vector256<byte> aw = Avx2.Abs(w);
                    i0 = SignedStep(i0, aw, w, y0 + g, ones);
                    i1 = TC.Value > 1 ? SignedStep(i1, aw, w, y1 + g, ones) : i1;
                    i2 = TC.Value > 2 ? SignedStep(i2, aw, w, y2 + g, ones) : i2;
                    i3 = TC.Value > 3 ? SignedStep(i3, aw, w, y3 + g, ones) : i3;
                    w = Avx.LoadAlignedVector256((sbyte*)(p + (g * 8) + 32));
                    aw = Avx2.Abs(w);
                    i0 = SignedStep(i0, aw, w, y0 + g + 4, ones);
                    i1 = TC.Value > 1 ? SignedStep(i1, aw, w, y1 + g + 4, ones) : i1;
                    i2 = TC.Value > 2 ? SignedStep(i2, aw, w, y2 + g + 4, ones) : i2;
                    i3 = TC.Value > 3 ? SignedStep(i3, aw, w, y3 + g + 4, ones) : i3;
                }
            }
            else
            {
                for (nint g0 = 0; g0 < 32; g0 += 4 * TW.Int16Groups)
                {
                    nint at = (2 * i) + (g0 / (4 * TW.Int16Groups));
                    Vector256<short> h0 = Vector256.Create(starts[at]).AsInt16();
                    Vector256<short> h1 = TC.Value > 1 ? Vector256.Create(starts[at + ColumnStride]).AsInt16() : default;
                    Vector256<short> h2 = TC.Value > 2 ? Vector256.Create(starts[at + (2 * ColumnStride)]).AsInt16() : default;
                    Vector256<short> h3 = TC.Value > 3 ? Vector256.Create(starts[at + (3 * ColumnStride)]).AsInt16() : default;
                    for (nint g = g0; g < g0 + (4 * TW.Int16Groups); g += 8)
                    {
                        Vector256<byte> w = Avx.LoadAlignedVector256(p + (g * 8));
                        h0 = UnsignedStep(h0, w, y0 + g);
                        h1 = TC.Value > 1 ? UnsignedStep(h1, w, y1 + g) : h1;
                        h2 = TC.Value > 2 ? UnsignedStep(h2, w, y2 + g) : h2;
                        h3 = TC.Value > 3 ? UnsignedStep(h3, w, y3 + g) : h3;
                        w = Avx.LoadAlignedVector256(p + (g * 8) + 32);
                        h0 = UnsignedStep(h0, w, y0 + g + 4);
                        h1 = TC.Value > 1 ? UnsignedStep(h1, w, y1 + g + 4) : h1;
                        h2 = TC.Value > 2 ? UnsignedStep(h2, w, y2 + g + 4) : h2;
                        h3 = TC.Value > 3 ? UnsignedStep(h3, w, y3 + g + 4) : h3;
                    }
                    i0 = Avx2.Add(i0, Avx2.MultiplyAddAdjacent(h0, ones));
                    i1 = TC.Value > 1 ? Avx2.Add(i1, Avx2.MultiplyAddAdjacent(h1, ones)) : i1;
                    i2 = TC.Value > 2 ? Avx2.Add(i2, Avx2.MultiplyAddAdjacent(h2, ones)) : i2;
                    i3 = TC.Value > 3 ? Avx2.Add(i3, Avx2.MultiplyAddAdjacent(h3, ones)) : i3;
                }
            }
            Vector256<float> rs = Avx.LoadAlignedVector256((float*)(p - 32));
            f0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i0), Avx.Multiply(rs, Vector256.Create(scales[i])), f0);
            if (TC.Value > 1)
            {
                f1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i1), Avx.Multiply(rs, Vector256.Create(scales[i + ChunkBlocks])), f1);
            }
            if (TC.Value > 2)
            {
                f2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i2), Avx.Multiply(rs, Vector256.Create(scales[i + (2 * ChunkBlocks)])), f2);
            }
            if (TC.Value > 3)
            {
                f3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i3), Avx.Multiply(rs, Vector256.Create(scales[i + (3 * ChunkBlocks)])), f3);
            }
            y0 += Q8_0Format.BlockBytes;
            y1 += Q8_0Format.BlockBytes;
            y2 += Q8_0Format.BlockBytes;
            y3 += Q8_0Format.BlockBytes;
        }
        Store(d[0] + row, f0, valid, accumulate);
        if (TC.Value > 1)
        {
            Store(d[1] + row, f1, valid, accumulate);
        }
        if (TC.Value > 2)
        {
            Store(d[2] + row, f2, valid, accumulate);
        }
        if (TC.Value > 3)
        {
            Store(d[3] + row, f3, valid, accumulate);
        }
    }

    /// <summary>Writes (or, after the first chunk, adds) the first <paramref name="valid"/> lanes at <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* dst, Vector256<float> v, int valid, bool accumulate)
    {
        if (valid == PanelRows)
        {
            Avx.Store(dst, accumulate ? Avx.Add(Avx.LoadVector256(dst), v) : v);
            return;
        }
        for (int r = 0; r < valid; r++)
        {
            dst[r] = accumulate ? dst[r] + v.GetElement(r) : v.GetElement(r);
        }
    }
}
