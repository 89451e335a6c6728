using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// <see cref="RowFormat.DotTile"/> of every tier against a double-precision dot product of the dequantized rows, over
/// tile edge shapes (rows and columns 1..9, 16, 17), several lengths, padded weight rows and a non-zero row offset.
/// </summary>
public unsafe class DotTileTests
{
    private const int RowOffset = 5;
    private const int MaxRows = 17;
    private const int MaxCols = 17;
    private static readonly int[] s_counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17];
    private static readonly int[] s_lengths = [32, 64, 160, 512, 2048];

    public static TheoryData<GgmlType> Types => new() { GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0 };

    [Theory]
    [MemberData(nameof(Types))]
    public void DotTile_EveryTier_MatchesDequantizedDot(GgmlType type)
    {
        foreach (int k in s_lengths)
        {
            Check(type, k);
        }
    }

    private static void Check(GgmlType type, int k)
    {
        RowFormat weights = RowFormats.Get(type);
        RowFormat activations = RowFormats.Get(weights.VecDotType);
        long rowBytes = TypeTraits.RowSize(type, k);
        long lda = rowBytes + 7;
        long colBytes = TypeTraits.RowSize(activations.Type, k) + 3;
        byte[] a = new byte[lda * MaxRows];
        byte[] b = new byte[colBytes * MaxCols];
        var expected = new double[MaxRows, MaxCols];
        var magnitude = new double[MaxRows, MaxCols];
        float[][] da = new float[MaxRows][];
        float[][] db = new float[MaxCols][];
        for (int i = 0; i < MaxRows; i++)
        {
            byte[] q = QuantTestData.Quantize(weights, QuantTestData.Random((k * 31) + i, k, 2f));
            q.CopyTo(a, i * lda);
            da[i] = QuantTestData.Dequantize(weights, q, k);
        }
        for (int j = 0; j < MaxCols; j++)
        {
            byte[] q = QuantTestData.Quantize(activations, QuantTestData.Random((k * 37) + 1000 + j, k, 3f));
            q.CopyTo(b, j * colBytes);
            db[j] = QuantTestData.Dequantize(activations, q, k);
        }
        for (int i = 0; i < MaxRows; i++)
        {
            for (int j = 0; j < MaxCols; j++)
            {
                for (int e = 0; e < k; e++)
                {
                    double p = (double)da[i][e] * db[j][e];
                    expected[i, j] += p;
                    magnitude[i, j] += Math.Abs(p);
                }
            }
        }
        float[] output = new float[MaxCols * (RowOffset + MaxRows + 1)];
        int ldd = RowOffset + MaxRows + 1;
        fixed (byte* pa = a)
        fixed (byte* pb = b)
        fixed (float* pd = output)
        {
            byte** cols = stackalloc byte*[MaxCols];
            float** dst = stackalloc float*[MaxCols];
            for (int j = 0; j < MaxCols; j++)
            {
                cols[j] = pb + (j * colBytes);
                dst[j] = pd + (j * ldd);
            }
            foreach (RowFormat tier in QuantTiers.All(type))
            {
                foreach (int rows in s_counts)
                {
                    foreach (int n in s_counts)
                    {
                        output.AsSpan().Fill(float.NaN);
                        tier.DotTile(k, pa, lda, rows, cols, n, dst, RowOffset);
                        for (int j = 0; j < MaxCols; j++)
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
