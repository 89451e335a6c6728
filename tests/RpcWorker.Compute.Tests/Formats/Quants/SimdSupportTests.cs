using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

public class SimdSupportTests
{
    [Theory]
    [InlineData("scalar", SimdLevel.Avx512, SimdLevel.Scalar)]
    [InlineData("v128", SimdLevel.Avx512, SimdLevel.Vector128)]
    [InlineData("AVX2", SimdLevel.Avx512, SimdLevel.Avx2)]
    [InlineData("avx512", SimdLevel.Avx2, SimdLevel.Avx2)]
    [InlineData("bogus", SimdLevel.Avx2, SimdLevel.Avx2)]
    [InlineData(null, SimdLevel.Vector128, SimdLevel.Vector128)]
    public void Select_ForcesOnlyLowerTiers(string? forced, SimdLevel hardware, SimdLevel expected)
    {
        Assert.Equal(expected, SimdSupport.Select(forced, hardware));
    }

    [Fact]
    public void Selected_NeverAboveHardware()
    {
        Assert.True(SimdSupport.Selected <= SimdSupport.Hardware);
        Assert.True(SimdSupport.IsSupported(SimdSupport.Selected));
    }
}
