using RpcWorker.Compute.Kernels.Norms;

namespace RpcWorker.Compute.Tests.Kernels.Norms;

public unsafe class NormMathTests
{
    [Fact]
    public void CenteredVariance_EveryTierGivesTheSameBits()
    {
        var rng = new Random(21);
        for (int n = 1; n <= 130; n++)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)(rng.NextDouble() * 10 - 3);
            }
            float mean = x.Average();
            double reference = Emulated(x, mean, out float[] yRef);
            double exact = x.Select(v => (double)(v - mean) * (v - mean)).Sum() / n;
            Assert.Equal(exact, reference, 1e-5);
            foreach (SimdLevel level in SimdSupport.AvailableLevels())
            {
                var y = new float[n];
                fixed (float* px = x, py = y)
                {
                    double v = NormMath.CenteredVariance(py, px, n, mean, level);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(reference), BitConverter.DoubleToInt64Bits(v));
                }
                Assert.Equal(yRef, y);
            }
        }
    }

    /// <summary>ggml_vec_cvar_f32 as compiled for AVX-512: per 16 elements a float tree (j, j+8), (j, j+4), (0+2)+(1+3).</summary>
    private static double Emulated(float[] x, float mean, out float[] y)
    {
        int n = x.Length;
        y = new float[n];
        double sum = 0;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var s = new float[16];
            for (int j = 0; j < 16; j++)
            {
                y[i + j] = x[i + j] - mean;
                s[j] = y[i + j] * y[i + j];
            }
            var t8 = new float[8];
            for (int j = 0; j < 8; j++)
            {
                t8[j] = s[j + 8] + s[j];
            }
            var t4 = new float[4];
            for (int j = 0; j < 4; j++)
            {
                t4[j] = t8[j + 4] + t8[j];
            }
            sum += (t4[0] + t4[2]) + (t4[1] + t4[3]);
        }
        for (; i < n; i++)
        {
            y[i] = x[i] - mean;
            sum += y[i] * y[i];
        }
        return sum / n;
    }
}
