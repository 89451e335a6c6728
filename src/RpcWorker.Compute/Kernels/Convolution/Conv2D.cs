using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// CONV_2D (direct): kernel [KW, KH, IC, OC] (F32 or F16, contiguous) over input [W, H, IC, N] (F32) to
/// [OW, OH, OC, N] with stride, padding and dilation (ggml-cpu semantics: im2col patches times the kernel).
/// </summary>
internal sealed unsafe class Conv2D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? x = node.Src[1];
        if (!ConvGeometry.IsFloatOrHalf(k) || !KernelChecks.Is(x, GgmlType.F32) || node.Type != GgmlType.F32)
        {
            return "conv_2d needs an f32/f16 kernel, an f32 input and an f32 destination";
        }
        if (!k!.IsContiguous || k.Ne[2] != x!.Ne[2])
        {
            return "kernel must be contiguous with IC = input channels";
        }
        if (node.Ne[2] != k.Ne[3] || node.Ne[3] != x.Ne[3])
        {
            return "destination must be [OW, OH, OC, N]";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads)
    {
        Tensor k = node.Src[0]!;
        return ConvPatchGemm.WorkSize(k, k.Ne[0] * k.Ne[1] * k.Ne[2], k.Ne[3], threads);
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor k = node.Src[0]!;
        Tensor x = node.Src[1]!;
        int sx = node.Params[0], sy = node.Params[1], px = node.Params[2], py = node.Params[3], dx = node.Params[4], dy = node.Params[5];
        long kw = k.Ne[0], kh = k.Ne[1], cin = k.Ne[2], cout = k.Ne[3];
        long w = x.Ne[0], h = x.Ne[1];
        long ow = node.Ne[0], oh = node.Ne[1];
        long knlN = kw * kh * cin;
        bool half = k.Type == GgmlType.F16;

        float* rows = ConvPatchGemm.KernelRows(p, k, knlN, cout);
        float* patch = ConvPatchGemm.Patch(p, k, knlN, cout);
        long total = node.Ne[3] * ow * oh;
        long per = (total + p.Nth - 1) / p.Nth;
        long p0 = Math.Min(per * p.Ith, total);
        long p1 = Math.Min(p0 + per, total);
        for (long pi = p0; pi < p1; pi++)
        {
            long b = pi / (ow * oh);
            long oy = pi / ow % oh;
            long ox = pi % ow;
            byte* src = x.DataPtr + b * x.Nb[3];
            for (long ic = 0; ic < cin; ic++)
            {
                for (long ky = 0; ky < kh; ky++)
                {
                    for (long kx = 0; kx < kw; kx++)
                    {
                        long iy = oy * sy + ky * dy - py;
                        long ix = ox * sx + kx * dx - px;
                        float v = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f : *(float*)(src + ix * x.Nb[0] + iy * x.Nb[1] + ic * x.Nb[2]);
                        patch[ic * kh * kw + ky * kw + kx] = half ? ConvGeometry.RoundHalf(v) : v;
                    }
                }
            }
            for (long oc = 0; oc < cout; oc++)
            {
                *(float*)(node.DataPtr + ox * node.Nb[0] + oy * node.Nb[1] + oc * node.Nb[2] + b * node.Nb[3]) =
                    ConvPatchGemm.Dot(patch, rows + oc * knlN, knlN);
            }
        }
    }
}
