namespace RpcWorker.Compute.Tests.Kernels.Attention;

/// <summary>
/// The SIMD levels the attention tests force. Every level runs, also above the machine's hardware tier: the portable
/// Vector256/Vector512 APIs then execute in software, so the logic of every path is checked on any machine.
/// </summary>
internal static class AttentionLevels
{
    public static SimdLevel[] All { get; } = Enum.GetValues<SimdLevel>();
}
