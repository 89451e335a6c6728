using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Vision;

/// <summary>
/// ADD_REL_POS (SAM): adds decomposed relative-position terms to attention scores: for each (patch, row, column) the
/// height term src2 along one axis and the width term src1 along the other (op_params[0] = in place).
/// </summary>
internal sealed unsafe class AddRelPos : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (KernelChecks.RequireF32(node, 3) is { } typeError)
        {
            return typeError;
        }
        Tensor a = node.Src[0]!, pw = node.Src[1]!, ph = node.Src[2]!;
        bool ok = TensorLayout.SameShape(a, node) && TensorLayout.SameShape(pw, ph) && a.IsContiguous && node.IsContiguous
            && pw.IsContiguous && ph.IsContiguous && node.NElements >= checked(pw.NElements * pw.Ne[0]);
        return ok ? null : "scores must be contiguous and hold ne10 values per relative-position entry";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!, pw = node.Src[1]!, ph = node.Src[2]!;
        if (node.Params[0] == 0)
        {
            if (p.Ith == 0 && a.Data != node.Data)
            {
                Buffer.MemoryCopy(a.DataPtr, node.DataPtr, node.NBytes, node.NBytes);
            }
            p.Barrier();
        }
        float* src1 = (float*)pw.DataPtr, src2 = (float*)ph.DataPtr, dst = (float*)node.DataPtr;
        long ne10 = pw.Ne[0], ne11 = pw.Ne[1], ne12 = pw.Ne[2], ne13 = pw.Ne[3];
        (long ip0, long ip1) = p.Share(ne13);
        for (long i13 = ip0; i13 < ip1; i13++)
        {
            for (long i12 = 0; i12 < ne12; i12++)
            {
                for (long i11 = 0; i11 < ne11; i11++)
                {
                    long jp1 = ((i13 * ne12 + i12) * ne11 + i11) * ne10;
                    for (long i10 = 0; i10 < ne10; i10++)
                    {
                        long jp0 = jp1 + i10;
                        float w = src1[jp0], h = src2[jp0];
                        long jdh = jp0 * ne10;
                        long jdw = jdh - (ne10 - 1) * i10;
                        for (long j = 0; j < ne10; j++)
                        {
                            dst[jdh + j] += h;
                            dst[jdw + j * ne10] += w;
                        }
                    }
                }
            }
        }
    }
}
