using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// LEAKY_RELU (ops.cpp <c>ggml_compute_forward_leaky_relu</c>): <c>max(x,0) + slope·min(x,0)</c> in ggml's form, with the
/// slope in op_params f32 [0]. F32 and F16. ggml runs it on one thread; rows are independent, so they are split here.
/// </summary>
internal sealed unsafe class LeakyReluKernel : IOpKernel
{
    public string? Validate(Tensor node) => ElementMap.Validate(node);

    [SkipLocalsInit]
    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        float slope = node.Params.GetFloat(0);
        float* buf = stackalloc float[RowConvert.Chunk];
        int n = (int)a.Ne[0];
        Rows.ThreadRange(p, a.NRows, out long r0, out long r1);
        for (long ir = r0; ir < r1; ir++)
        {
            ElementMap.Row(a, node, ir, n, buf, slope, 0f, &LeakyOne);
        }
    }

    private static float LeakyOne(float x, float ns, float unused) => (x > 0.0f ? x : 0.0f) + ns * (x < 0.0f ? x : 0.0f);
}
