namespace RpcWorker.Compute.Tests;

public class SimdSupportTests
{
    [Theory]
    [InlineData(SimdLevel.Avx512, "scalar", SimdLevel.Scalar)]
    [InlineData(SimdLevel.Avx512, "V128", SimdLevel.Vector128)]
    [InlineData(SimdLevel.Avx512, "avx2", SimdLevel.Avx2)]
    [InlineData(SimdLevel.Avx512, "avx512", SimdLevel.Avx512)]
    [InlineData(SimdLevel.Avx2, "avx512", SimdLevel.Avx2)]
    [InlineData(SimdLevel.Vector128, "avx2", SimdLevel.Vector128)]
    [InlineData(SimdLevel.Avx2, null, SimdLevel.Avx2)]
    [InlineData(SimdLevel.Avx2, "bogus", SimdLevel.Avx2)]
    public void Cap_Setting_NeverRaisesAboveHardware(SimdLevel hardware, string? setting, SimdLevel expected)
    {
        Assert.Equal(expected, SimdSupport.Cap(hardware, setting));
    }

    [Fact]
    public void AvailableLevels_RunFromScalarToHardware()
    {
        var levels = SimdSupport.AvailableLevels().ToList();
        Assert.Equal(SimdLevel.Scalar, levels[0]);
        Assert.Equal(SimdSupport.Hardware, levels[^1]);
        Assert.True(SimdSupport.Active <= SimdSupport.Hardware);
    }
}
