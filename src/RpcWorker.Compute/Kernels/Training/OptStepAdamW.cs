using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>
/// OPT_STEP_ADAMW: in-place AdamW update of src0 from its gradient (src1) and moments (src2, src3); src4 holds
/// alpha, beta1, beta2, eps, wd, beta1h, beta2h.
/// </summary>
internal sealed unsafe class OptStepAdamW : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 5) is { } typeError)
        {
            return typeError;
        }
        Tensor w = node.Src[0]!;
        if (node.Src[4]!.NElements != 7 || !node.Src[4]!.IsContiguous)
        {
            return "src4 must hold the 7 AdamW parameters";
        }
        return TrainingLayout.SameLayout(w, node.Src[1]!, node.Src[2]!, node.Src[3]!)
            ? null
            : "weights, gradient and moments must share shape and strides with packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor w = node.Src[0]!;
        float* prm = (float*)node.Src[4]!.DataPtr;
        float alpha = prm[0], beta1 = prm[1], beta2 = prm[2], eps = prm[3], wd = prm[4], beta1h = prm[5], beta2h = prm[6];
        float keep = 1.0f - alpha * wd;
        (long ir0, long ir1) = p.Share(w.NRows);
        for (long ir = ir0; ir < ir1; ir++)
        {
            long offset = TrainingLayout.RowOffset(w, ir);
            float* wr = (float*)(w.DataPtr + offset);
            float* g = (float*)(node.Src[1]!.DataPtr + offset);
            float* m = (float*)(node.Src[2]!.DataPtr + offset);
            float* v = (float*)(node.Src[3]!.DataPtr + offset);
            for (long i = 0; i < w.Ne[0]; i++)
            {
                m[i] = m[i] * beta1 + g[i] * (1.0f - beta1);
                v[i] = v[i] * beta2 + g[i] * g[i] * (1.0f - beta2);
                float mh = m[i] * beta1h;
                float vh = MathF.Sqrt(v[i] * beta2h) + eps;
                wr[i] = wr[i] * keep - alpha * mh / vh;
            }
        }
    }
}
