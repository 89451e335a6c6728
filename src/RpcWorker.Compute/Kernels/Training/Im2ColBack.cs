using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>
/// IM2COL_BACK: gradient of IM2COL. src0 = patch gradients [IC·KH·KW, OW, OH, N] (or [IC·KW, OW, N] in 1-D),
/// src1 = the convolution kernel (only its KW/KH are used); the destination is the image gradient
/// [IW, IH, IC, N] (or [IW, IC, N]), each pixel summing every patch entry IM2COL copied it to (ggml-cpu semantics).
/// </summary>
internal sealed unsafe class Im2ColBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? grad = node.Src[0];
        Tensor? k = node.Src[1];
        if (node.Type != GgmlType.F32 || !KernelChecks.Is(grad, GgmlType.F32) || k is null || k.Type is not (GgmlType.F32 or GgmlType.F16))
        {
            return "im2col_back needs f32 gradients, an f32/f16 kernel and an f32 destination";
        }
        bool is2D = node.Params[6] == 1;
        if (node.Params[0] <= 0 || (is2D && node.Params[1] <= 0))
        {
            return "strides must be positive";
        }
        long n = is2D ? node.Ne[3] : node.Ne[2];
        long ic = is2D ? node.Ne[2] : node.Ne[1];
        long iw = node.Ne[0];
        long kh = is2D ? k.Ne[1] : 1;
        long kw = k.Ne[0];
        if (node.Nb[0] != sizeof(float) || (is2D && node.Nb[1] != iw * sizeof(float)))
        {
            return "destination rows must be packed f32 planes";
        }
        if (!is2D && node.Ne[3] != 1)
        {
            return "1-D im2col_back needs a 3-D destination";
        }
        bool gradShape = grad!.Ne[0] == ic * kh * kw && (is2D ? grad.Ne[3] == n : grad.Ne[2] == n && grad.Ne[3] == 1);
        return grad.IsContiguous && gradShape ? null : "gradients must be a contiguous [IC*KH*KW, OW, OH, N]";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor grad = node.Src[0]!;
        Tensor k = node.Src[1]!;
        int s0 = node.Params[0], s1 = node.Params[1], p0 = node.Params[2], p1 = node.Params[3], d0 = node.Params[4], d1 = node.Params[5];
        bool is2D = node.Params[6] == 1;
        long n = is2D ? node.Ne[3] : node.Ne[2];
        long ic = is2D ? node.Ne[2] : node.Ne[1];
        long ih = is2D ? node.Ne[1] : 1;
        long iw = node.Ne[0];
        long kh = is2D ? k.Ne[1] : 1;
        long kw = k.Ne[0];
        long oh = is2D ? grad.Ne[2] : 1;
        long ow = grad.Ne[1];
        long ofs0 = is2D ? node.Nb[3] : node.Nb[2];
        long ofs1 = is2D ? node.Nb[2] : node.Nb[1];
        long kk = kh * kw;
        float* g = (float*)grad.DataPtr;

        for (long iN = 0; iN < n; iN++)
        {
            for (long iic = p.Ith; iic < ic; iic += p.Nth)
            {
                float* dst = (float*)(node.DataPtr + iN * ofs0 + iic * ofs1);
                for (long iih = 0; iih < ih; iih++)
                {
                    for (long iiw = 0; iiw < iw; iiw++)
                    {
                        float sum = 0f;
                        for (long ikh = 0; ikh < kh; ikh++)
                        {
                            long ioh = 0;
                            if (is2D)
                            {
                                long tmph = iih + p1 - ikh * d1;
                                if (tmph % s1 != 0)
                                {
                                    continue;
                                }
                                ioh = tmph / s1;
                                if (ioh < 0 || ioh >= oh)
                                {
                                    continue;
                                }
                            }
                            for (long ikw = 0; ikw < kw; ikw++)
                            {
                                long tmpw = iiw + p0 - ikw * d0;
                                if (tmpw % s0 != 0)
                                {
                                    continue;
                                }
                                long iow = tmpw / s0;
                                if (iow < 0 || iow >= ow)
                                {
                                    continue;
                                }
                                sum += g[(iN * oh * ow + ioh * ow + iow) * ic * kk + iic * kk + ikh * kw + ikw];
                            }
                        }
                        dst[iih * iw + iiw] = sum;
                    }
                }
            }
        }
    }
}
