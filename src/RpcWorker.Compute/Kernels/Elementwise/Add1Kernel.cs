using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// ADD1 (ops.cpp <c>ggml_compute_forward_add1</c>): adds the scalar src1 to every element of src0. F32+F32, F16+F16/F32,
/// BF16+BF16/F32 keep src0's type; a quantized src0 (with F32 src1) is dequantized, added to and requantized row by row.
/// </summary>
internal sealed unsafe class Add1Kernel : IOpKernel
{
    private const int CacheLineFloats = 16;

    public string? Validate(Tensor node)
    {
        Tensor? a = node.Src[0];
        Tensor? b = node.Src[1];
        if (a is null || b is null)
        {
            return "missing source";
        }
        if (b.Ne[0] != 1 || b.Ne[1] != 1 || b.Ne[2] != 1 || b.Ne[3] != 1)
        {
            return "src1 must be a scalar";
        }
        if (!Rows.SameShape(a, node) || node.Type != a.Type)
        {
            return "dst must match src0";
        }
        if (a.Info.IsQuantized)
        {
            if (b.Type != GgmlType.F32 || RowFormats.Find(a.Type) is not { CanFromFloat: true })
            {
                return $"cannot add to {a.Info.Name}";
            }
            if (a.Nb[0] != a.Info.TypeSize || node.Nb[0] > node.Nb[1] || node.Nb[1] > node.Nb[2] || node.Nb[2] > node.Nb[3])
            {
                return "src0 rows must be contiguous and dst not permuted";
            }
            return a.Ne[0] % a.Info.BlockSize == 0 && Rows.RowFits(a) ? null : "bad row length";
        }
        bool typesOk = a.Type switch
        {
            GgmlType.F32 => b.Type == GgmlType.F32,
            GgmlType.F16 => b.Type is GgmlType.F16 or GgmlType.F32,
            GgmlType.BF16 => b.Type is GgmlType.BF16 or GgmlType.F32,
            _ => false,
        };
        if (!typesOk)
        {
            return $"types {a.Info.Name}, {b.Info.Name} not supported";
        }
        if (!Rows.PackedRows(a) || !Rows.PackedRows(node))
        {
            return "rows must be contiguous";
        }
        return Rows.RowFits(a) ? null : "row too long";
    }

    public long GetWorkSize(Tensor node, int threads) =>
        node.Src[0] is { Info.IsQuantized: true } a ? (a.Ne[0] + CacheLineFloats) * sizeof(float) * threads : 0;

    [SkipLocalsInit]
    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        float v = RowConvert.LoadOne(b.Type, b.DataPtr);
        int n = (int)a.Ne[0];
        Rows.ThreadRange(p, a.NRows, out long r0, out long r1);
        if (a.Info.IsQuantized)
        {
            ComputeQuantized(p, node, a, v, r0, r1);
            return;
        }
        float* buf = stackalloc float[RowConvert.Chunk];
        int ts = a.Info.TypeSize;
        for (long ir = r0; ir < r1; ir++)
        {
            byte* x = Rows.Row(a, ir);
            byte* z = Rows.Row(node, ir);
            if (a.Type == GgmlType.F32)
            {
                TensorPrimitives.Add(new ReadOnlySpan<float>(x, n), v, new Span<float>(z, n));
                continue;
            }
            for (int i0 = 0; i0 < n; i0 += RowConvert.Chunk)
            {
                int len = Math.Min(RowConvert.Chunk, n - i0);
                RowConvert.Load(a.Type, x + (long)i0 * ts, ts, buf, len);
                var s = new Span<float>(buf, len);
                TensorPrimitives.Add(s, v, s);
                RowConvert.Store(a.Type, buf, z + (long)i0 * ts, ts, len);
            }
        }
    }

    /// <summary>
    /// ggml's <c>add1_q_f32</c>. It addresses the destination row as <c>i1·nb1 + i2·nb2 + i3·nb0</c> (nb0, not nb3); that
    /// addressing is reproduced, since ggml-cpu defines the result (it stays inside the validated, unpermuted destination).
    /// </summary>
    private static void ComputeQuantized(in ComputeParams p, Tensor node, Tensor a, float v, long r0, long r1)
    {
        RowFormat format = RowFormats.Get(a.Type);
        long n = a.Ne[0];
        float* w = (float*)p.WData + (n + CacheLineFloats) * p.Ith;
        long ne1 = node.Ne[1];
        long ne2 = node.Ne[2];
        for (long ir = r0; ir < r1; ir++)
        {
            long i1 = ir % ne1;
            long rest = ir / ne1;
            long i2 = rest % ne2;
            long i3 = rest / ne2;
            format.ToFloat(Rows.Row(a, ir), w, n);
            var ws = new Span<float>(w, (int)n);
            TensorPrimitives.Add(ws, v, ws);
            format.FromFloat(w, node.DataPtr + i1 * node.Nb[1] + i2 * node.Nb[2] + i3 * node.Nb[0], n);
        }
    }
}
