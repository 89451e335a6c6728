using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// CONV_3D (direct): kernel [KW, KH, KD, C·OC] (F32 or F16, contiguous) over input [W, H, D, C·N] (F32) to
/// [OW, OH, OD, OC·N]; C, N and OC come from op_params[9..11] (ggml-cpu semantics).
/// </summary>
internal sealed unsafe class Conv3D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? x = node.Src[1];
        if (!ConvGeometry.IsFloatOrHalf(k) || !KernelChecks.Is(x, GgmlType.F32) || node.Type != GgmlType.F32)
        {
            return "conv_3d needs an f32/f16 kernel, an f32 input and an f32 destination";
        }
        long c = node.Params[9], n = node.Params[10], oc = node.Params[11];
        if (c <= 0 || n <= 0 || oc <= 0 || k!.Ne[3] != c * oc || x!.Ne[3] != c * n || node.Ne[3] != oc * n)
        {
            return "needs kernel dim 3 = C*OC, input dim 3 = C*N and destination dim 3 = OC*N";
        }
        if (!k.IsContiguous)
        {
            return "kernel must be contiguous";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads)
    {
        Tensor k = node.Src[0]!;
        long c = node.Params[9], oc = node.Params[11];
        return ConvPatchGemm.WorkSize(k, k.Ne[0] * k.Ne[1] * k.Ne[2] * c, oc, threads);
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor k = node.Src[0]!;
        Tensor x = node.Src[1]!;
        int s0 = node.Params[0], s1 = node.Params[1], s2 = node.Params[2];
        int p0 = node.Params[3], p1 = node.Params[4], p2 = node.Params[5];
        int d0 = node.Params[6], d1 = node.Params[7], d2 = node.Params[8];
        long c = node.Params[9], n = node.Params[10], oc = node.Params[11];
        long kw = k.Ne[0], kh = k.Ne[1], kd = k.Ne[2];
        long w = x.Ne[0], h = x.Ne[1], d = x.Ne[2];
        long ow = node.Ne[0], oh = node.Ne[1], od = node.Ne[2];
        long perChannel = kw * kh * kd;
        long knlN = perChannel * c;
        bool half = k.Type == GgmlType.F16;

        float* rows = ConvPatchGemm.KernelRows(p, k, knlN, oc);
        float* patch = ConvPatchGemm.Patch(p, k, knlN, oc);
        long total = n * ow * oh * od;
        long per = (total + p.Nth - 1) / p.Nth;
        long q0 = Math.Min(per * p.Ith, total);
        long q1 = Math.Min(q0 + per, total);
        for (long pi = q0; pi < q1; pi++)
        {
            long inBatch = pi % (ow * oh * od);
            long inDepth = inBatch % (ow * oh);
            long b = pi / (ow * oh * od);
            long oz = inBatch / (ow * oh);
            long oy = inDepth / ow;
            long ox = inDepth % ow;
            for (long ic = 0; ic < c; ic++)
            {
                byte* src = x.DataPtr + (b * c + ic) * x.Nb[3];
                for (long kz = 0; kz < kd; kz++)
                {
                    for (long ky = 0; ky < kh; ky++)
                    {
                        for (long kx = 0; kx < kw; kx++)
                        {
                            long iz = oz * s2 + kz * d2 - p2;
                            long iy = oy * s1 + ky * d1 - p1;
                            long ix = ox * s0 + kx * d0 - p0;
                            float v = iz < 0 || iz >= d || iy < 0 || iy >= h || ix < 0 || ix >= w
                                ? 0f
                                : *(float*)(src + ix * x.Nb[0] + iy * x.Nb[1] + iz * x.Nb[2]);
                            patch[ic * perChannel + kz * kh * kw + ky * kw + kx] = half ? ConvGeometry.RoundHalf(v) : v;
                        }
                    }
                }
            }
            for (long o = 0; o < oc; o++)
            {
                *(float*)(node.DataPtr + ox * node.Nb[0] + oy * node.Nb[1] + oz * node.Nb[2] + (b * oc + o) * node.Nb[3]) =
                    ConvPatchGemm.Dot(patch, rows + o * knlN, knlN);
            }
        }
    }
}
