using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>Which <see cref="SimdLevel"/>s this machine runs.</summary>
internal static class SimdLevels
{
    /// <summary>The widest accelerated level (honours <c>DOTNET_EnableAVX512F=0</c> and friends).</summary>
    public static SimdLevel Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
        : Vector256.IsHardwareAccelerated ? SimdLevel.Vector256
        : Vector128.IsHardwareAccelerated ? SimdLevel.Vector128
        : SimdLevel.Scalar;

    /// <summary>Every level from scalar up to <see cref="Best"/>.</summary>
    public static IEnumerable<SimdLevel> Supported()
    {
        for (SimdLevel level = SimdLevel.Scalar; level <= Best; level++)
        {
            yield return level;
        }
    }
}
