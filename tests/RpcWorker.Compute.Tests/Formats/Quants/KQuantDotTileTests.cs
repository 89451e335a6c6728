using System.Runtime.InteropServices;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// <see cref="RowFormat.DotTile"/> of the K-quants at every tier against the scalar <see cref="RowFormat.VecDot"/> of
/// each (row, column): all tile edges (rows and columns 1..9, 16, 17; columns beyond one 16-column pass), padded weight rows, an output row offset, and
/// weight blocks with arbitrary scale bits as well as quantized ones.
/// </summary>
public unsafe class KQuantDotTileTests
{
    private const int MaxRows = 17;
    private const int MaxCols = 37;
    private const int Padding = 40;
    private const long RowOffset = 3;
    private const float Guard = -12345f;

    private static readonly int[] s_sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17];

    private static readonly int[] s_cols = [.. s_sizes, 36, 37];

    public static TheoryData<GgmlType, int, bool> Cases()
    {
        var data = new TheoryData<GgmlType, int, bool>();
        foreach (GgmlType type in new[] { GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K })
        {
            foreach (int k in new[] { 256, 768, 2048, 4096 })
            {
                data.Add(type, k, false);
                data.Add(type, k, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DotTile_EveryTierAndEdge_MatchesScalarVecDot(GgmlType type, int k, bool rawBits)
    {
        RowFormat scalar = QuantTiers.Create(type, SimdLevel.Scalar);
        RowFormat q8 = RowFormats.Get(scalar.VecDotType);
        long rowBytes = TypeTraits.RowSize(type, k);
        long lda = rowBytes + Padding;
        long colBytes = TypeTraits.RowSize(q8.Type, k);
        byte* weights = (byte*)NativeMemory.AllocZeroed((nuint)(lda * MaxRows));
        byte* acts = (byte*)NativeMemory.AllocZeroed((nuint)(colBytes * MaxCols));
        byte** b = stackalloc byte*[MaxCols];
        float** d = stackalloc float*[MaxCols];
        float[,] expected = new float[MaxRows, MaxCols];
        float[][] outputs = new float[MaxCols][];
        GCHandle[] pins = new GCHandle[MaxCols];
        try
        {
            var rng = new Random(k + (int)type + (rawBits ? 1000 : 0));
            for (int r = 0; r < MaxRows; r++)
            {
                FillWeights(scalar, weights + (r * lda), k, rng, rawBits);
            }
            for (int c = 0; c < MaxCols; c++)
            {
                byte[] col = QuantTestData.Quantize(q8, QuantTestData.Random(rng.Next(), k, 1 + c));
                Marshal.Copy(col, 0, (nint)(acts + (c * colBytes)), col.Length);
                b[c] = acts + (c * colBytes);
                outputs[c] = new float[RowOffset + MaxRows + 1];
                pins[c] = GCHandle.Alloc(outputs[c], GCHandleType.Pinned);
                d[c] = (float*)pins[c].AddrOfPinnedObject();
            }
            double scale = 0;
            for (int r = 0; r < MaxRows; r++)
            {
                for (int c = 0; c < MaxCols; c++)
                {
                    expected[r, c] = scalar.VecDot(k, weights + (r * lda), b[c]);
                    scale = Math.Max(scale, Math.Abs(expected[r, c]));
                }
            }
            float tolerance = (float)(1e-5 * scale) + 1e-6f;
            foreach (RowFormat tier in QuantTiers.All(type))
            {
                foreach (int rows in s_sizes)
                {
                    foreach (int cols in s_cols)
                    {
                        foreach (float[] o in outputs)
                        {
                            Array.Fill(o, Guard);
                        }
                        tier.DotTile(k, weights, lda, rows, b, cols, d, RowOffset);
                        for (int c = 0; c < MaxCols; c++)
                        {
                            for (int i = 0; i < outputs[c].Length; i++)
                            {
                                long r = i - RowOffset;
                                string at = $"{type} {QuantTiers.Level(tier)} k={k} raw={rawBits} tile {rows}x{cols} at ({r},{c})";
                                if (c < cols && r >= 0 && r < rows)
                                {
                                    Assert.True(Math.Abs(outputs[c][i] - expected[r, c]) <= tolerance, $"{at}: {outputs[c][i]} vs {expected[r, c]}");
                                }
                                else
                                {
                                    Assert.True(outputs[c][i] == Guard, $"{at}: written outside the tile");
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            foreach (GCHandle pin in pins)
            {
                if (pin.IsAllocated)
                {
                    pin.Free();
                }
            }
            NativeMemory.Free(weights);
            NativeMemory.Free(acts);
        }
    }

    /// <summary>
    /// A quantized random row, or (raw) random bits everywhere except the fp16 super-block scales, which get small
    /// finite values so that every 6-bit scale/min and every int8 scale pattern occurs.
    /// </summary>
    private static void FillWeights(RowFormat format, byte* row, int k, Random rng, bool raw)
    {
        int bytes = (int)TypeTraits.RowSize(format.Type, k);
        if (!raw)
        {
            byte[] q = QuantTestData.Quantize(format, QuantTestData.Random(rng.Next(), k, 0.5f + (float)rng.NextDouble()));
            Marshal.Copy(q, 0, (nint)row, bytes);
            return;
        }
        rng.NextBytes(new Span<byte>(row, bytes));
        long blockBytes = TypeTraits.RowSize(format.Type, 256);
        for (int blk = 0; blk < k / 256; blk++)
        {
            byte* x = row + (blk * blockBytes);
            if (format.Type == GgmlType.Q6_K)
            {
                QuantMath.StoreHalf(x + 208, SmallScale(rng));
            }
            else
            {
                QuantMath.StoreHalf(x, SmallScale(rng));
                QuantMath.StoreHalf(x + 2, SmallScale(rng));
            }
        }
    }

    private static float SmallScale(Random rng) => (float)((rng.NextDouble() * 2) - 1) * 0.01f;
}
