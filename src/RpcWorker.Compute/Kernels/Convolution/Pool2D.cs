using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// POOL_2D: max or average over k0×k1 windows with strides and padding on each plane of an F32/F16 source into
/// F32; the average always divides by k0·k1 (ggml-cpu semantics, single-threaded).
/// </summary>
internal sealed unsafe class Pool2D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0];
        if (!ConvGeometry.IsFloatOrHalf(src) || node.Type != GgmlType.F32)
        {
            return "pool_2d needs an f32/f16 source and an f32 destination";
        }
        if (node.Params[0] is not (0 or 1))
        {
            return "pool op must be max or avg";
        }
        if (!src!.IsContiguous || !node.IsContiguous || node.Ne[2] != src.Ne[2] || node.Ne[3] != src.Ne[3])
        {
            return "source and destination must be contiguous with the same planes";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        bool max = node.Params[0] == 0;
        int k0 = node.Params[1], k1 = node.Params[2], s0 = node.Params[3], s1 = node.Params[4], p0 = node.Params[5], p1 = node.Params[6];
        bool half = src.Type == GgmlType.F16;
        long px = node.Ne[0], py = node.Ne[1];
        long planes = src.Ne[2] * src.Ne[3];
        int ka = k0 * k1;
        for (long plane = 0; plane < planes; plane++)
        {
            byte* cdata = src.DataPtr + plane * src.Nb[2];
            float* dplane = (float*)node.DataPtr + plane * px * py;
            for (long oy = 0; oy < py; oy++)
            {
                for (long ox = 0; ox < px; ox++)
                {
                    float res = max ? -float.MaxValue : 0f;
                    long ix = -p0 + ox * s0;
                    long iy = -p1 + oy * s1;
                    for (int ky = 0; ky < k1; ky++)
                    {
                        if (iy + ky < 0 || iy + ky >= src.Ne[1])
                        {
                            continue;
                        }
                        byte* srow = cdata + src.Nb[1] * (iy + ky);
                        for (int kx = 0; kx < k0; kx++)
                        {
                            long j = ix + kx;
                            if (j < 0 || j >= src.Ne[0])
                            {
                                continue;
                            }
                            float v = ConvGeometry.Load(srow, j, half);
                            res = max ? Pool1D.MaxLikeStd(v, res) : res + v;
                        }
                    }
                    dplane[oy * px + ox] = max ? res : res / ka;
                }
            }
        }
    }
}
