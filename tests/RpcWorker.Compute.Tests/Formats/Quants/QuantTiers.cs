using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>Builds a format at each SIMD tier this machine can run.</summary>
internal static class QuantTiers
{
    private static readonly SimdLevel[] s_levels = [SimdLevel.Scalar, SimdLevel.Vector128, SimdLevel.Avx2, SimdLevel.Avx512];

    public static RowFormat Create(GgmlType type, SimdLevel level) => type switch
    {
        GgmlType.Q4_0 => new Q4_0Format(level),
        GgmlType.Q4_1 => new Q4_1Format(level),
        GgmlType.Q5_0 => new Q5_0Format(level),
        GgmlType.Q5_1 => new Q5_1Format(level),
        GgmlType.Q8_0 => new Q8_0Format(level),
        GgmlType.Q2_K => new Q2_KFormat(level),
        GgmlType.Q3_K => new Q3_KFormat(level),
        GgmlType.Q4_K => new Q4_KFormat(level),
        GgmlType.Q5_K => new Q5_KFormat(level),
        GgmlType.Q6_K => new Q6_KFormat(level),
        GgmlType.TQ2_0 => new Tq2_0Format(level),
        GgmlType.MXFP4 => new Mxfp4Format(level),
        _ => RowFormats.Get(type),
    };

    /// <summary>
    /// The format at every tier the hardware supports. The AVX-512 kernels also run on AVX2-only machines: SimdOps
    /// executes their byte-level AVX-512 BW operations as two AVX2 halves there, so their logic is tested everywhere.
    /// </summary>
    public static IEnumerable<RowFormat> All(GgmlType type) =>
        s_levels.Where(Runnable).Select(level => Create(type, level));

    private static bool Runnable(SimdLevel level) =>
        SimdSupport.IsAvailable(level) || (level == SimdLevel.Avx512 && SimdSupport.IsAvailable(SimdLevel.Avx2));

    public static string Level(RowFormat format) => format.GetType().GetProperty("Simd")?.GetValue(format)?.ToString() ?? "scalar";
}
