using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.HyperConnections;

/// <summary>DSV4_HC_PRE: collapses the hc residual streams with per-token weights, <c>y[i,t] = Σ_h x[i,h,t] · w[h,t]</c>.</summary>
internal sealed unsafe class Dsv4HcPre : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 2) is { } typeError)
        {
            return typeError;
        }
        Tensor x = node.Src[0]!, w = node.Src[1]!;
        long nEmbd = x.Ne[0], hc = x.Ne[1], nTokens = x.Ne[2];
        return node.Ne[0] == nEmbd && node.Ne[1] == nTokens && w.Ne[0] == hc && w.Ne[1] == nTokens
            ? null
            : "x must be [n_embd, hc, n_tokens], weights [hc, n_tokens], destination [n_embd, n_tokens]";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor x = node.Src[0]!, w = node.Src[1]!;
        long nEmbd = x.Ne[0], hc = x.Ne[1], nTokens = x.Ne[2];
        long nr = nEmbd * nTokens;
        (long ir0, long ir1) = p.Share(nr);
        for (long ir = ir0; ir < ir1; ir++)
        {
            long i0 = ir % nEmbd;
            long it = ir / nEmbd;
            float sum = 0;
            for (long ih = 0; ih < hc; ih++)
            {
                sum += *(float*)(x.DataPtr + i0 * x.Nb[0] + ih * x.Nb[1] + it * x.Nb[2]) * *(float*)(w.DataPtr + ih * w.Nb[0] + it * w.Nb[1]);
            }
            *(float*)(node.DataPtr + i0 * node.Nb[0] + it * node.Nb[1]) = sum;
        }
    }
}
