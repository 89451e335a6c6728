using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute;

/// <summary>
/// Which <see cref="SimdLevel"/> kernels may use. <see cref="Hardware"/> is what the machine (and the runtime's
/// <c>DOTNET_Enable*</c> switches) allow; <see cref="Active"/> is that, capped by the environment variable
/// <c>RPCWORKER_SIMD</c> = <c>scalar</c> | <c>v128</c> | <c>avx2</c> | <c>avx512</c>. Kernel factories pick their path
/// once from <see cref="Active"/>; tests ask for each level up to <see cref="Hardware"/> explicitly.
/// </summary>
public static class SimdSupport
{
    /// <summary>Name of the environment variable that forces a lower tier.</summary>
    public const string EnvironmentVariable = "RPCWORKER_SIMD";

    /// <summary>The highest tier this machine and runtime can run.</summary>
    public static SimdLevel Hardware { get; } = DetectHardware();

    /// <summary>The tier kernels use: <see cref="Hardware"/> capped by <c>RPCWORKER_SIMD</c>.</summary>
    public static SimdLevel Active { get; } = Cap(Hardware, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>True when <paramref name="level"/> can run here.</summary>
    public static bool IsAvailable(SimdLevel level) => level <= Hardware;

    /// <summary>Every tier that can run here, lowest first (for tests).</summary>
    public static IEnumerable<SimdLevel> AvailableLevels()
    {
        for (var level = SimdLevel.Scalar; level <= Hardware; level++)
        {
            yield return level;
        }
    }

    /// <summary>Caps <paramref name="hardware"/> by a <c>RPCWORKER_SIMD</c> value; unknown or empty values cap nothing.</summary>
    public static SimdLevel Cap(SimdLevel hardware, string? setting)
    {
        SimdLevel? requested = setting?.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdLevel.Scalar,
            "v128" or "vector128" => SimdLevel.Vector128,
            "avx2" => SimdLevel.Avx2,
            "avx512" => SimdLevel.Avx512,
            _ => null,
        };
        return requested is { } r && r < hardware ? r : hardware;
    }

    private static SimdLevel DetectHardware()
    {
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Vector512.IsHardwareAccelerated)
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
