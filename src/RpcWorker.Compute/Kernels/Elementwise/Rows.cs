using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>Row arithmetic shared by the element-wise kernels.</summary>
internal static unsafe class Rows
{
    /// <summary>ggml's static split: rows [<paramref name="r0"/>, <paramref name="r1"/>) of <paramref name="nr"/> for this thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThreadRange(in ComputeParams p, long nr, out long r0, out long r1)
    {
        long dr = (nr + p.Nth - 1) / p.Nth;
        r0 = Math.Min(dr * p.Ith, nr);
        r1 = Math.Min(r0 + dr, nr);
    }

    /// <summary>Address of the <paramref name="ir"/>-th row of <paramref name="t"/> (rows ordered i1 fastest, then i2, i3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Row(Tensor t, long ir)
    {
        long ne1 = t.Ne[1];
        long ne2 = t.Ne[2];
        long i1 = ir % ne1;
        long rest = ir / ne1;
        long i2 = rest % ne2;
        long i3 = rest / ne2;
        return t.DataPtr + i1 * t.Nb[1] + i2 * t.Nb[2] + i3 * t.Nb[3];
    }

    /// <summary>True when every dimension of the two tensors matches.</summary>
    public static bool SameShape(Tensor a, Tensor b) => TensorLayout.SameShape(a, b);

    /// <summary>True when each row of <paramref name="t"/> is packed (<c>nb[0]</c> equals the element size, or one element per row).</summary>
    public static bool PackedRows(Tensor t) => t.Ne[0] == 1 || t.Nb[0] == t.Info.TypeSize;

    /// <summary>True when the row length fits the kernels' int element counts.</summary>
    public static bool RowFits(Tensor t) => t.Ne[0] <= int.MaxValue;
}
