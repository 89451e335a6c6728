using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// CONV_TRANSPOSE_2D (padding 0): kernel [Kw, Kh, Cout, Cin] (F32 or F16) over input [Sw, Sh, Cin] (F32) with one
/// stride, output [(Sw−1)·s + Kw, (Sh−1)·s + Kh, Cout]. Like ggml-cpu only batch 0 is computed (the rest is zero),
/// and an F16 kernel sees the input rounded to fp16.
/// </summary>
internal sealed unsafe class ConvTranspose2D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? x = node.Src[1];
        if (!ConvGeometry.IsFloatOrHalf(k) || !KernelChecks.Is(x, GgmlType.F32) || node.Type != GgmlType.F32)
        {
            return "conv_transpose_2d needs an f32/f16 kernel, an f32 input and an f32 destination";
        }
        int s = node.Params[0];
        if (s <= 0 || x!.Ne[2] != k!.Ne[3])
        {
            return "needs stride > 0 and input channels = kernel dim 3";
        }
        long ow = (x.Ne[0] - 1) * s + k.Ne[0];
        long oh = (x.Ne[1] - 1) * s + k.Ne[1];
        if (!KernelChecks.HasShape(node, ow, oh, k.Ne[2], x.Ne[3]) || !node.IsContiguous)
        {
            return "destination must be a contiguous [(Sw-1)*s + Kw, (Sh-1)*s + Kh, Cout, N]";
        }
        if (k.Nb[0] != k.Info.TypeSize || x.Nb[0] != 4)
        {
            return "kernel and input rows must be contiguous";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor k = node.Src[0]!;
        Tensor x = node.Src[1]!;
        int stride = node.Params[0];
        long kw = k.Ne[0], kh = k.Ne[1], cin = k.Ne[3];
        long sw = x.Ne[0], sh = x.Ne[1];
        long ne0 = node.Ne[0];
        long np = node.Ne[2];
        bool half = k.Type == GgmlType.F16;
        long dp = (np + p.Nth - 1) / p.Nth;
        long ip0 = dp * p.Ith;
        long ip1 = Math.Min(ip0 + dp, np);
        long plane = node.Ne[0] * node.Ne[1];

        if (p.Ith == 0)
        {
            for (long i3 = 1; i3 < node.Ne[3]; i3++)
            {
                ConvGeometry.Clear((float*)(node.DataPtr + i3 * node.Nb[3]), np * plane);
            }
        }
        for (long i2 = ip0; i2 < ip1; i2++)
        {
            float* dst = (float*)(node.DataPtr + i2 * node.Nb[2]);
            ConvGeometry.Clear(dst, plane);
            for (long i11 = 0; i11 < sh; i11++)
            {
                for (long i10 = 0; i10 < sw; i10++)
                {
                    for (long i01 = 0; i01 < kh; i01++)
                    {
                        for (long i00 = 0; i00 < kw; i00++)
                        {
                            float v = 0;
                            for (long c = 0; c < cin; c++)
                            {
                                float xv = *(float*)(x.DataPtr + i10 * 4 + i11 * x.Nb[1] + c * x.Nb[2]);
                                byte* kp = k.DataPtr + i00 * k.Nb[0] + i01 * k.Nb[1] + i2 * k.Nb[2] + c * k.Nb[3];
                                v += (half ? ConvGeometry.RoundHalf(xv) : xv) * ConvGeometry.Load(kp, 0, half);
                            }
                            dst[(i11 * stride + i01) * ne0 + i10 * stride + i00] += v;
                        }
                    }
                }
            }
        }
    }
}
