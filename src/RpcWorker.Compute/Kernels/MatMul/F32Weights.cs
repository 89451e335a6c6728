using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>F32 weight rows.</summary>
internal readonly unsafe struct F32Weights : IWeightFormat
{
    public static int ElementSize => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TOps, TVec>(byte* row, long i)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged => TOps.Load((float*)row + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadPair<TOps, TVec>(byte* row, long i, out TVec lo, out TVec hi)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        lo = TOps.Load((float*)row + i);
        hi = TOps.Load((float*)row + i + TOps.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar(byte* row, long i) => ((float*)row)[i];
}
