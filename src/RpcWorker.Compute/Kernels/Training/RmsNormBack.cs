using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>
/// RMS_NORM_BACK: gradient of RMS_NORM (src0 = dz, src1 = forward input x, op_params[0] = eps):
/// <c>dx = (dz − x·Σx·dz / (Σx² + n·eps)) / √(mean(x²) + eps)</c>.
/// </summary>
internal sealed unsafe class RmsNormBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 2) is { } typeError)
        {
            return typeError;
        }
        Tensor dz = node.Src[0]!, x = node.Src[1]!;
        bool ok = TensorLayout.SameShape(dz, node) && TensorLayout.SameShape(dz, x) && dz.Nb[0] == 4 && x.Nb[0] == 4 && node.Nb[0] == 4;
        return ok ? null : "dz, x and the destination must share one shape with packed rows";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor dzT = node.Src[0]!, xT = node.Src[1]!;
        float eps = node.Params.GetFloat(0);
        long ne00 = dzT.Ne[0];
        for (long i03 = 0; i03 < dzT.Ne[3]; i03++)
        {
            for (long i02 = 0; i02 < dzT.Ne[2]; i02++)
            {
                for (long i01 = p.Ith; i01 < dzT.Ne[1]; i01 += p.Nth)
                {
                    float* dz = (float*)dzT.RowPtr(i01, i02, i03);
                    float* x = (float*)xT.RowPtr(i01, i02, i03);
                    double sumXx = 0, sumXdz = 0;
                    for (long i = 0; i < ne00; i++)
                    {
                        sumXx += x[i] * x[i];
                        sumXdz += x[i] * dz[i];
                    }
                    float meanEps = (float)sumXx / ne00 + eps;
                    float sumEps = (float)sumXx + eps * ne00;
                    float rrms = 1.0f / MathF.Sqrt(meanEps);
                    float scaleX = (float)-sumXdz / sumEps;
                    float* dx = (float*)node.RowPtr(i01, i02, i03);
                    for (long i = 0; i < ne00; i++)
                    {
                        dx[i] = (dz[i] + x[i] * scaleX) * rrms;
                    }
                }
            }
        }
    }
}
