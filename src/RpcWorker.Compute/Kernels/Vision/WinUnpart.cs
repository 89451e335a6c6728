using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Vision;

/// <summary>WIN_UNPART (SAM): reassembles w×w windows [C, w, w, n] into [C, W, H], dropping the padding (op_params w).</summary>
internal sealed unsafe class WinUnpart : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 1) is { } typeError)
        {
            return typeError;
        }
        Tensor src = node.Src[0]!;
        long w = node.Params[0];
        if (w < 1 || src.Ne[1] != w || src.Ne[2] != w || node.Ne[0] != src.Ne[0] || node.Ne[3] != 1)
        {
            return "source must be [C, w, w, n] and the destination [C, W, H]";
        }
        long windows = checked(((node.Ne[1] + w - 1) / w) * ((node.Ne[2] + w - 1) / w));
        return src.Ne[3] >= windows && src.IsContiguous && node.IsContiguous ? null : "the source must hold every window, contiguous";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        long w = node.Params[0];
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2];
        long ne00 = src.Ne[0], ne01 = src.Ne[1], ne02 = src.Ne[2];
        long npx = (ne1 + w - 1) / w;
        float* dst = (float*)node.DataPtr;
        float* s = (float*)src.DataPtr;
        for (long i2 = 0; i2 < ne2; i2++)
        {
            for (long i1 = 0; i1 < ne1; i1++)
            {
                long window = i2 / w * npx + i1 / w;
                float* from = s + ((window * ne02 + i2 % w) * ne01 + i1 % w) * ne00;
                new ReadOnlySpan<float>(from, (int)ne0).CopyTo(new Span<float>(dst + (i2 * ne1 + i1) * ne0, (int)ne0));
            }
        }
    }
}
