namespace RpcWorker.Compute.Tests.Kernels.Attention;

/// <summary>Comparisons of kernel output with double-precision references.</summary>
internal static class AttentionAssert
{
    /// <summary>Element-wise |actual − expected| ≤ abs + rel·|expected|; NaN must match NaN.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double abs, double rel, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i];
            double a = actual[i];
            if (double.IsNaN(e))
            {
                Assert.True(double.IsNaN(a), $"{what}: [{i}] expected NaN, got {a}");
                continue;
            }
            Assert.True(Math.Abs(a - e) <= abs + rel * Math.Abs(e), $"{what}: [{i}] expected {e}, got {a}");
        }
    }

    /// <summary>Normalized mean squared error (test-backend-ops' measure).</summary>
    public static double Nmse(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = actual[i] - expected[i];
            err += d * d;
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? err : err / norm;
    }
}
