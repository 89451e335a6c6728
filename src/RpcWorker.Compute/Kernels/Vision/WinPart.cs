using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Vision;

/// <summary>WIN_PART (SAM): splits [C, W, H] into zero-padded w×w windows [C, w, w, nep0·nep1] (op_params nep0, nep1, w).</summary>
internal sealed unsafe class WinPart : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 1) is { } typeError)
        {
            return typeError;
        }
        Tensor src = node.Src[0]!;
        long nep0 = node.Params[0], nep1 = node.Params[1], w = node.Params[2];
        bool ok = nep0 >= 1 && nep1 >= 1 && w >= 1 && src.Ne[3] == 1
            && KernelChecks.HasShape(node, src.Ne[0], w, w, nep0 * nep1) && src.IsContiguous && node.IsContiguous;
        return ok ? null : "destination must be contiguous [C, w, w, nep0*nep1] over a contiguous [C, W, H] source";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        long nep0 = node.Params[0], nep1 = node.Params[1], w = node.Params[2];
        long ne0 = node.Ne[0], ne1 = node.Ne[1], ne2 = node.Ne[2];
        long ne00 = src.Ne[0], ne01 = src.Ne[1], ne02 = src.Ne[2];
        float* dst = (float*)node.DataPtr;
        float* s = (float*)src.DataPtr;
        for (long py = 0; py < nep1; py++)
        {
            for (long px = 0; px < nep0; px++)
            {
                long i3 = py * nep0 + px;
                for (long i2 = 0; i2 < ne2; i2++)
                {
                    for (long i1 = 0; i1 < ne1; i1++)
                    {
                        long i02 = py * w + i2, i01 = px * w + i1;
                        float* d = dst + ((i3 * ne2 + i2) * ne1 + i1) * ne0;
                        if (i02 >= ne02 || i01 >= ne01)
                        {
                            new Span<float>(d, (int)ne0).Clear();
                        }
                        else
                        {
                            new ReadOnlySpan<float>(s + (i02 * ne01 + i01) * ne00, (int)ne0).CopyTo(new Span<float>(d, (int)ne0));
                        }
                    }
                }
            }
        }
    }
}
