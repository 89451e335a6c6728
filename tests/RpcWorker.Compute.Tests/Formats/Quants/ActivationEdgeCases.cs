using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// Rows for the activation quantizers' SIMD-against-scalar tests: random values at several magnitudes (down to where
/// 127/max overflows to infinity) and per block the edge cases of the max search and the rounding: ties of magnitude
/// with opposite signs, all-zero blocks, NaN, infinities, subnormals, exact halves.
/// </summary>
internal static unsafe class ActivationEdgeCases
{
    /// <summary>Twenty rows of five blocks of <paramref name="kind"/>: <paramref name="avx2"/> writes what <paramref name="scalar"/> writes (where AVX2 runs).</summary>
    public static void AssertSameBytes(string kind, int blockSize, int blockBytes,
        delegate*<float*, byte*, long, void> scalar, delegate*<float*, byte*, long, void> avx2)
    {
        if (!Avx2.IsSupported)
        {
            return;
        }
        const int Blocks = 5;
        int n = Blocks * blockSize;
        var rng = new Random(kind.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        float[] x = new float[n];
        for (int t = 0; t < 20; t++)
        {
            Fill(kind, x, rng, blockSize);
            byte[] expected = new byte[Blocks * blockBytes];
            byte[] actual = new byte[expected.Length];
            Array.Fill(actual, (byte)0xCD);
            fixed (float* src = x)
            fixed (byte* e = expected)
            fixed (byte* a = actual)
            {
                scalar(src, e, n);
                avx2(src, a, n);
            }
            Assert.Equal(expected, actual);
        }
    }

    public static TheoryData<string> Kinds => new() { "random", "tiny", "minute", "huge", "ties", "zero", "nan", "inf", "subnormal", "halves" };

    public static void Fill(string kind, float[] x, Random rng, int blockSize)
    {
        float magnitude = kind switch
        {
            "tiny" => 1e-30f,
            "minute" => 1e-37f,
            "huge" => 1e30f,
            "subnormal" => 1e-40f,
            _ => 1f + (10f * (float)rng.NextDouble()),
        };
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1) * magnitude;
        }
        for (int b = 0; b < x.Length / blockSize; b++)
        {
            Span<float> block = x.AsSpan(b * blockSize, blockSize);
            int p = rng.Next(blockSize);
            int r = rng.Next(blockSize);
            switch (kind)
            {
                case "ties":
                    block[p] = 2 * magnitude;
                    block[r] = -2 * magnitude;
                    break;
                case "zero":
                    if (b % 2 == 0)
                    {
                        block.Clear();
                        block[p] = b % 4 == 0 ? -0f : 0f;
                    }
                    break;
                case "nan":
                    block[p] = float.NaN;
                    if (b % 2 == 0)
                    {
                        block.Fill(float.NaN);
                        block[r] = 0.5f;
                    }
                    break;
                case "inf":
                    block[p] = b % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity;
                    break;
                case "halves":
                    // The scale is ±1 for max 127: x + 0.5 products sit exactly halfway between integers.
                    for (int i = 0; i < block.Length; i++)
                    {
                        block[i] = rng.Next(-126, 126) + 0.5f;
                    }
                    block[p] = -127f;
                    break;
            }
        }
    }
}
