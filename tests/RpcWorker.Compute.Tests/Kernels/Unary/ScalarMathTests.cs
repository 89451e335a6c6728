using RpcWorker.Compute.Kernels.Unary;

namespace RpcWorker.Compute.Tests.Kernels.Unary;

public class ScalarMathTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(1.5, 0.9661051464753108)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.4, 0.9993114861033550)]
    [InlineData(2.6, 0.9997639655834706)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(5.0, 0.9999999999984626)]
    [InlineData(-0.75, -0.7111556336535151)]
    [InlineData(-2.8, -0.9999249868053346)]
    public void Erf_MatchesTabulatedValuesRoundedToFloat(double x, double erf)
    {
        Assert.Equal((float)erf, ScalarMath.Erf((float)x));
    }

    [Fact]
    public void Erf_SpecialValues()
    {
        Assert.Equal(1f, ScalarMath.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, ScalarMath.Erf(float.NegativeInfinity));
        Assert.True(float.IsNaN(ScalarMath.Erf(float.NaN)));
        Assert.Equal((float)(1e-20f * 1.1283791670955126), ScalarMath.Erf(1e-20f));
    }

    [Theory]
    [InlineData(1e-10)]
    [InlineData(-3e-5)]
    [InlineData(0.3)]
    [InlineData(-0.49)]
    [InlineData(2.0)]
    [InlineData(-20.0)]
    public void Expm1_IsAccurateNearZeroAndBeyond(double value)
    {
        double x = (float)value;
        double expected = Math.Abs(x) < 1e-3 ? x + x * x / 2 + x * x * x / 6 : Math.Exp(x) - 1;
        Assert.Equal((float)expected, ScalarMath.Expm1((float)value));
    }

    [Fact]
    public void Expm1_SpecialValues()
    {
        Assert.Equal(-1f, ScalarMath.Expm1(float.NegativeInfinity));
        Assert.Equal(float.PositiveInfinity, ScalarMath.Expm1(100f));
        Assert.True(float.IsNaN(ScalarMath.Expm1(float.NaN)));
    }
}
