using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// What ACC and SET share: op_params { nb1, nb2, nb3, offset, inplace } (int32, bytes) describe a view of dst (and src0)
/// shaped like src1; the non-inplace form first copies src0 into dst on thread 0, then all threads meet at a barrier.
/// </summary>
internal static unsafe class ViewedUpdate
{
    public static void Read(Tensor node, out long nb1, out long nb2, out long nb3, out long offset)
    {
        nb1 = node.Params[0];
        nb2 = node.Params[1];
        nb3 = node.Params[2];
        offset = node.Params[3];
    }

    public static string? Validate(Tensor node, bool accumulate)
    {
        Tensor? a = node.Src[0];
        Tensor? b = node.Src[1];
        if (a is null || b is null)
        {
            return "missing source";
        }
        bool typesOk = accumulate
            ? a.Type == GgmlType.F32 && b.Type == GgmlType.F32
            : a.Type is GgmlType.F32 or GgmlType.I32 && b.Type is GgmlType.F32 or GgmlType.I32;
        if (!typesOk || node.Type != a.Type)
        {
            return $"types {a.Info.Name}, {b.Info.Name} -> {node.Info.Name} not supported";
        }
        if (!Rows.SameShape(a, node) || !a.IsContiguous || !node.IsContiguous)
        {
            return "src0 and dst must be contiguous and of the same shape";
        }
        if (!Rows.PackedRows(b) || !Rows.RowFits(b))
        {
            return "src1 rows must be contiguous";
        }
        Read(node, out long nb1, out long nb2, out long nb3, out long offset);
        if (nb1 < 0 || nb2 < 0 || nb3 < 0 || offset < 0)
        {
            return "negative view stride or offset";
        }
        if (b.IsEmpty)
        {
            return null;
        }
        long end;
        try
        {
            end = checked(offset + (b.Ne[0] - 1) * sizeof(float) + (b.Ne[1] - 1) * nb1 + (b.Ne[2] - 1) * nb2
                + (b.Ne[3] - 1) * nb3 + sizeof(float));
        }
        catch (OverflowException)
        {
            return "view out of range";
        }
        return end <= node.NBytes && end <= a.NBytes ? null : "view exceeds the destination";
    }

    public static void CopyUnlessInplace(in ComputeParams p, Tensor node, Tensor a)
    {
        if (node.Params[4] != 0)
        {
            return;
        }
        if (p.Ith == 0 && node.Data != a.Data)
        {
            long bytes = node.NBytes;
            Buffer.MemoryCopy(a.DataPtr, node.DataPtr, bytes, bytes);
        }
        p.Barrier();
    }
}
