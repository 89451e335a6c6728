using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>
/// CROSS_ENTROPY_LOSS: <c>−(1/rows)·Σ_rows Σ_i labels_i · log_softmax(logits)_i</c> into a scalar. Threads sum their rows in
/// scratch, then thread 0 adds the partial sums.
/// </summary>
internal sealed unsafe class CrossEntropyLoss : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 2) is { } typeError)
        {
            return typeError;
        }
        Tensor logits = node.Src[0]!, labels = node.Src[1]!;
        if (!TensorLayout.SameShape(logits, labels) || logits.Nb[0] != 4 || labels.Nb[0] != 4)
        {
            return "logits and labels must have the same shape with packed rows";
        }
        return node.NElements == 1 ? null : "destination must be a scalar";
    }

    public long GetWorkSize(Tensor node, int threads) => checked(sizeof(float) * (threads + threads * node.Src[0]!.Ne[0]));

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor logits = node.Src[0]!, labels = node.Src[1]!;
        long nc = logits.Ne[0];
        long nr = logits.NRows;
        float* sums = (float*)p.WData;
        float* st = sums + p.Nth + p.Ith * nc;
        float sumThread = 0;
        (long ir0, long ir1) = p.Share(nr);
        for (long ir = ir0; ir < ir1; ir++)
        {
            float* s0 = (float*)(logits.DataPtr + TrainingLayout.RowOffset(logits, ir));
            float* s1 = (float*)(labels.DataPtr + TrainingLayout.RowOffset(labels, ir));
            float max = float.NegativeInfinity;
            for (long i = 0; i < nc; i++)
            {
                max = MathF.Max(max, s0[i]);
            }
            double sum = 0;
            for (long i = 0; i < nc; i++)
            {
                float val = s0[i] - max;
                st[i] = val;
                sum += MathF.Exp(val);
            }
            float logSum = (float)Math.Log(sum);
            float rowSum = 0;
            for (long i = 0; i < nc; i++)
            {
                rowSum += (st[i] - logSum) * s1[i];
            }
            sumThread += rowSum;
        }
        sums[p.Ith] = sumThread;
        p.Barrier();
        if (p.Ith == 0)
        {
            float total = 0;
            for (int i = 0; i < p.Nth; i++)
            {
                total += sums[i];
            }
            *(float*)node.DataPtr = total * (-1.0f / nr);
        }
    }
}
