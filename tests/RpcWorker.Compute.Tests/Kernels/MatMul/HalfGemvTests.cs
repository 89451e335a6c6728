using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

/// <summary>The AVX2 F16 decode kernel against a scalar double-precision reference (machines without AVX2 never run it).</summary>
public unsafe class HalfGemvTests
{
    [Fact]
    public void EveryPattern_IsWidenedExactly()
    {
        if (!HalfGemv.IsSupported)
        {
            return;
        }
        // Row r holds the 16 patterns 16r..16r+15; a one-hot column picks element p of every row.
        const int Rows = 65536 / 16;
        ushort[] weights = new ushort[65536];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (ushort)i;
        }
        float[] x = new float[16];
        float[] got = new float[Rows];
        for (int p = 0; p < 16; p++)
        {
            Array.Clear(x);
            x[p] = 1f;
            Run(16, weights, Rows, x, got);
            for (int r = 0; r < Rows; r++)
            {
                float expected = Reference(16, weights, r, x);
                Assert.True(Same(expected, got[r]), $"pattern 0x{(16 * r) + p:x4}: expected {expected}, got {got[r]}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(257)]
    [InlineData(2053)]
    public void RandomRows_MatchTheReference(int k)
    {
        if (!HalfGemv.IsSupported)
        {
            return;
        }
        var rng = new Random(k);
        foreach (int rows in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 13 })
        {
            ushort[] weights = RandomHalves(rng, k * rows);
            float[] x = [.. Enumerable.Range(0, k).Select(_ => (float)((rng.NextDouble() * 4) - 2))];
            float[] got = new float[rows];
            Run(k, weights, rows, x, got);
            for (int r = 0; r < rows; r++)
            {
                double magnitude = Enumerable.Range(0, k).Sum(i => Math.Abs((double)Fp16.ToSingle(weights[(r * k) + i]) * x[i]));
                Assert.InRange(Math.Abs(got[r] - Reference(k, weights, r, x)), 0, (1e-6 * magnitude) + 1e-30);
            }
        }
    }

    [Theory]
    [InlineData(0x7C00, 3)]
    [InlineData(0xFC00, 20)]
    [InlineData(0x7E01, 7)]
    [InlineData(0xFFFF, 40)]
    [InlineData(0x7C00, 47)]
    public void InfOrNaNWeights_TakeTheExactPath(int special, int position)
    {
        if (!HalfGemv.IsSupported)
        {
            return;
        }
        const int K = 48;
        var rng = new Random(special + position);
        for (int rows = 1; rows <= 9; rows++)
        {
            for (int row = 0; row < rows; row++)
            {
                ushort[] weights = RandomHalves(rng, K * rows);
                weights[(row * K) + position] = (ushort)special;
                float[] x = [.. Enumerable.Range(0, K).Select(i => i == 5 ? 0f : (float)((rng.NextDouble() * 4) - 2))];
                float[] got = new float[rows];
                Run(K, weights, rows, x, got);
                for (int r = 0; r < rows; r++)
                {
                    float expected = Reference(K, weights, r, x);
                    if (float.IsFinite(expected))
                    {
                        Assert.InRange(Math.Abs(got[r] - expected), 0, 1e-4 * (1 + Math.Abs(expected)));
                    }
                    else
                    {
                        Assert.True(Same(expected, got[r]), $"row {r}: expected {expected}, got {got[r]}");
                    }
                }
            }
        }
    }

    private static void Run(int k, ushort[] weights, int rows, float[] x, float[] dst)
    {
        fixed (ushort* a = weights)
        fixed (float* px = x)
        fixed (float* pd = dst)
        {
            HalfGemv.Run(k, (byte*)a, k * sizeof(ushort), rows, px, pd);
        }
    }

    private static float Reference(int k, ushort[] weights, int row, float[] x)
    {
        double s = 0;
        for (int i = 0; i < k; i++)
        {
            s += (double)Fp16.ToSingle(weights[(row * k) + i]) * x[i];
        }
        return (float)s;
    }

    private static bool Same(float expected, float got) =>
        float.IsNaN(expected) ? float.IsNaN(got) : expected == got;

    /// <summary>Finite halves: normal values of both signs, zeros and subnormals.</summary>
    private static ushort[] RandomHalves(Random rng, int n)
    {
        ushort[] h = new ushort[n];
        for (int i = 0; i < n; i++)
        {
            h[i] = (rng.Next(8)) switch
            {
                0 => (ushort)rng.Next(0x0000, 0x0400),
                1 => (ushort)rng.Next(0x8000, 0x8400),
                _ => BitConverter.HalfToUInt16Bits((Half)((rng.NextDouble() * 4) - 2)),
            };
        }
        return h;
    }
}
