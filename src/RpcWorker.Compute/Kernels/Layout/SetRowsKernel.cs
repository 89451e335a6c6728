using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_SET_ROWS: dst[:, ids[i, i02 % n11, i03 % n12], i02, i03] = src0[:, i, i02, i03], converted from src0's F32/F16
/// into dst's type with that type's <c>from_float</c> (F32, F16, BF16, I32, and every quantized <see cref="RowFormat"/>
/// that can quantize — e.g. a Q8_0 or Q4_0 KV cache). Ids are I32 or I64 and checked against dst's ne1 where read.
/// When several ids name the same row, ggml-cpu (one thread, rows in order) leaves the last one; here each destination
/// row belongs to one thread, which visits the writes in the same order, so the result is the same with any team size.
/// F16 rows into a non-F16 destination pass through per-thread float scratch, as in ggml.
/// </summary>
internal sealed unsafe class SetRowsKernel : IOpKernel
{
    private const int Pad = 16;

    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src || RowAccess.Src(node, 1) is not { } ids)
        {
            return "missing source";
        }
        if (src.Type is not (GgmlType.F32 or GgmlType.F16))
        {
            return "source rows must be f32 or f16";
        }
        if (ids.Type is not (GgmlType.I32 or GgmlType.I64))
        {
            return "row ids must be i32 or i64";
        }
        if (!(node.Type == src.Type || node.Type == GgmlType.I32 || RowFormats.Find(node.Type) is { CanFromFloat: true }))
        {
            return $"cannot convert rows to {node.Info.Name}";
        }
        if (node.Ne[0] != src.Ne[0] || node.Ne[2] != src.Ne[2] || node.Ne[3] != src.Ne[3])
        {
            return "destination must match the source in ne0, ne2 and ne3";
        }
        if (ids.Ne[0] != src.Ne[1] || ids.Ne[1] < 1 || ids.Ne[2] < 1 || ids.Ne[3] != 1
            || src.Ne[2] % ids.Ne[1] != 0 || src.Ne[3] % ids.Ne[2] != 0)
        {
            return "ids must be [source ne1, a divisor of ne2, a divisor of ne3, 1]";
        }
        return RowAccess.PackedRowsInside(src) && RowAccess.HasPackedRows(node) ? null : "rows must be packed";
    }

    public long GetWorkSize(Tensor node, int threads)
    {
        Tensor src = node.Src[0]!;
        return src.Type == GgmlType.F16 && node.Type != GgmlType.F16 ? checked((src.Ne[0] + Pad) * sizeof(float) * threads) : 0;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        Tensor ids = node.Src[1]!;
        long nc = src.Ne[0], nr = src.Ne[1], ne1 = node.Ne[1];
        long ne11 = ids.Ne[1], ne12 = ids.Ne[2];
        bool wide = ids.Type == GgmlType.I64;
        GgmlType type = node.Type;
        RowFormat? format = type is GgmlType.I32 or GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 ? null : RowFormats.Get(type);
        float* scratch = p.WSize > 0 ? (float*)p.WData + (nc + Pad) * p.Ith : null;
        SimdLevel level = SimdSupport.Active;
        ulong nth = (ulong)p.Nth;
        for (long i03 = 0; i03 < src.Ne[3]; i03++)
        {
            for (long i02 = 0; i02 < src.Ne[2]; i02++)
            {
                byte* idRow = ids.DataPtr + (i02 % ne11) * ids.Nb[1] + (i03 % ne12) * ids.Nb[2];
                for (long i = 0; i < nr; i++)
                {
                    byte* at = idRow + i * ids.Nb[0];
                    long row = wide ? *(long*)at : *(int*)at;
                    if ((ulong)row >= (ulong)ne1)
                    {
                        throw new ComputeException($"SET_ROWS id {row} outside [0, {ne1}) of {node}");
                    }
                    if ((ulong)(row + i02 + i03) % nth != (ulong)p.Ith)
                    {
                        continue;
                    }
                    byte* x = src.RowPtr(i, i02, i03);
                    byte* y = node.RowPtr(row, i02, i03);
                    if (src.Type == GgmlType.F16)
                    {
                        if (type == GgmlType.F16)
                        {
                            Buffer.MemoryCopy(x, y, nc * 2, nc * 2);
                            continue;
                        }
                        Fp16.ToSingle((ushort*)x, scratch, nc);
                        x = (byte*)scratch;
                    }
                    FromFloat((float*)x, y, nc, type, format, level);
                }
            }
        }
    }

    private static void FromFloat(float* x, byte* y, long n, GgmlType type, RowFormat? format, SimdLevel level)
    {
        switch (type)
        {
            case GgmlType.F32:
                Buffer.MemoryCopy(x, y, n * 4, n * 4);
                break;
            case GgmlType.F16:
                Fp16.FromSingle(x, (ushort*)y, n);
                break;
            case GgmlType.BF16:
                Bf16Rows.FromSingle(x, (ushort*)y, n, level);
                break;
            case GgmlType.I32:
                for (long i = 0; i < n; i++)
                {
                    ((int*)y)[i] = TruncateToInt32(x[i]);
                }
                break;
            default:
                format!.FromFloat(x, y, n);
                break;
        }
    }

    /// <summary>C's (int32_t) cast on x86 (cvttss2si): truncation, and 0x80000000 for NaN and out-of-range values.</summary>
    internal static int TruncateToInt32(float v) => v >= -2147483648f && v < 2147483648f ? (int)v : int.MinValue;
}
