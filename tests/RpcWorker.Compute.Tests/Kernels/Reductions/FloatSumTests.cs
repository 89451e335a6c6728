using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Tests.Kernels.Reductions;

public unsafe class FloatSumTests
{
    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (SimdLevel level in SimdSupport.AvailableLevels())
        {
            data.Add(level);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Sum_MatchesSequentialDouble_ForEveryLength(SimdLevel level)
    {
        var rng = new Random(7);
        for (int n = 0; n <= 257; n++)
        {
            float[] x = RandomRow(rng, n);
            double expected = 0, expectedSquares = 0;
            foreach (float v in x)
            {
                expected += v;
                expectedSquares += v * v;
            }
            fixed (float* p = x)
            {
                Assert.Equal(expected, FloatSum.Sum(p, n, level), 1e-12);
                Assert.Equal(expectedSquares, FloatSum.SumOfSquares(p, n, level), 1e-12);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void SumOfSquares_RoundsEachSquareToFloatFirst(SimdLevel level)
    {
        float v = 1.0000001f;
        float[] x = Enumerable.Repeat(v, 37).ToArray();
        float square = v * v;
        fixed (float* p = x)
        {
            Assert.Equal(37.0 * square, FloatSum.SumOfSquares(p, x.Length, level), 1e-12);
        }
    }

    private static float[] RandomRow(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(rng.NextDouble() * 4 - 2);
        }
        return x;
    }
}
