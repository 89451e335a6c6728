using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.HyperConnections;

/// <summary>
/// DSV4_HC_POST: expands a layer output back into hc residual streams,
/// <c>y[i,d,t] = x[i,t]·post[d,t] + Σ_s residual[i,s,t]·comb[d,s,t]</c>.
/// </summary>
internal sealed unsafe class Dsv4HcPost : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 4) is { } typeError)
        {
            return typeError;
        }
        Tensor x = node.Src[0]!, residual = node.Src[1]!, post = node.Src[2]!, comb = node.Src[3]!;
        long nEmbd = x.Ne[0], nTokens = x.Ne[1], hc = residual.Ne[1];
        bool ok = node.Ne[0] == nEmbd && node.Ne[1] == hc && node.Ne[2] == nTokens
            && residual.Ne[0] == nEmbd && residual.Ne[2] == nTokens
            && post.Ne[0] == hc && post.Ne[1] == nTokens
            && comb.Ne[0] == hc && comb.Ne[1] == hc && comb.Ne[2] == nTokens;
        return ok ? null : "shapes must be x [n_embd, n_tokens], residual [n_embd, hc, n_tokens], post [hc, n_tokens], comb [hc, hc, n_tokens]";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor x = node.Src[0]!, residual = node.Src[1]!, post = node.Src[2]!, comb = node.Src[3]!;
        long nEmbd = x.Ne[0], nTokens = x.Ne[1], hc = residual.Ne[1];
        long nr = nEmbd * hc * nTokens;
        (long ir0, long ir1) = p.Share(nr);
        for (long ir = ir0; ir < ir1; ir++)
        {
            long i0 = ir % nEmbd;
            long idst = ir / nEmbd % hc;
            long it = ir / (nEmbd * hc);
            float sum = *(float*)(x.DataPtr + i0 * x.Nb[0] + it * x.Nb[1]) * *(float*)(post.DataPtr + idst * post.Nb[0] + it * post.Nb[1]);
            for (long isrc = 0; isrc < hc; isrc++)
            {
                sum += *(float*)(residual.DataPtr + i0 * residual.Nb[0] + isrc * residual.Nb[1] + it * residual.Nb[2])
                    * *(float*)(comb.DataPtr + idst * comb.Nb[0] + isrc * comb.Nb[1] + it * comb.Nb[2]);
            }
            *(float*)(node.DataPtr + i0 * node.Nb[0] + idst * node.Nb[1] + it * node.Nb[2]) = sum;
        }
    }
}
