using RpcWorker.Compute.Kernels.Norms;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterNorms()
    {
        Register(GgmlOp.Norm, new NormKernel());
        Register(GgmlOp.RmsNorm, new RmsNormKernel());
        Register(GgmlOp.L2Norm, new L2NormKernel());
        Register(GgmlOp.GroupNorm, new GroupNormKernel());
    }
}
