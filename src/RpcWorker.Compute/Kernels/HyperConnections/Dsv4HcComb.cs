using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.HyperConnections;

/// <summary>
/// DSV4_HC_COMB: DeepSeek-V4 hyper-connection combination matrix per token — a column softmax of the scaled mixes plus
/// eps, then Sinkhorn-style alternating row/column normalization for n_iter rounds (op_params: eps, n_iter).
/// </summary>
internal sealed unsafe class Dsv4HcComb : IOpKernel
{
    private const int Hc = 4;
    private const int CombOffset = 2 * Hc;
    private const int MixDim = (2 + Hc) * Hc;

    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 3) is { } typeError)
        {
            return typeError;
        }
        Tensor mixes = node.Src[0]!, scale = node.Src[1]!, b = node.Src[2]!;
        if (mixes.Ne[0] != MixDim || b.Ne[0] != MixDim || scale.Ne[0] < 3)
        {
            return "mixes and base need 24 values per token and scale at least 3";
        }
        if (node.Ne[0] != Hc || node.Ne[1] != Hc || node.Ne[2] != mixes.Ne[1])
        {
            return "destination must be [4, 4, n_tokens]";
        }
        return node.Params[1] > 0 ? null : "n_iter must be positive";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor mixes = node.Src[0]!, scale = node.Src[1]!, b = node.Src[2]!;
        long nTokens = mixes.Ne[1];
        float eps = node.Params.GetFloat(0);
        int nIter = node.Params[1];
        (long it0, long it1) = p.Share(nTokens);
        float scaleComb = *(float*)(scale.DataPtr + 2 * scale.Nb[0]);
        Span<float> comb = stackalloc float[Hc * Hc];

        for (long it = it0; it < it1; it++)
        {
            for (int isrc = 0; isrc < Hc; isrc++)
            {
                float max = float.NegativeInfinity;
                for (int idst = 0; idst < Hc; idst++)
                {
                    int idx = idst + Hc * isrc;
                    float xv = *(float*)(mixes.DataPtr + (CombOffset + idx) * mixes.Nb[0] + it * mixes.Nb[1]);
                    float bv = *(float*)(b.DataPtr + (CombOffset + idx) * b.Nb[0]);
                    float v = xv * scaleComb + bv;
                    comb[idx] = v;
                    max = MathF.Max(max, v);
                }
                float sum = 0;
                for (int idst = 0; idst < Hc; idst++)
                {
                    int idx = idst + Hc * isrc;
                    float v = MathF.Exp(comb[idx] - max);
                    comb[idx] = v;
                    sum += v;
                }
                float invSum = 1.0f / sum;
                for (int idst = 0; idst < Hc; idst++)
                {
                    int idx = idst + Hc * isrc;
                    comb[idx] = comb[idx] * invSum + eps;
                }
            }

            NormalizeColumns(comb, eps);
            for (int i = 1; i < nIter; i++)
            {
                NormalizeRows(comb, eps);
                NormalizeColumns(comb, eps);
            }

            for (int isrc = 0; isrc < Hc; isrc++)
            {
                for (int idst = 0; idst < Hc; idst++)
                {
                    *(float*)(node.DataPtr + idst * node.Nb[0] + isrc * node.Nb[1] + it * node.Nb[2]) = comb[idst + Hc * isrc];
                }
            }
        }
    }

    private static void NormalizeColumns(Span<float> comb, float eps)
    {
        for (int idst = 0; idst < Hc; idst++)
        {
            float sum = eps;
            for (int isrc = 0; isrc < Hc; isrc++)
            {
                sum += comb[idst + Hc * isrc];
            }
            float inv = 1.0f / sum;
            for (int isrc = 0; isrc < Hc; isrc++)
            {
                comb[idst + Hc * isrc] *= inv;
            }
        }
    }

    private static void NormalizeRows(Span<float> comb, float eps)
    {
        for (int isrc = 0; isrc < Hc; isrc++)
        {
            float sum = eps;
            for (int idst = 0; idst < Hc; idst++)
            {
                sum += comb[idst + Hc * isrc];
            }
            float inv = 1.0f / sum;
            for (int idst = 0; idst < Hc; idst++)
            {
                comb[idst + Hc * isrc] *= inv;
            }
        }
    }
}
