using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterMatMul()
    {
        Register(GgmlOp.MulMat, new MulMatKernel());
        Register(GgmlOp.MulMatId, new MulMatIdKernel());
        Register(GgmlOp.OutProd, new OutProdKernel());
        Register(GgmlOp.AddId, new AddIdKernel());
    }
}
