using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// IM2COL_3D: image [N·IC, ID, IH, IW] to patches [N·OD, OH, OW, IC·KD·KH·KW] with zero padding, as F32 or F16
/// (ggml-cpu semantics; IC comes from op_params[9], src0 only gives the kernel size).
/// </summary>
internal sealed unsafe class Im2Col3D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? img = node.Src[1];
        if (k is null || !KernelChecks.Is(img, GgmlType.F32) || node.Type is not (GgmlType.F32 or GgmlType.F16))
        {
            return "im2col_3d needs an f32 image and an f32 or f16 destination";
        }
        long ic = node.Params[9];
        if (node.IsEmpty)
        {
            return null;
        }
        if (ic <= 0 || img!.Ne[3] / ic == 0)
        {
            return "IC must be positive and at most the image's dim 3";
        }
        if (node.Ne[0] != ic * k.Ne[0] * k.Ne[1] * k.Ne[2] || !node.IsContiguous)
        {
            return "destination must be a contiguous [IC*KD*KH*KW, OW, OH, N*OD]";
        }
        if (img.Nb[0] != 4)
        {
            return "image elements must be contiguous";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor k = node.Src[0]!;
        Tensor img = node.Src[1]!;
        int s0 = node.Params[0], s1 = node.Params[1], s2 = node.Params[2];
        int p0 = node.Params[3], p1 = node.Params[4], p2 = node.Params[5];
        int d0 = node.Params[6], d1 = node.Params[7], d2 = node.Params[8];
        long ic = node.Params[9];
        long n = ic > 0 ? img.Ne[3] / ic : 0;
        if (n == 0)
        {
            return;
        }
        long id = img.Ne[2], ih = img.Ne[1], iw = img.Ne[0];
        long kd = k.Ne[2], kh = k.Ne[1], kw = k.Ne[0];
        long od = node.Ne[3] / n, oh = node.Ne[2], ow = node.Ne[1];
        long khkw = kh * kw;
        long kdkhkw = kd * khkw;
        bool half = node.Type == GgmlType.F16;

        for (long iN = 0; iN < n; iN++)
        {
            for (long iod = 0; iod < od; iod++)
            {
                for (long ioh = 0; ioh < oh; ioh++)
                {
                    for (long iow = 0; iow < ow; iow++)
                    {
                        long row = (iN * od * oh * ow + iod * oh * ow + ioh * ow + iow) * ic * kdkhkw;
                        for (long iic = p.Ith; iic < ic; iic += p.Nth)
                        {
                            byte* src = img.DataPtr + (iN * ic + iic) * img.Nb[3];
                            for (long ikd = 0; ikd < kd; ikd++)
                            {
                                for (long ikh = 0; ikh < kh; ikh++)
                                {
                                    for (long ikw = 0; ikw < kw; ikw++)
                                    {
                                        long iiw = iow * s0 + ikw * d0 - p0;
                                        long iih = ioh * s1 + ikh * d1 - p1;
                                        long iid = iod * s2 + ikd * d2 - p2;
                                        long di = row + iic * kdkhkw + ikd * khkw + ikh * kw + ikw;
                                        float v = iid < 0 || iid >= id || iih < 0 || iih >= ih || iiw < 0 || iiw >= iw
                                            ? 0f
                                            : *(float*)(src + iid * img.Nb[2] + iih * img.Nb[1] + iiw * img.Nb[0]);
                                        if (half)
                                        {
                                            ((ushort*)node.DataPtr)[di] = Fp16.FromSingle(v);
                                        }
                                        else
                                        {
                                            ((float*)node.DataPtr)[di] = v;
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
}
