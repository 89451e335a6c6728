using System.Runtime.CompilerServices;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>BF16 weight rows, widened to float on load.</summary>
internal readonly unsafe struct Bf16Weights : IWeightFormat
{
    public static int ElementSize => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TOps, TVec>(byte* row, long i)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged => TOps.LoadBf16((ushort*)row + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadPair<TOps, TVec>(byte* row, long i, out TVec lo, out TVec hi)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        => TOps.LoadBf16Pair((ushort*)row + i, out lo, out hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar(byte* row, long i) => Bf16.ToSingle(((ushort*)row)[i]);
}
