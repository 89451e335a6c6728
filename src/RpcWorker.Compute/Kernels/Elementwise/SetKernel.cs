using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// SET (ops.cpp <c>ggml_compute_forward_set</c>): dst = src0, then src1's elements are stored into the view of dst with
/// strides op_params nb1, nb2, nb3 at byte offset op_params[3]; op_params[4] = inplace skips the copy. F32 and I32
/// (4-byte elements copied bit for bit, as ggml does).
/// </summary>
internal sealed unsafe class SetKernel : IOpKernel
{
    public string? Validate(Tensor node) => ViewedUpdate.Validate(node, accumulate: false);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        ViewedUpdate.CopyUnlessInplace(p, node, a);
        ViewedUpdate.Read(node, out long nb1, out long nb2, out long nb3, out long offset);
        long bytes = b.Ne[0] * sizeof(float);
        Rows.ThreadRange(p, b.NRows, out long r0, out long r1);
        for (long ir = r0; ir < r1; ir++)
        {
            long i1 = ir % b.Ne[1];
            long rest = ir / b.Ne[1];
            long i2 = rest % b.Ne[2];
            long i3 = rest / b.Ne[2];
            Buffer.MemoryCopy(Rows.Row(b, ir), node.DataPtr + i3 * nb3 + i2 * nb2 + i1 * nb1 + offset, bytes, bytes);
        }
    }
}
