using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// ADD, SUB, MUL, DIV (binary-ops.cpp <c>apply_binary_op</c>): <c>dst = src0 op src1</c> with src1 broadcast over src0
/// (<c>ggml_can_repeat</c>). Type triples as ggml-cpu: all F32, all F16, all BF16, BF16/F16 with F32 src1 into the
/// src0 type or F32. ADD also takes a quantized src0 of the same shape as src1 (<c>ggml_compute_forward_add_q_f32</c>):
/// each row is dequantized, the F32 row added, and the sum stored in the destination type.
/// </summary>
internal sealed unsafe class BinaryKernel<TOp> : IOpKernel
    where TOp : struct, IBinaryOperator
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
        if (TOp.AcceptsQuantized && a.Info.IsQuantized)
        {
            return ValidateQuantized(node, a, b);
        }
        if (!TypesSupported(a.Type, b.Type, node.Type))
        {
            return $"types {a.Info.Name}, {b.Info.Name} -> {node.Info.Name} not supported";
        }
        if (!TensorLayout.CanRepeat(b, a) || !Rows.SameShape(a, node))
        {
            return "src1 does not broadcast over src0, or dst shape differs";
        }
        if (!Rows.PackedRows(a) || !Rows.PackedRows(node))
        {
            return "src0 and dst rows must be contiguous";
        }
        return Rows.RowFits(node) ? null : "row too long";
    }

    private static bool TypesSupported(GgmlType a, GgmlType b, GgmlType d) =>
        (a == b && b == d && RowConvert.IsFloat(a))
        || (a is GgmlType.F16 or GgmlType.BF16 && b == GgmlType.F32 && (d == a || d == GgmlType.F32));

    private static string? ValidateQuantized(Tensor node, Tensor a, Tensor b)
    {
        if (RowFormats.Find(a.Type) is null)
        {
            return $"no row format for {a.Info.Name}";
        }
        if (b.Type != GgmlType.F32 || !Rows.SameShape(a, b) || !Rows.SameShape(a, node))
        {
            return "quantized add needs an F32 src1 and dst of the same shape";
        }
        if (node.Type != GgmlType.F32 && RowFormats.Find(node.Type) is not { CanFromFloat: true })
        {
            return $"cannot store {node.Info.Name}";
        }
        if (a.Nb[0] != a.Info.TypeSize || !Rows.PackedRows(b) || !Rows.PackedRows(node))
        {
            return "rows must be contiguous";
        }
        if (node.Nb[0] > node.Nb[1] || node.Nb[1] > node.Nb[2] || node.Nb[2] > node.Nb[3])
        {
            return "dst cannot be transposed or permuted";
        }
        if (a.Ne[0] % a.Info.BlockSize != 0 || node.Ne[0] % node.Info.BlockSize != 0)
        {
            return "row length is not a whole number of blocks";
        }
        return Rows.RowFits(a) ? null : "row too long";
    }

    public long GetWorkSize(Tensor node, int threads) =>
        TOp.AcceptsQuantized && node.Src[0] is { } a && a.Info.IsQuantized
            ? (a.Ne[0] + CacheLineFloats) * sizeof(float) * threads
            : 0;

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        if (TOp.AcceptsQuantized && a.Info.IsQuantized)
        {
            ComputeQuantized(p, node, a, node.Src[1]!);
            return;
        }
        Tensor b = node.Src[1]!;
        Rows.ThreadRange(p, a.NRows, out long r0, out long r1);
        int n = (int)node.Ne[0];
        long ne01 = a.Ne[1];
        long ne02 = a.Ne[2];
        bool allF32 = a.Type == GgmlType.F32 && b.Type == GgmlType.F32 && node.Type == GgmlType.F32
            && (b.Ne[0] == 1 || b.Nb[0] == sizeof(float));
        for (long ir = r0; ir < r1; ir++)
        {
            long i01 = ir % ne01;
            long rest = ir / ne01;
            long i02 = rest % ne02;
            long i03 = rest / ne02;
            byte* x = a.DataPtr + i01 * a.Nb[1] + i02 * a.Nb[2] + i03 * a.Nb[3];
            byte* z = node.DataPtr + i01 * node.Nb[1] + i02 * node.Nb[2] + i03 * node.Nb[3];
            byte* y = b.DataPtr + i01 % b.Ne[1] * b.Nb[1] + i02 % b.Ne[2] * b.Nb[2] + i03 % b.Ne[3] * b.Nb[3];
            if (allF32)
            {
                RowF32((float*)x, (float*)y, (float*)z, n, (int)b.Ne[0]);
            }
            else
            {
                RowConverted(a.Type, x, b, y, node.Type, z, n);
            }
        }
    }

    private static void RowF32(float* x, float* y, float* z, int n, int ne10)
    {
        if (ne10 == n)
        {
            TOp.Row(new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(y, n), new Span<float>(z, n));
        }
        else if (ne10 == 1)
        {
            TOp.Row(new ReadOnlySpan<float>(x, n), *y, new Span<float>(z, n));
        }
        else
        {
            var ys = new ReadOnlySpan<float>(y, ne10);
            for (int r = 0; r < n; r += ne10)
            {
                TOp.Row(new ReadOnlySpan<float>(x + r, ne10), ys, new Span<float>(z + r, ne10));
            }
        }
    }

    [SkipLocalsInit]
    private static void RowConverted(GgmlType ta, byte* x, Tensor b, byte* y, GgmlType td, byte* z, int n)
    {
        float* bufA = stackalloc float[RowConvert.Chunk];
        float* bufB = stackalloc float[RowConvert.Chunk];
        int sa = TypeTraits.TypeSize(ta);
        int sd = TypeTraits.TypeSize(td);
        GgmlType tb = b.Type;
        long ne10 = b.Ne[0];
        long nb10 = b.Nb[0];
        for (int i0 = 0; i0 < n; i0 += RowConvert.Chunk)
        {
            int len = Math.Min(RowConvert.Chunk, n - i0);
            RowConvert.Load(ta, x + (long)i0 * sa, sa, bufA, len);
            if (ne10 == n)
            {
                RowConvert.Load(tb, y + i0 * nb10, nb10, bufB, len);
            }
            else
            {
                for (int i = 0; i < len; i++)
                {
                    bufB[i] = RowConvert.LoadOne(tb, y + (i0 + i) % ne10 * nb10);
                }
            }
            var sp = new Span<float>(bufA, len);
            TOp.Row(sp, new ReadOnlySpan<float>(bufB, len), sp);
            RowConvert.Store(td, bufA, z + (long)i0 * sd, sd, len);
        }
    }

    private static void ComputeQuantized(in ComputeParams p, Tensor node, Tensor a, Tensor b)
    {
        RowFormat src = RowFormats.Get(a.Type);
        RowFormat? dst = node.Type == GgmlType.F32 ? null : RowFormats.Get(node.Type);
        long n = a.Ne[0];
        float* w = (float*)p.WData + (n + CacheLineFloats) * p.Ith;
        Rows.ThreadRange(p, a.NRows, out long r0, out long r1);
        for (long ir = r0; ir < r1; ir++)
        {
            byte* z = Rows.Row(node, ir);
            src.ToFloat(Rows.Row(a, ir), w, n);
            float* y = (float*)Rows.Row(b, ir);
            var ws = new Span<float>(w, (int)n);
            TOp.Row(ws, new ReadOnlySpan<float>(y, (int)n), ws);
            if (dst is null)
            {
                Buffer.MemoryCopy(w, z, n * sizeof(float), n * sizeof(float));
            }
            else
            {
                dst.FromFloat(w, z, n);
            }
        }
    }
}
