using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// IM2COL: image [N, IC, IH, IW] (or [N, IC, IW] in 1-D) to patches [N, OH, OW, IC·KH·KW] with zero padding,
/// as F32 or F16 (ggml-cpu semantics; src0 only gives the kernel size).
/// </summary>
internal sealed unsafe class Im2Col : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? img = node.Src[1];
        if (k is null || img is null)
        {
            return "im2col needs a kernel and an image";
        }
        if (node.Type == GgmlType.F32 ? img.Type != GgmlType.F32 : node.Type != GgmlType.F16 || !ConvGeometry.IsFloatOrHalf(img))
        {
            return "im2col supports f32 -> f32 and f32/f16 -> f16";
        }
        bool is2D = node.Params[6] == 1;
        long n = is2D ? img.Ne[3] : img.Ne[2];
        long ic = is2D ? img.Ne[2] : img.Ne[1];
        long ih = is2D ? img.Ne[1] : 1;
        long kh = is2D ? k.Ne[1] : 1;
        long kw = k.Ne[0];
        long oh = is2D ? node.Ne[2] : 1;
        if (img.Nb[0] != img.Info.TypeSize || (is2D && img.Nb[1] != img.Ne[0] * img.Nb[0]))
        {
            return "image rows must be contiguous";
        }
        if (!is2D && img.Ne[3] != 1)
        {
            return "1-D im2col needs a 3-D image";
        }
        if (node.Ne[0] != ic * kh * kw || (is2D ? node.Ne[3] != n : node.Ne[2] != n || node.Ne[3] != 1) || !node.IsContiguous)
        {
            return "destination must be a contiguous [IC*KH*KW, OW, OH, N]";
        }
        if (ih <= 0 || oh <= 0)
        {
            return "empty image";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor k = node.Src[0]!;
        Tensor img = node.Src[1]!;
        int s0 = node.Params[0], s1 = node.Params[1], p0 = node.Params[2], p1 = node.Params[3], d0 = node.Params[4], d1 = node.Params[5];
        bool is2D = node.Params[6] == 1;
        long n = is2D ? img.Ne[3] : img.Ne[2];
        long ic = is2D ? img.Ne[2] : img.Ne[1];
        long ih = is2D ? img.Ne[1] : 1;
        long iw = img.Ne[0];
        long kh = is2D ? k.Ne[1] : 1;
        long kw = k.Ne[0];
        long oh = is2D ? node.Ne[2] : 1;
        long ow = node.Ne[1];
        long ofs0 = is2D ? img.Nb[3] : img.Nb[2];
        long ofs1 = is2D ? img.Nb[2] : img.Nb[1];
        bool srcHalf = img.Type == GgmlType.F16;
        bool dstHalf = node.Type == GgmlType.F16;
        long kk = kh * kw;

        for (long iN = 0; iN < n; iN++)
        {
            for (long ioh = 0; ioh < oh; ioh++)
            {
                for (long iow = 0; iow < ow; iow++)
                {
                    long row = (iN * oh * ow + ioh * ow + iow) * ic * kk;
                    for (long iic = p.Ith; iic < ic; iic += p.Nth)
                    {
                        byte* src = img.DataPtr + iN * ofs0 + iic * ofs1;
                        for (long ikh = 0; ikh < kh; ikh++)
                        {
                            for (long ikw = 0; ikw < kw; ikw++)
                            {
                                long iiw = iow * s0 + ikw * d0 - p0;
                                long iih = ioh * s1 + ikh * d1 - p1;
                                long di = row + iic * kk + ikh * kw + ikw;
                                bool outside = iih < 0 || iih >= ih || iiw < 0 || iiw >= iw;
                                if (dstHalf)
                                {
                                    ((ushort*)node.DataPtr)[di] = outside ? (ushort)0
                                        : srcHalf ? ((ushort*)src)[iih * iw + iiw] : Fp16.FromSingle(((float*)src)[iih * iw + iiw]);
                                }
                                else
                                {
                                    ((float*)node.DataPtr)[di] = outside ? 0 : ((float*)src)[iih * iw + iiw];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
