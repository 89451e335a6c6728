using System.Runtime.Intrinsics.X86;
using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// The AVX2 Q8_K activation quantizer against the scalar <c>quantize_row_q8_K_ref</c> port, byte for byte: random rows
/// at several magnitudes and the edge cases of the max search and the rounding (ties of magnitude with opposite signs,
/// all-zero blocks, NaN, infinities, subnormals, exact halves).
/// </summary>
public unsafe class Q8_KFormatTests
{
    public static TheoryData<string> Cases => new() { "random", "tiny", "huge", "ties", "zero", "nan", "inf", "subnormal", "halves" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromFloatAvx2_EdgeCasesAndRandomRows_MatchesScalarBytes(string kind)
    {
        if (!Avx2.IsSupported)
        {
            return;
        }
        const int Blocks = 5;
        const int N = Blocks * Q8_KFormat.BlockSize;
        var rng = new Random(kind.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        float[] x = new float[N];
        for (int t = 0; t < 20; t++)
        {
            Fill(kind, x, rng);
            byte[] expected = new byte[Blocks * Q8_KFormat.BlockBytes];
            byte[] actual = new byte[expected.Length];
            Array.Fill(actual, (byte)0xCD);
            fixed (float* src = x)
            fixed (byte* e = expected)
            fixed (byte* a = actual)
            {
                Q8_KFormat.FromFloatScalar(src, e, N);
                Q8_KFormat.FromFloatAvx2(src, a, N);
            }
            Assert.Equal(expected, actual);
        }
    }

    private static void Fill(string kind, float[] x, Random rng)
    {
        float magnitude = kind switch
        {
            "tiny" => 1e-30f,
            "huge" => 1e30f,
            "subnormal" => 1e-40f,
            _ => 1f + (10f * (float)rng.NextDouble()),
        };
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1) * magnitude;
        }
        for (int b = 0; b < x.Length / Q8_KFormat.BlockSize; b++)
        {
            Span<float> block = x.AsSpan(b * Q8_KFormat.BlockSize, Q8_KFormat.BlockSize);
            int p = rng.Next(Q8_KFormat.BlockSize);
            int r = rng.Next(Q8_KFormat.BlockSize);
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
                    // iscale = -127/max = -1 for max = 127: x + 0.5 products sit exactly halfway between integers.
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
