using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterAttention()
    {
        Register(GgmlOp.SoftMax, new SoftMaxKernel());
        Register(GgmlOp.Rope, new RopeKernel(forward: true));
        Register(GgmlOp.RopeBack, new RopeKernel(forward: false));
        Register(GgmlOp.FlashAttnExt, new FlashAttnExtKernel());
    }
}
