using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// <see cref="RowFormat.DotTile"/> of every tier against a double-precision dot product of the dequantized rows, over
/// tile edge shapes (rows and columns 1..9, 16, 17), several lengths (one block up to two panel chunks), padded weight
/// rows and a non-zero row offset; wide blocks (more columns than one batch of column terms, lengths that end in a
/// partial chunk, and decode rows longer than one chunk of column terms); and extreme quants, where the int16 sums of
/// the prefill panels must not saturate.
/// </summary>
public unsafe class DotTileTests
{
    private const int RowOffset = 5;
    private static readonly int[] s_counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17];
    private static readonly int[] s_lengths = [32, 64, 160, 512, 2048];
    private static readonly int[] s_wideRows = [8, 13, 24];
    private static readonly int[] s_wideCols = [1, 2, 64, 65, 70];
    private static readonly int[] s_wideLengths = [1056, 1088, 8256];

    public static TheoryData<GgmlType> Types => new() { GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0 };

    [Theory]
    [MemberData(nameof(Types))]
    public void DotTile_EveryTier_MatchesDequantizedDot(GgmlType type)
    {
        foreach (int k in s_lengths)
        {
            Check(type, k, s_counts, s_counts);
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void DotTile_WideBlocks_MatchDequantizedDot(GgmlType type)
    {
        foreach (int k in s_wideLengths)
        {
            Check(type, k, s_wideRows, s_wideCols);
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void DotTile_ExtremeQuants_MatchScalarDot(GgmlType type)
    {
        RowFormat weights = RowFormats.Get(type);
        int k = 256;
        int rows = 11;
        int cols = 5;
        long lda = TypeTraits.RowSize(type, k);
        long colBytes = TypeTraits.RowSize(GgmlType.Q8_0, k);
        byte[] a = new byte[lda * rows];
        byte[] b = new byte[colBytes * cols];
        var rng = new Random(7);
        rng.NextBytes(a);
        rng.NextBytes(b);
        for (int i = 0; i < rows; i++)
        {
            for (long o = i * lda; o < (i + 1) * lda; o += TypeTraits.TypeSize(type))
            {
                // Scale 1.0 (fp16 0x3C00); the quant bytes: random, all ones (largest unsigned quants), or the extremes;
                // the columns: all lowest, all highest or random.
                a[o] = 0x00;
                a[o + 1] = 0x3C;
                for (long q = o + 2; q < o + TypeTraits.TypeSize(type); q++)
                {
                    a[q] = i % 3 == 0 ? a[q] : i % 3 == 1 ? (byte)0xFF : (byte)(q % 2 == 0 ? 0x80 : 0x7F);
                }
            }
        }
        for (int j = 0; j < cols; j++)
        {
            for (long o = j * colBytes; o < (j + 1) * colBytes; o += TypeTraits.TypeSize(GgmlType.Q8_0))
            {
                b[o] = 0x00;
                b[o + 1] = 0x3C;
                for (long q = o + 2; q < o + TypeTraits.TypeSize(GgmlType.Q8_0); q++)
                {
                    // |y| = 128 only against unsigned quants: the Q8_0 sign trick (ggml's too) needs y > −128.
                    sbyte low = type == GgmlType.Q8_0 ? (sbyte)-127 : sbyte.MinValue;
                    b[q] = (byte)(j % 3 == 0 ? low : j % 3 == 1 ? sbyte.MaxValue : (sbyte)Math.Max(low, (sbyte)b[q]));
                }
            }
        }
        RowFormat scalar = QuantTiers.Create(type, SimdLevel.Scalar);
        float[] output = new float[rows * cols];
        fixed (byte* pa = a)
        fixed (byte* pb = b)
        fixed (float* pd = output)
        {
            byte** pcols = stackalloc byte*[cols];
            float** dst = stackalloc float*[cols];
            for (int j = 0; j < cols; j++)
            {
                pcols[j] = pb + (j * colBytes);
                dst[j] = pd + (j * rows);
            }
            foreach (RowFormat tier in QuantTiers.All(type))
            {
                // Pass 0: all columns in one call; pass 1: column by column (the decode path).
                for (int pass = 0; pass < 2; pass++)
                {
                    output.AsSpan().Clear();
                    if (pass == 0)
                    {
                        tier.DotTile(k, pa, lda, rows, pcols, cols, dst, 0);
                    }
                    else
                    {
                        for (int j = 0; j < cols; j++)
                        {
                            tier.DotTile(k, pa, lda, rows, pcols + j, 1, dst + j, 0);
                        }
                    }
                    for (int i = 0; i < rows; i++)
                    {
                        for (int j = 0; j < cols; j++)
                        {
                            if (pass == 1 && HasMinus128(b, j * colBytes, colBytes))
                            {
                                // The per-row dot uses ggml's sign trick, which (like ggml's vec_dot) wraps for y = −128;
                                // quantize_row_q8_0 never produces −128.
                                continue;
                            }
                            float want = scalar.VecDot(k, pa + (i * lda), pcols[j]);
                            Assert.True(want == output[(j * rows) + i], $"{QuantTiers.Level(tier)} pass {pass} ({i}, {j}): {output[(j * rows) + i]} vs {want}");
                        }
                    }
                }
            }
        }
    }

    private static bool HasMinus128(byte[] column, long start, long length) =>
        column.AsSpan((int)start, (int)length).Contains((byte)0x80);

    private static void Check(GgmlType type, int k, int[] rowCounts, int[] colCounts)
    {
        int maxRows = rowCounts.Max();
        int maxCols = colCounts.Max();
        RowFormat weights = RowFormats.Get(type);
        RowFormat activations = RowFormats.Get(weights.VecDotType);
        long rowBytes = TypeTraits.RowSize(type, k);
        long lda = rowBytes + 7;
        long colBytes = TypeTraits.RowSize(activations.Type, k) + 3;
        byte[] a = new byte[lda * maxRows];
        byte[] b = new byte[colBytes * maxCols];
        var expected = new double[maxRows, maxCols];
        var magnitude = new double[maxRows, maxCols];
        float[][] da = new float[maxRows][];
        float[][] db = new float[maxCols][];
        for (int i = 0; i < maxRows; i++)
        {
            byte[] q = QuantTestData.Quantize(weights, QuantTestData.Random((k * 31) + i, k, 2f));
            q.CopyTo(a, i * lda);
            da[i] = QuantTestData.Dequantize(weights, q, k);
        }
        for (int j = 0; j < maxCols; j++)
        {
            byte[] q = QuantTestData.Quantize(activations, QuantTestData.Random((k * 37) + 1000 + j, k, 3f));
            q.CopyTo(b, j * colBytes);
            db[j] = QuantTestData.Dequantize(activations, q, k);
        }
        for (int i = 0; i < maxRows; i++)
        {
            for (int j = 0; j < maxCols; j++)
            {
                for (int e = 0; e < k; e++)
                {
                    double p = (double)da[i][e] * db[j][e];
                    expected[i, j] += p;
                    magnitude[i, j] += Math.Abs(p);
                }
            }
        }
        float[] output = new float[maxCols * (RowOffset + maxRows + 1)];
        int ldd = RowOffset + maxRows + 1;
        fixed (byte* pa = a)
        fixed (byte* pb = b)
        fixed (float* pd = output)
        {
            byte** cols = stackalloc byte*[maxCols];
            float** dst = stackalloc float*[maxCols];
            for (int j = 0; j < maxCols; j++)
            {
                cols[j] = pb + (j * colBytes);
                dst[j] = pd + (j * ldd);
            }
            foreach (RowFormat tier in QuantTiers.All(type))
            {
                foreach (int rows in rowCounts)
                {
                    foreach (int n in colCounts)
                    {
                        output.AsSpan().Fill(float.NaN);
                        tier.DotTile(k, pa, lda, rows, cols, n, dst, RowOffset);
                        for (int j = 0; j < maxCols; j++)
                        {
                            for (int i = -RowOffset; i < ldd - RowOffset; i++)
                            {
                                float got = output[(j * ldd) + RowOffset + i];
                                string where = $"{type} {QuantTiers.Level(tier)} k={k} rows={rows} cols={n} at ({i}, {j})";
                                if (j < n && i >= 0 && i < rows)
                                {
                                    Assert.True(Math.Abs(got - expected[i, j]) <= (2e-5 * magnitude[i, j]) + 1e-6,
                                        $"{where}: {got} vs {expected[i, j]}");
                                }
                                else
                                {
                                    Assert.True(float.IsNaN(got), $"{where}: written outside the block");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
