using RpcWorker.Compute.Kernels.Unary;
using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Unary;

public unsafe class GgmlVecMathTests
{
    public static TheoryData<SimdLevel> Levels() => new(SimdSupport.AvailableLevels());

    private static float[] Inputs()
    {
        var rng = new Random(42);
        var list = new List<float> { 0f, -0f, 1f, -1f, 88f, 88.7f, 89f, 100f, 150f, -87f, -100f, -104f, -110f, -150f, 1e-8f, -1e-8f,
            float.PositiveInfinity, float.NegativeInfinity };
        for (int i = 0; i < 2000; i++)
        {
            list.Add((float)(rng.NextDouble() * 300 - 150));
        }
        for (int i = 0; i < 200; i++)
        {
            list.Add((float)(rng.NextDouble() * 4 - 2));
        }
        return [.. list];
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Silu_EveryTier_IsWithinFourUlpsOfLibm(SimdLevel level)
    {
        float[] x = Inputs();
        var y = new float[x.Length];
        fixed (float* px = x, py = y)
        {
            GgmlVecMath.Silu(px, py, x.Length, level);
        }
        for (int i = 0; i < x.Length; i++)
        {
            AssertUlps(x[i] / (1f + MathF.Exp(-x[i])), y[i], 4, $"silu({x[i]:R}) at {level}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Swiglu_EveryTier_IsSiluTimesGate(SimdLevel level)
    {
        float[] x = Inputs();
        var g = new float[x.Length];
        var rng = new Random(1);
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = (float)(rng.NextDouble() * 4 - 2);
        }
        var silu = new float[x.Length];
        var y = new float[x.Length];
        fixed (float* px = x, pg = g, ps = silu, py = y)
        {
            GgmlVecMath.Silu(px, ps, x.Length, level);
            GgmlVecMath.Swiglu(px, pg, py, x.Length, level);
        }
        for (int i = 0; i < x.Length; i++)
        {
            AssertSame(silu[i] * g[i], y[i], $"swiglu({x[i]:R}) at {level}", signedZero: true);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Silu_TailElements_UseScalarFormula(SimdLevel level)
    {
        float[] x = [0.3f, -2.5f, 7.25f];
        var y = new float[3];
        fixed (float* px = x, py = y)
        {
            GgmlVecMath.Silu(px, py, 3, level);
        }
        for (int i = 0; i < 3; i++)
        {
            AssertSame(x[i] / (1f + MathF.Exp(-x[i])), y[i], $"element {i}", signedZero: true);
        }
    }
}
