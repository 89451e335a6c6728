using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>SOLVE_TRI: forward substitution <c>A·X = B</c> with A lower triangular, per batch (ggml-cpu semantics).</summary>
internal sealed unsafe class SolveTri : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 2) is { } typeError)
        {
            return typeError;
        }
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        if (a.Ne[0] != a.Ne[1] || a.Ne[1] != b.Ne[1] || a.Ne[2] != b.Ne[2] || a.Ne[3] != b.Ne[3])
        {
            return "A must be square [n, n, B1, B2] and B [k, n, B1, B2]";
        }
        if (!TensorLayout.SameShape(node, b))
        {
            return "destination must have B's shape";
        }
        if (!a.IsContiguous || !b.IsContiguous || !node.IsContiguous)
        {
            return "A, B and the destination must be contiguous";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        long k = b.Ne[0];
        long n = b.Ne[1];
        long ne02 = a.Ne[2];
        long nr = ne02 * a.Ne[3] * k;
        (long ir0, long ir1) = p.Share(nr);

        for (long ir = ir0; ir < ir1; ir++)
        {
            long i03 = ir / (ne02 * k);
            long i02 = (ir - i03 * ne02 * k) / k;
            long i01 = ir - i03 * ne02 * k - i02 * k;

            float* aBatch = (float*)(a.DataPtr + i02 * a.Nb[2] + i03 * a.Nb[3]);
            float* bBatch = (float*)(b.DataPtr + i02 * b.Nb[2] + i03 * b.Nb[3]);
            float* xBatch = (float*)(node.DataPtr + i02 * node.Nb[2] + i03 * node.Nb[3]);

            for (long i00 = 0; i00 < n; i00++)
            {
                float sum = 0;
                for (long t = 0; t < i00; t++)
                {
                    sum += aBatch[i00 * n + t] * xBatch[t * k + i01];
                }
                xBatch[i00 * k + i01] = (bBatch[i00 * k + i01] - sum) / aBatch[i00 * n + i00];
            }
        }
    }
}
