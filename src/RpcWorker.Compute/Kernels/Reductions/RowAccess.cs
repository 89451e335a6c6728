namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// Shape facts the reduction, norm and layout kernels check before they run, and ggml's thread split.
/// Several ggml-cpu kernels read or write a row as <c>ne0</c> packed elements from the row start, whatever <c>nb0</c> says
/// (their <c>nb0</c> check is a debug-only <c>assert</c>); they are reproduced as such only when that stays inside the tensor.
/// </summary>
internal static class RowAccess
{
    /// <summary>
    /// A row of <paramref name="t"/> may be addressed as packed elements from its start and stay inside the tensor's
    /// extent: <c>nb0</c> is at least the element (block) size, and quantized rows hold whole blocks.
    /// </summary>
    public static bool PackedRowsInside(Tensor t) =>
        t.Nb[0] >= t.Info.TypeSize && t.Ne[0] % t.Info.BlockSize == 0;

    /// <summary><c>nb0</c> equals the element size: rows are packed.</summary>
    public static bool HasPackedRows(Tensor t) => t.Nb[0] == t.Info.TypeSize && t.Ne[0] % t.Info.BlockSize == 0;

    /// <summary>
    /// Rows addressed as <c>data + r·nb1</c> for r in [0, nrows) (ggml's flat row walk, which ignores nb2/nb3), each
    /// <c>ne0</c> packed elements long, stay inside the tensor's extent.
    /// </summary>
    public static bool FlatRowsInside(Tensor t)
    {
        if (t.IsEmpty)
        {
            return true;
        }
        try
        {
            checked
            {
                long last = (t.NRows - 1) * t.Nb[1] + t.RowSize;
                return t.Nb[1] >= 0 && t.Nb[0] >= t.Info.TypeSize && last <= t.NBytes;
            }
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary><c>ne[1..3]</c> of two tensors agree.</summary>
    public static bool SameRows(Tensor a, Tensor b) => a.Ne[1] == b.Ne[1] && a.Ne[2] == b.Ne[2] && a.Ne[3] == b.Ne[3];

    /// <summary>ggml's contiguous split of <paramref name="n"/> items: thread <paramref name="ith"/> gets [start, end).</summary>
    public static (long Start, long End) ThreadRange(long n, int ith, int nth)
    {
        long per = (n + nth - 1) / nth;
        long start = Math.Min(per * ith, n);
        return (start, Math.Min(start + per, n));
    }

    /// <summary>The source of <paramref name="node"/> at <paramref name="index"/>, or null when it is missing.</summary>
    public static Tensor? Src(Tensor node, int index) => node.Src[index];
}
