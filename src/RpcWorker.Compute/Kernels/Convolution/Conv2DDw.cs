using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// CONV_2D_DW (direct depthwise): kernel [KW, KH, 1, C] (F32 or F16) over input [W, H, C, N] (F32) to
/// [OW, OH, C, N]. Like ggml-cpu it reads either the contiguous WHCN layout or the channels-innermost CWHN layout
/// (input permuted so that channels are contiguous; kernel and destination are then read/written in that order).
/// </summary>
internal sealed unsafe class Conv2DDw : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? x = node.Src[1];
        if (!ConvGeometry.IsFloatOrHalf(k) || !KernelChecks.Is(x, GgmlType.F32) || node.Type != GgmlType.F32)
        {
            return "conv_2d_dw needs an f32/f16 kernel, an f32 input and an f32 destination";
        }
        long c = x!.Ne[2];
        if (k!.Ne[2] != 1 || k.Ne[3] != c || node.Ne[2] != c || node.Ne[3] != x.Ne[3])
        {
            return "needs kernel [KW, KH, 1, C] and destination [OW, OH, C, N]";
        }
        if (!x.IsContiguous && !IsContiguousChannels(x))
        {
            return "input must be contiguous in WHCN or CWHN order";
        }
        if (!ConvGeometry.LinearFits(k, k.NElements) || !ConvGeometry.LinearFits(node, node.NElements))
        {
            return "kernel and destination must be dense";
        }
        return null;
    }

    /// <summary><c>ggml_is_contiguous_channels</c>, plus the dense strides the CWHN path indexes by.</summary>
    private static bool IsContiguousChannels(Tensor t) =>
        t.Nb[0] > t.Nb[2] && t.Nb[1] > t.Nb[0] && t.Nb[2] == 4
        && t.Nb[0] == t.Ne[2] * 4 && t.Nb[1] == t.Ne[0] * t.Nb[0] && t.Nb[3] == t.Ne[1] * t.Nb[1];

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor k = node.Src[0]!;
        Tensor x = node.Src[1]!;
        int sx = node.Params[0], sy = node.Params[1], px = node.Params[2], py = node.Params[3], dx = node.Params[4], dy = node.Params[5];
        long c = x.Ne[2], batch = x.Ne[3];
        long w = x.Ne[0], h = x.Ne[1];
        long ow = node.Ne[0], oh = node.Ne[1];
        long kw = k.Ne[0], kh = k.Ne[1];
        bool half = k.Type == GgmlType.F16;
        float* src = (float*)x.DataPtr;
        float* dst = (float*)node.DataPtr;

        if (x.IsContiguous)
        {
            long n = c * batch;
            long per = (n + p.Nth - 1) / p.Nth;
            long start = Math.Min(per * p.Ith, n);
            long end = Math.Min(start + per, n);
            for (long i = start; i < end; i++)
            {
                long knlOffset = i % c * kw * kh;
                float* s = src + i * w * h;
                float* o = dst + i * ow * oh;
                for (long oy = 0; oy < oh; oy++)
                {
                    for (long ox = 0; ox < ow; ox++)
                    {
                        float sum = 0;
                        for (long ky = 0; ky < kh; ky++)
                        {
                            long iy = oy * sy + ky * dy - py;
                            if (iy < 0 || iy >= h)
                            {
                                continue;
                            }
                            for (long kx = 0; kx < kw; kx++)
                            {
                                long ix = ox * sx + kx * dx - px;
                                if (ix < 0 || ix >= w)
                                {
                                    continue;
                                }
                                sum += ConvGeometry.Load(k.DataPtr, knlOffset + ky * kw + kx, half) * s[iy * w + ix];
                            }
                        }
                        o[oy * ow + ox] = sum;
                    }
                }
            }
            return;
        }

        long rows = oh * batch;
        long perRow = (rows + p.Nth - 1) / p.Nth;
        long r0 = Math.Min(perRow * p.Ith, rows);
        long r1 = Math.Min(r0 + perRow, rows);
        for (long row = r0; row < r1; row++)
        {
            long oy = row % oh;
            float* s = src + row / oh * w * h * c;
            for (long ox = 0; ox < ow; ox++)
            {
                float* o = dst + (row * ow + ox) * c;
                long iyBase = oy * sy - py;
                long ixBase = ox * sx - px;
                for (long ci = 0; ci < c; ci++)
                {
                    float sum = 0;
                    for (long ky = 0; ky < kh; ky++)
                    {
                        long iy = iyBase + ky * dy;
                        if (iy < 0 || iy >= h)
                        {
                            continue;
                        }
                        for (long kx = 0; kx < kw; kx++)
                        {
                            long ix = ixBase + kx * dx;
                            if (ix < 0 || ix >= w)
                            {
                                continue;
                            }
                            sum += ConvGeometry.Load(k.DataPtr, (ky * kw + kx) * c + ci, half) * s[(iy * w + ix) * c + ci];
                        }
                    }
                    o[ci] = sum;
                }
            }
        }
    }
}
