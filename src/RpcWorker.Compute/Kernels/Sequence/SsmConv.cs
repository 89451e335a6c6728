using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>SSM_CONV: Mamba's depthwise causal convolution, <c>x[r,t,s] = Σ_k sx[t+k, r, s] · c[k, r]</c> (ggml-cpu semantics).</summary>
internal sealed unsafe class SsmConv : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 2) is { } typeError)
        {
            return typeError;
        }
        Tensor sx = node.Src[0]!;
        Tensor c = node.Src[1]!;
        long dConv = c.Ne[0];
        long dInner = c.Ne[1];
        long nT = sx.Ne[0] - dConv + 1;
        if (c.Ne[2] != 1 || c.Ne[3] != 1 || sx.Ne[3] != 1 || sx.Ne[1] != dInner || nT < 0)
        {
            return "sx must be [d_conv-1+n_t, d_inner, n_s] and c [d_conv, d_inner]";
        }
        if (!KernelChecks.HasShape(node, dInner, nT, sx.Ne[2], 1))
        {
            return "destination must be [d_inner, n_t, n_s]";
        }
        if (sx.Nb[0] != 4 || sx.Nb[1] != sx.Ne[0] * 4 || c.Nb[0] != 4 || c.Nb[1] != dConv * 4 || node.Nb[0] != 4)
        {
            return "rows of sx, c and the destination must be contiguous";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src0 = node.Src[0]!;
        Tensor src1 = node.Src[1]!;
        long nc = src1.Ne[0];
        long ncs = src0.Ne[0];
        long nr = src0.Ne[1];
        long nT = node.Ne[1];
        long nS = node.Ne[2];

        (long ir0, long ir1) = p.Share(nr);

        for (long i3 = 0; i3 < nS; i3++)
        {
            for (long i2 = 0; i2 < nT; i2++)
            {
                float* s = (float*)(src0.DataPtr + ir0 * src0.Nb[1] + i2 * src0.Nb[0] + i3 * src0.Nb[2]);
                float* c = (float*)(src1.DataPtr + ir0 * src1.Nb[1]);
                float* x = (float*)(node.DataPtr + ir0 * node.Nb[0] + i2 * node.Nb[1] + i3 * node.Nb[2]);
                for (long i1 = 0; i1 < ir1 - ir0; i1++)
                {
                    float sum = 0;
                    for (long i0 = 0; i0 < nc; i0++)
                    {
                        sum += s[i0 + i1 * ncs] * c[i0 + i1 * nc];
                    }
                    x[i1] = sum;
                }
            }
        }
    }
}
