using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_REPEAT: tiles src0 over the destination's shape (each dst ne a multiple of src0's). Types with 2-byte
/// (F16, BF16, I16) and 4-byte (F32, I32) elements, as ggml-cpu; both tensors with packed rows. Destination rows are
/// split across the team.
/// </summary>
internal sealed unsafe class RepeatKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src)
        {
            return "missing source";
        }
        if (src.Type is not (GgmlType.F32 or GgmlType.I32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.I16))
        {
            return "type must be f32, i32, f16, bf16 or i16";
        }
        if (node.Type != src.Type)
        {
            return "destination must have the source's type";
        }
        if (src.IsEmpty || !TensorLayout.CanRepeat(src, node))
        {
            return "destination shape must be a multiple of the source shape";
        }
        return src.Nb[0] == src.Info.TypeSize && node.Nb[0] == node.Info.TypeSize ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        long ne1 = node.Ne[1], ne2 = node.Ne[2];
        long rowBytes = src.Ne[0] * src.Info.TypeSize;
        long tiles = node.Ne[0] / src.Ne[0];
        (long r0, long r1) = RowAccess.ThreadRange(node.NRows, p.Ith, p.Nth);
        for (long r = r0; r < r1; r++)
        {
            long i3 = r / (ne2 * ne1);
            long i2 = (r - i3 * ne2 * ne1) / ne1;
            long i1 = r - i3 * ne2 * ne1 - i2 * ne1;
            byte* x = src.RowPtr(i1 % src.Ne[1], i2 % src.Ne[2], i3 % src.Ne[3]);
            byte* y = node.RowPtr(i1, i2, i3);
            for (long t = 0; t < tiles; t++)
            {
                Buffer.MemoryCopy(x, y + t * rowBytes, rowBytes, rowBytes);
            }
        }
    }
}
