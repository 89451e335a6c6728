using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// CLAMP (ops.cpp <c>ggml_compute_forward_clamp</c>): <c>MAX(MIN(x, max), min)</c> with op_params f32 min [0], max [1],
/// using ggml's comparison macros (a NaN input becomes max). F32 and F16; rows interleaved between threads.
/// </summary>
internal sealed unsafe class ClampKernel : IOpKernel
{
    public string? Validate(Tensor node) => ElementMap.Validate(node);

    [SkipLocalsInit]
    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        float min = node.Params.GetFloat(0);
        float max = node.Params.GetFloat(1);
        float* buf = stackalloc float[RowConvert.Chunk];
        int n = (int)a.Ne[0];
        long nr = a.NRows;
        for (long ir = p.Ith; ir < nr; ir += p.Nth)
        {
            ElementMap.Row(a, node, ir, n, buf, min, max, &ClampOne);
        }
    }

    private static float ClampOne(float x, float lo, float hi)
    {
        float t = x < hi ? x : hi;
        return t > lo ? t : lo;
    }
}
