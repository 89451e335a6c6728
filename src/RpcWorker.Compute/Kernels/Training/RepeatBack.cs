using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>REPEAT_BACK: sums every repetition of the destination's shape found in src0 (the gradient of REPEAT), F32.</summary>
internal sealed unsafe class RepeatBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 1) is { } typeError)
        {
            return typeError;
        }
        Tensor src = node.Src[0]!;
        if (node.IsEmpty || !TensorLayout.CanRepeat(node, src))
        {
            return "src0 must be a whole repetition of the destination";
        }
        return node.Nb[0] == 4 && src.Nb[0] == 4 ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2], ne3 = node.Ne[3];
        long nr0 = src.Ne[0] / ne0, nr1 = src.Ne[1] / ne1, nr2 = src.Ne[2] / ne2, nr3 = src.Ne[3] / ne3;
        for (long k3 = 0; k3 < ne3; k3++)
        {
            for (long k2 = 0; k2 < ne2; k2++)
            {
                for (long k1 = 0; k1 < ne1; k1++)
                {
                    new Span<float>(node.RowPtr(k1, k2, k3), (int)ne0).Clear();
                }
            }
        }
        for (long i3 = 0; i3 < nr3; i3++)
        {
            for (long k3 = 0; k3 < ne3; k3++)
            {
                for (long i2 = 0; i2 < nr2; i2++)
                {
                    for (long k2 = 0; k2 < ne2; k2++)
                    {
                        for (long i1 = 0; i1 < nr1; i1++)
                        {
                            for (long k1 = 0; k1 < ne1; k1++)
                            {
                                float* d = (float*)node.RowPtr(k1, k2, k3);
                                for (long i0 = 0; i0 < nr0; i0++)
                                {
                                    float* s = (float*)(src.RowPtr(i1 * ne1 + k1, i2 * ne2 + k2, i3 * ne3 + k3) + i0 * ne0 * 4);
                                    for (long j = 0; j < ne0; j++)
                                    {
                                        d[j] += s[j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
