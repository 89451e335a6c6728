using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>OPT_STEP_SGD: in-place <c>w ← w·(1 − alpha·wd) − alpha·g</c>; src2 holds alpha and wd.</summary>
internal sealed unsafe class OptStepSgd : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 3) is { } typeError)
        {
            return typeError;
        }
        if (node.Src[2]!.NElements != 2 || !node.Src[2]!.IsContiguous)
        {
            return "src2 must hold alpha and wd";
        }
        return TrainingLayout.SameLayout(node.Src[0]!, node.Src[1]!)
            ? null
            : "weights and gradient must share shape and strides with packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor w = node.Src[0]!;
        float* prm = (float*)node.Src[2]!.DataPtr;
        float alpha = prm[0];
        float keep = 1.0f - alpha * prm[1];
        (long ir0, long ir1) = p.Share(w.NRows);
        for (long ir = ir0; ir < ir1; ir++)
        {
            long offset = TrainingLayout.RowOffset(w, ir);
            float* wr = (float*)(w.DataPtr + offset);
            float* g = (float*)(node.Src[1]!.DataPtr + offset);
            for (long i = 0; i < w.Ne[0]; i++)
            {
                wr[i] = wr[i] * keep - alpha * g[i];
            }
        }
    }
}
