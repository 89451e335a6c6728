using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>SOFT_MAX_BACK: <c>dx = scale · y ⊙ (dy − y·dy)</c> per row (src0 = dy, src1 = forward output y; no ALiBi).</summary>
internal sealed unsafe class SoftMaxBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 2) is { } typeError)
        {
            return typeError;
        }
        Tensor dy = node.Src[0]!, y = node.Src[1]!;
        if (node.Params.GetFloat(1) != 0.0f)
        {
            return "max_bias must be 0";
        }
        bool ok = dy.IsContiguous && y.IsContiguous && node.IsContiguous && TensorLayout.SameShape(dy, node) && TensorLayout.SameShape(y, node);
        return ok ? null : "dy, y and the destination must be contiguous and of one shape";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor dyT = node.Src[0]!, yT = node.Src[1]!;
        float scale = node.Params.GetFloat(0);
        int nc = checked((int)dyT.Ne[0]);
        (long ir0, long ir1) = p.Share(dyT.NRows);
        for (long i1 = ir0; i1 < ir1; i1++)
        {
            var dy = new ReadOnlySpan<float>(dyT.DataPtr + i1 * dyT.Nb[1], nc);
            var y = new ReadOnlySpan<float>(yT.DataPtr + i1 * yT.Nb[1], nc);
            var dx = new Span<float>(node.DataPtr + i1 * node.Nb[1], nc);
            float dot = TensorPrimitives.Dot(y, dy);
            TensorPrimitives.Subtract(dy, dot, dx);
            TensorPrimitives.Multiply(dx, y, dx);
            TensorPrimitives.Multiply(dx, scale, dx);
        }
    }
}
