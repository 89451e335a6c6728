using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>FILL (ops.cpp <c>ggml_compute_forward_fill</c>): every element of dst becomes op_params f32 [0]. F32 and F16.</summary>
internal sealed unsafe class FillKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? a = node.Src[0];
        if (a is null)
        {
            return "missing source";
        }
        if (a.Type is not (GgmlType.F32 or GgmlType.F16) || node.Type != a.Type)
        {
            return "only F32 and F16 are supported";
        }
        if (!Rows.PackedRows(node))
        {
            return "dst rows must be contiguous";
        }
        return Rows.RowFits(node) ? null : "row too long";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        float c = node.Params.GetFloat(0);
        int n = (int)node.Ne[0];
        Rows.ThreadRange(p, node.NRows, out long r0, out long r1);
        if (node.Type == GgmlType.F32)
        {
            for (long ir = r0; ir < r1; ir++)
            {
                new Span<float>(Rows.Row(node, ir), n).Fill(c);
            }
        }
        else
        {
            ushort h = Fp16.FromSingle(c);
            for (long ir = r0; ir < r1; ir++)
            {
                new Span<ushort>(Rows.Row(node, ir), n).Fill(h);
            }
        }
    }
}
