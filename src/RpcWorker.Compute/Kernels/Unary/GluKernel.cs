using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Elementwise;

namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>
/// GGML_OP_GLU (ops.cpp <c>ggml_compute_forward_*glu</c>). Fused form (src1 null): each source row holds the activation
/// input and the gate as halves, op_params[1] = swapped puts the activation input in the second half. Split form: src0
/// is the activation input, src1 the gate, both the same shape. Rows are split between threads.
/// </summary>
internal sealed unsafe class GluKernel<TOp> : IOpKernel
    where TOp : struct, IGluOperator<TOp>
{
    public string? Validate(Tensor node)
    {
        Tensor? a = node.Src[0];
        Tensor? b = node.Src[1];
        if (a is null)
        {
            return "missing source";
        }
        bool typeOk = TOp.F32Only ? a.Type == GgmlType.F32 : a.Type is GgmlType.F32 or GgmlType.F16;
        if (!typeOk || node.Type != a.Type)
        {
            return $"types {a.Info.Name} -> {node.Info.Name} not supported";
        }
        if (!a.IsContiguous1 || !node.IsContiguous1)
        {
            return "source and destination must be contiguous above dimension 1";
        }
        long nc = a.Ne[0];
        if (b is not null)
        {
            if (b.Type != a.Type || !Rows.SameShape(a, b) || !b.IsContiguous1)
            {
                return "gate must match the source's type and shape and be contiguous";
            }
        }
        else
        {
            nc /= 2;
        }
        if (node.Ne[0] != nc || node.Ne[1] != a.Ne[1] || node.Ne[2] != a.Ne[2] || node.Ne[3] != a.Ne[3])
        {
            return "destination shape does not match the source";
        }
        return Rows.RowFits(a) ? null : "row too long";
    }

    [SkipLocalsInit]
    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor? b = node.Src[1];
        TOp op = TOp.Create(node);
        int nc = (int)node.Ne[0];
        bool swapped = node.Params[1] != 0;
        int ts = a.Info.TypeSize;
        Rows.ThreadRange(p, a.NRows, out long r0, out long r1);
        float* bx = stackalloc float[RowConvert.Chunk];
        float* bg = stackalloc float[RowConvert.Chunk];
        for (long ir = r0; ir < r1; ir++)
        {
            byte* x = Rows.Row(a, ir);
            byte* g;
            if (b is null)
            {
                g = x;
                if (swapped)
                {
                    x += (long)nc * ts;
                }
                else
                {
                    g += (long)nc * ts;
                }
            }
            else
            {
                g = Rows.Row(b, ir);
            }
            byte* y = Rows.Row(node, ir);
            if (a.Type == GgmlType.F32)
            {
                op.ApplyF32((float*)x, (float*)g, (float*)y, nc);
            }
            else if (TOp.HalfTable is { } table)
            {
                HalfTableRow(table, (ushort*)x, (ushort*)g, (ushort*)y, nc);
            }
            else
            {
                for (int i0 = 0; i0 < nc; i0 += RowConvert.Chunk)
                {
                    int len = Math.Min(RowConvert.Chunk, nc - i0);
                    Fp16.ToSingle((ushort*)x + i0, bx, len);
                    Fp16.ToSingle((ushort*)g + i0, bg, len);
                    for (int i = 0; i < len; i++)
                    {
                        bx[i] = op.Invoke(bx[i], bg[i]);
                    }
                    Fp16.FromSingle(bx, (ushort*)y + i0, len);
                }
            }
        }
    }

    /// <summary>ggml's F16 GEGLU/GEGLU_QUICK: fp16(f32(table[x]) · g), no clamping.</summary>
    [SkipLocalsInit]
    private static void HalfTableRow(ushort[] table, ushort* x, ushort* g, ushort* y, int n)
    {
        float* buf = stackalloc float[RowConvert.Chunk];
        fixed (ushort* t = table)
        {
            for (int i0 = 0; i0 < n; i0 += RowConvert.Chunk)
            {
                int len = Math.Min(RowConvert.Chunk, n - i0);
                for (int i = 0; i < len; i++)
                {
                    buf[i] = Fp16.ToSingle(t[x[i0 + i]]) * Fp16.ToSingle(g[i0 + i]);
                }
                Fp16.FromSingle(buf, y + i0, len);
            }
        }
    }
}
