using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// GGML_OP_ADD_ID (ggml-cpu <c>ggml_compute_forward_add_id</c>): dst[:, i1, i2, i3] = src0[:, i1, i2, i3] +
/// src1[:, ids[i1, i2]] (a per-expert bias). Rows are split across the team; each id is checked where it is read.
/// </summary>
internal sealed unsafe class AddIdKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (node.Src[0] is not { } src0 || node.Src[1] is not { } src1 || node.Src[2] is not { } ids)
        {
            return "ADD_ID needs three sources";
        }
        if (node.Type != GgmlType.F32 || src0.Type != GgmlType.F32 || src1.Type != GgmlType.F32 || ids.Type != GgmlType.I32)
        {
            return "ADD_ID needs f32 data and i32 ids";
        }
        if (!TensorLayout.SameShape(node, src0) || src1.Ne[0] != src0.Ne[0] || ids.Ne[0] < src0.Ne[1] || ids.Ne[1] < src0.Ne[2])
        {
            return "ADD_ID shapes do not match";
        }
        if (node.Nb[0] != sizeof(float) || src0.Nb[0] != sizeof(float) || src1.Nb[0] != sizeof(float) || node.Ne[0] > int.MaxValue)
        {
            return "ADD_ID needs packed rows";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src0 = node.Src[0]!;
        Tensor src1 = node.Src[1]!;
        Tensor ids = node.Src[2]!;
        int ne0 = (int)node.Ne[0];
        long ne1 = node.Ne[1];
        long ne2 = node.Ne[2];
        long nr = src0.NRows;
        long dr = (nr + p.Nth - 1) / p.Nth;
        long ir0 = dr * p.Ith;
        long ir1 = Math.Min(ir0 + dr, nr);
        for (long ir = ir0; ir < ir1; ir++)
        {
            long i3 = ir / (ne2 * ne1);
            long i2 = (ir - (i3 * ne2 * ne1)) / ne1;
            long i1 = ir - (i3 * ne2 * ne1) - (i2 * ne1);
            int id = *(int*)(ids.DataPtr + (i1 * ids.Nb[0]) + (i2 * ids.Nb[1]));
            if ((ulong)id >= (ulong)src1.Ne[1])
            {
                throw new ComputeException($"ADD_ID: id {id} at [{i1}, {i2}] is outside [0, {src1.Ne[1]})");
            }
            TensorPrimitives.Add(
                new ReadOnlySpan<float>(src0.RowPtr(i1, i2, i3), ne0),
                new ReadOnlySpan<float>(src1.RowPtr(id, 0, 0), ne0),
                new Span<float>(node.RowPtr(i1, i2, i3), ne0));
        }
    }
}
