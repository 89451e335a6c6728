using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// CONV_TRANSPOSE_1D: kernel [K, Cout, Cin] (F32 or F16) over input [L, Cin] (F32) with stride s0, output
/// [(L−1)·s0 + K, Cout]. With an F16 kernel the input is rounded to fp16 as ggml-cpu does.
/// </summary>
internal sealed unsafe class ConvTranspose1D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? k = node.Src[0];
        Tensor? x = node.Src[1];
        if (!ConvGeometry.IsFloatOrHalf(k) || !KernelChecks.Is(x, GgmlType.F32) || node.Type != GgmlType.F32)
        {
            return "conv_transpose_1d needs an f32/f16 kernel, an f32 input and an f32 destination";
        }
        int s0 = node.Params[0];
        if (s0 <= 0 || k!.Ne[3] != 1 || x!.Ne[2] != 1 || x.Ne[3] != 1 || x.Ne[1] != k.Ne[2])
        {
            return "needs s0 > 0, kernel [K, Cout, Cin] and input [L, Cin]";
        }
        if (!KernelChecks.HasShape(node, (x.Ne[0] - 1) * s0 + k.Ne[0], k.Ne[1], 1, 1) || node.Nb[0] != 4)
        {
            return "destination must be [(L-1)*s0 + K, Cout]";
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
        int s0 = node.Params[0];
        long kw = k.Ne[0];
        long cin = k.Ne[2];
        long len = x.Ne[0];
        long nr = node.Ne[1];
        bool half = k.Type == GgmlType.F16;
        long dr = (nr + p.Nth - 1) / p.Nth;
        long ir0 = dr * p.Ith;
        long ir1 = Math.Min(ir0 + dr, nr);

        for (long i1 = ir0; i1 < ir1; i1++)
        {
            float* dst = (float*)(node.DataPtr + i1 * node.Nb[1]);
            ConvGeometry.Clear(dst, node.Ne[0]);
            for (long i10 = 0; i10 < len; i10++)
            {
                for (long i00 = 0; i00 < kw; i00++)
                {
                    float v = 0;
                    for (long c = 0; c < cin; c++)
                    {
                        float xv = *(float*)(x.DataPtr + i10 * 4 + c * x.Nb[1]);
                        byte* kp = k.DataPtr + i00 * k.Nb[0] + i1 * k.Nb[1] + c * k.Nb[2];
                        v += (half ? ConvGeometry.RoundHalf(xv) : xv) * ConvGeometry.Load(kp, 0, half);
                    }
                    dst[i10 * s0 + i00] += v;
                }
            }
        }
    }
}
