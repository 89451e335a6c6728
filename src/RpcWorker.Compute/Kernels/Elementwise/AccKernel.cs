using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// ACC (ops.cpp <c>ggml_compute_forward_acc_f32</c>): dst = src0, then src1 is added into the view of dst with strides
/// op_params nb1, nb2, nb3 (bytes) at byte offset op_params[3]. op_params[4] = inplace skips the initial copy. F32 only.
/// </summary>
internal sealed unsafe class AccKernel : IOpKernel
{
    public string? Validate(Tensor node) => ViewedUpdate.Validate(node, accumulate: true);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        ViewedUpdate.CopyUnlessInplace(p, node, a);
        ViewedUpdate.Read(node, out long nb1, out long nb2, out long nb3, out long offset);
        int nc = (int)b.Ne[0];
        Rows.ThreadRange(p, b.NRows, out long r0, out long r1);
        for (long ir = r0; ir < r1; ir++)
        {
            long i1 = ir % b.Ne[1];
            long rest = ir / b.Ne[1];
            long i2 = rest % b.Ne[2];
            long i3 = rest / b.Ne[2];
            long o = i3 * nb3 + i2 * nb2 + i1 * nb1 + offset;
            TensorPrimitives.Add(
                new ReadOnlySpan<float>(a.DataPtr + o, nc),
                new ReadOnlySpan<float>(Rows.Row(b, ir), nc),
                new Span<float>(node.DataPtr + o, nc));
        }
    }
}
