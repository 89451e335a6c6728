using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

/// <summary>
/// The F16 decode kernels (AVX2 and AVX-512) against a scalar double-precision reference; a kernel the machine cannot
/// run is skipped.
/// </summary>
public unsafe class HalfGemvTests
{
    public static TheoryData<string> Kernels => ["avx2", "avx512"];

    public static TheoryData<string, int> KernelsAndLengths()
    {
        var data = new TheoryData<string, int>();
        foreach (string kernel in Kernels)
        {
            foreach (int k in new[] { 1, 15, 16, 17, 31, 32, 33, 64, 100, 257, 2053, 4096, 4127, 8192 + 96 + 5 })
            {
                data.Add(kernel, k);
            }
        }
        return data;
    }

    public static TheoryData<string, int, int> KernelsAndSpecials()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string kernel in Kernels)
        {
            data.Add(kernel, 0x7C00, 3);
            data.Add(kernel, 0xFC00, 20);
            data.Add(kernel, 0x7E01, 7);
            data.Add(kernel, 0xFFFF, 40);
            data.Add(kernel, 0x7C00, 47);
            data.Add(kernel, 0xFC00, 4100);
            data.Add(kernel, 0x7C01, 4127);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryPattern_IsWidenedExactly(string kernel)
    {
        if (!IsSupported(kernel))
        {
            return;
        }
        // Row r holds the 32 patterns 32r..32r+31 (one vector step of either kernel); a one-hot column picks element p of every row.
        const int K = 32;
        const int Rows = 65536 / K;
        ushort[] weights = new ushort[65536];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (ushort)i;
        }
        float[] x = new float[K];
        float[] got = new float[Rows];
        for (int p = 0; p < K; p++)
        {
            Array.Clear(x);
            x[p] = 1f;
            Run(kernel, K, weights, Rows, x, got);
            for (int r = 0; r < Rows; r++)
            {
                float expected = Reference(K, weights, r, x);
                Assert.True(Same(expected, got[r]), $"pattern 0x{(K * r) + p:x4}: expected {expected}, got {got[r]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelsAndLengths))]
    public void RandomRows_MatchTheReference(string kernel, int k)
    {
        if (!IsSupported(kernel))
        {
            return;
        }
        var rng = new Random(k);
        foreach (int rows in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 13 })
        {
            ushort[] weights = RandomHalves(rng, k * rows);
            float[] x = [.. Enumerable.Range(0, k).Select(_ => (float)((rng.NextDouble() * 4) - 2))];
            float[] got = new float[rows];
            Run(kernel, k, weights, rows, x, got);
            for (int r = 0; r < rows; r++)
            {
                double magnitude = Enumerable.Range(0, k).Sum(i => Math.Abs((double)Fp16.ToSingle(weights[(r * k) + i]) * x[i]));
                Assert.InRange(Math.Abs(got[r] - Reference(k, weights, r, x)), 0, (1e-6 * magnitude) + 1e-30);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelsAndSpecials))]
    public void InfOrNaNWeights_TakeTheExactPath(string kernel, int special, int position)
    {
        if (!IsSupported(kernel))
        {
            return;
        }
        int K = position < 48 ? 48 : 4133;
        var rng = new Random(special + position);
        for (int rows = 1; rows <= 9; rows++)
        {
            for (int row = 0; row < rows; row++)
            {
                ushort[] weights = RandomHalves(rng, K * rows);
                weights[(row * K) + position] = (ushort)special;
                float[] x = [.. Enumerable.Range(0, K).Select(i => i == 5 ? 0f : (float)((rng.NextDouble() * 4) - 2))];
                float[] got = new float[rows];
                Run(kernel, K, weights, rows, x, got);
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

    private static bool IsSupported(string kernel) => kernel == "avx2" ? HalfGemv.IsSupported : HalfGemvAvx512.IsSupported;

    private static void Run(string kernel, int k, ushort[] weights, int rows, float[] x, float[] dst)
    {
        fixed (ushort* a = weights)
        fixed (float* px = x)
        fixed (float* pd = dst)
        {
            if (kernel == "avx2")
            {
                HalfGemv.Run(k, (byte*)a, k * sizeof(ushort), rows, px, pd);
            }
            else
            {
                HalfGemvAvx512.Run(k, (byte*)a, k * sizeof(ushort), rows, px, pd);
            }
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
