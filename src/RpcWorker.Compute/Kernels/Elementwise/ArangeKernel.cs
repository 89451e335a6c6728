using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// ARANGE (ops.cpp <c>ggml_compute_forward_arange_f32</c>): element i = start + step·i for op_params f32 start [0],
/// stop [1], step [2]; the element count must be <c>ceil((stop-start)/step)</c>. F32, contiguous.
/// </summary>
internal sealed unsafe class ArangeKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (node.Type != GgmlType.F32 || !node.IsContiguous)
        {
            return "dst must be contiguous F32";
        }
        float steps = MathF.Ceiling((node.Params.GetFloat(1) - node.Params.GetFloat(0)) / node.Params.GetFloat(2));
        return steps >= 0 && steps < 9.2e18f && (long)steps == node.NElements ? null : "element count does not match the range";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        float start = node.Params.GetFloat(0);
        float step = node.Params.GetFloat(2);
        long n = node.NElements;
        float* d = (float*)node.DataPtr;
        for (long i = p.Ith; i < n; i += p.Nth)
        {
            d[i] = start + step * i;
        }
    }
}
