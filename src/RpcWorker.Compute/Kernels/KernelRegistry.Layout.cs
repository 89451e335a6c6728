using RpcWorker.Compute.Kernels.Layout;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterLayout()
    {
        Register(GgmlOp.Repeat, new RepeatKernel());
        Register(GgmlOp.Concat, new ConcatKernel());
        Register(GgmlOp.GetRows, new GetRowsKernel());
        Register(GgmlOp.SetRows, new SetRowsKernel());
        Register(GgmlOp.Diag, new DiagKernel());
        Register(GgmlOp.DiagMaskInf, new DiagMaskKernel(float.NegativeInfinity));
        Register(GgmlOp.DiagMaskZero, new DiagMaskKernel(0f));
        Register(GgmlOp.Pad, new PadKernel());
        Register(GgmlOp.PadReflect1D, new PadReflect1DKernel());
        Register(GgmlOp.Roll, new RollKernel());
        Register(GgmlOp.Tri, new TriKernel());
        Register(GgmlOp.TimestepEmbedding, new TimestepEmbeddingKernel());
        Register(GgmlOp.Upscale, new UpscaleKernel());
    }
}
