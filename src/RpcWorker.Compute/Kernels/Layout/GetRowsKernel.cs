using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_GET_ROWS: dst[:, i10, i11, i12] = src0[:, ids[i10, i11, i12], i11, i12] converted to F32 (I32 rows are
/// copied as I32). src0 may be F32, I32, F16, BF16 or any type with a <see cref="RowFormat"/> (dequantized with its
/// <c>ToFloat</c>). Every id is checked against src0's ne1 where it is read. Output rows are split across the team.
/// </summary>
internal sealed unsafe class GetRowsKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src || RowAccess.Src(node, 1) is not { } ids)
        {
            return "missing source";
        }
        if (ids.Type != GgmlType.I32)
        {
            return "row ids must be i32";
        }
        if (src.Type != GgmlType.I32 && RowFormats.Find(src.Type) is null)
        {
            return $"no row format for {src.Info.Name}";
        }
        if (node.Type != (src.Type == GgmlType.I32 ? GgmlType.I32 : GgmlType.F32))
        {
            return "destination must be f32 (i32 for i32 rows)";
        }
        if (ids.Ne[3] != 1 || src.Ne[2] != ids.Ne[1] || src.Ne[3] != ids.Ne[2])
        {
            return "ids must be [n, ne2, ne3, 1] of the source";
        }
        if (node.Ne[0] != src.Ne[0] || node.Ne[1] != ids.Ne[0] || node.Ne[2] != ids.Ne[1] || node.Ne[3] != ids.Ne[2])
        {
            return "destination must be [ne0, ids ne0, ids ne1, ids ne2]";
        }
        return RowAccess.PackedRowsInside(src) && RowAccess.PackedRowsInside(node)
            ? null
            : "rows are not addressable as packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        Tensor ids = node.Src[1]!;
        long nc = src.Ne[0], ne01 = src.Ne[1];
        long ne10 = ids.Ne[0], ne11 = ids.Ne[1];
        (long r0, long r1) = RowAccess.ThreadRange(ids.NElements, p.Ith, p.Nth);
        GgmlType type = src.Type;
        RowFormat? format = type is GgmlType.F32 or GgmlType.I32 or GgmlType.F16 or GgmlType.BF16 ? null : RowFormats.Get(type);
        SimdLevel level = SimdSupport.Active;
        long bytes = src.RowSize;
        for (long i = r0; i < r1; i++)
        {
            long i12 = i / (ne11 * ne10);
            long i11 = (i - i12 * ne11 * ne10) / ne10;
            long i10 = i - i12 * ne11 * ne10 - i11 * ne10;
            long row = *(int*)ids.ElementPtr(i10, i11, i12, 0);
            if ((ulong)row >= (ulong)ne01)
            {
                throw new ComputeException($"GET_ROWS id {row} outside [0, {ne01}) of {src}");
            }
            byte* x = src.RowPtr(row, i11, i12);
            byte* y = node.RowPtr(i10, i11, i12);
            switch (type)
            {
                case GgmlType.F32:
                case GgmlType.I32:
                    Buffer.MemoryCopy(x, y, bytes, bytes);
                    break;
                case GgmlType.F16:
                    Fp16.ToSingle((ushort*)x, (float*)y, nc);
                    break;
                case GgmlType.BF16:
                    Bf16Rows.ToSingle((ushort*)x, (float*)y, nc, level);
                    break;
                default:
                    format!.ToFloat(x, (float*)y, nc);
                    break;
            }
        }
    }
}
