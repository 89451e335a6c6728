using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Elementwise;

namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>
/// An element-wise unary op over rows (ggml-cpu's <c>apply_unary_op</c> and the per-op kernels in ops.cpp): rows are split
/// between threads, F32 rows run <see cref="IUnaryOperator{TSelf}.ApplyF32"/> in place, other types are converted through
/// float chunks exactly as ggml's <c>type_conversion_table</c> does.
/// </summary>
internal sealed unsafe class UnaryKernel<TOp> : IOpKernel
    where TOp : struct, IUnaryOperator<TOp>
{
    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0];
        if (src is null)
        {
            return "missing source";
        }
        if (!TypesSupported(src.Type, node.Type))
        {
            return $"types {src.Info.Name} -> {node.Info.Name} not supported";
        }
        if (!Rows.SameShape(src, node))
        {
            return "source and destination shapes differ";
        }
        if (!Rows.PackedRows(src) || !Rows.PackedRows(node))
        {
            return "rows must be contiguous";
        }
        if (TOp.NeedsContiguous1 && (!src.IsContiguous1 || !node.IsContiguous1))
        {
            return "source and destination must be contiguous above dimension 1";
        }
        return Rows.RowFits(node) ? null : "row too long";
    }

    private static bool TypesSupported(GgmlType src, GgmlType dst) => TOp.Types switch
    {
        UnaryTypes.Mixed => (src == dst && RowConvert.IsFloat(src))
            || (dst == GgmlType.F32 && src is GgmlType.F16 or GgmlType.BF16),
        _ => src == dst && src is GgmlType.F32 or GgmlType.F16,
    };

    [SkipLocalsInit]
    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        TOp op = TOp.Create(node);
        int n = (int)node.Ne[0];
        Rows.ThreadRange(p, src.NRows, out long r0, out long r1);
        GgmlType st = src.Type;
        GgmlType dt = node.Type;
        if (st == GgmlType.F32 && dt == GgmlType.F32)
        {
            for (long ir = r0; ir < r1; ir++)
            {
                op.ApplyF32((float*)Rows.Row(src, ir), (float*)Rows.Row(node, ir), n);
            }
            return;
        }
        if (st == GgmlType.F16 && dt == GgmlType.F16 && TOp.HalfTable is { } table)
        {
            fixed (ushort* t = table)
            {
                for (long ir = r0; ir < r1; ir++)
                {
                    ushort* x = (ushort*)Rows.Row(src, ir);
                    ushort* y = (ushort*)Rows.Row(node, ir);
                    for (int i = 0; i < n; i++)
                    {
                        y[i] = t[x[i]];
                    }
                }
            }
            return;
        }
        float* buf = stackalloc float[RowConvert.Chunk];
        int ss = src.Info.TypeSize;
        int ds = node.Info.TypeSize;
        for (long ir = r0; ir < r1; ir++)
        {
            byte* x = Rows.Row(src, ir);
            byte* y = Rows.Row(node, ir);
            for (int i0 = 0; i0 < n; i0 += RowConvert.Chunk)
            {
                int len = Math.Min(RowConvert.Chunk, n - i0);
                RowConvert.Load(st, x + (long)i0 * ss, ss, buf, len);
                for (int i = 0; i < len; i++)
                {
                    buf[i] = op.Invoke(buf[i]);
                }
                RowConvert.Store(dt, buf, y + (long)i0 * ds, ds, len);
            }
        }
    }
}
