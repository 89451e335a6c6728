using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Picks the kernel tier once at start: the best the CPU supports, lowered by the environment variable
/// <c>RPCWORKER_SIMD</c> (<c>scalar</c>, <c>v128</c>, <c>avx2</c>, <c>avx512</c>); a request above the hardware is ignored.
/// </summary>
public static class SimdSupport
{
    public const string EnvironmentVariable = "RPCWORKER_SIMD";

    /// <summary>The best tier this machine runs.</summary>
    public static SimdLevel Hardware { get; } = DetectHardware();

    /// <summary>The tier the registered formats use.</summary>
    public static SimdLevel Selected { get; } = Select(Environment.GetEnvironmentVariable(EnvironmentVariable), Hardware);

    /// <summary>True when this machine can run <paramref name="level"/>.</summary>
    public static bool IsSupported(SimdLevel level) => level <= Hardware;

    /// <summary>Lowers <paramref name="hardware"/> to the forced tier named by <paramref name="forced"/> (unknown names are ignored).</summary>
    public static SimdLevel Select(string? forced, SimdLevel hardware)
    {
        SimdLevel? wanted = forced?.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdLevel.Scalar,
            "v128" or "vector128" => SimdLevel.Vector128,
            "avx2" => SimdLevel.Avx2,
            "avx512" => SimdLevel.Avx512,
            _ => null,
        };
        return wanted is { } w && w < hardware ? w : hardware;
    }

    private static SimdLevel DetectHardware()
    {
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512F.VL.IsSupported && Avx2.IsSupported && Fma.IsSupported)
        {
            return SimdLevel.Avx512;
        }
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            return SimdLevel.Avx2;
        }
        return Vector128.IsHardwareAccelerated ? SimdLevel.Vector128 : SimdLevel.Scalar;
    }
}
