using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>CROSS_ENTROPY_LOSS_BACK: <c>(softmax(logits) − labels) · grad / rows</c> (src: scalar grad, logits, labels).</summary>
internal sealed unsafe class CrossEntropyLossBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 3) is { } typeError)
        {
            return typeError;
        }
        Tensor grad = node.Src[0]!, logits = node.Src[1]!, labels = node.Src[2]!;
        bool ok = node.IsContiguous && logits.IsContiguous && labels.IsContiguous && grad.IsContiguous && grad.NElements >= 1
            && TensorLayout.SameShape(logits, labels) && TensorLayout.SameShape(logits, node);
        return ok ? null : "grad, logits, labels and destination must be contiguous, logits/labels/destination of one shape";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor logits = node.Src[1]!, labels = node.Src[2]!;
        long nc = logits.Ne[0];
        long nr = logits.NRows;
        float dByNr = *(float*)node.Src[0]!.DataPtr / nr;
        (long ir0, long ir1) = p.Share(nr);
        for (long ir = ir0; ir < ir1; ir++)
        {
            float* ds0 = (float*)(node.DataPtr + ir * node.Nb[1]);
            float* s0 = (float*)(logits.DataPtr + ir * logits.Nb[1]);
            float* s1 = (float*)(labels.DataPtr + ir * labels.Nb[1]);
            float max = float.NegativeInfinity;
            for (long i = 0; i < nc; i++)
            {
                max = MathF.Max(max, s0[i]);
            }
            double sum = 0;
            for (long i = 0; i < nc; i++)
            {
                float e = MathF.Exp(s0[i] - max);
                ds0[i] = e;
                sum += e;
            }
            float inv = (float)(1.0 / sum);
            for (long i = 0; i < nc; i++)
            {
                ds0[i] = (ds0[i] * inv - s1[i]) * dByNr;
            }
        }
    }
}
