using RpcWorker.Compute.Kernels.Sequence;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterSequence()
    {
        Register(GgmlOp.SsmConv, new SsmConv());
        Register(GgmlOp.SsmScan, new SsmScan());
        Register(GgmlOp.SolveTri, new SolveTri());
        Register(GgmlOp.GatedDeltaNet, new GatedDeltaNet());
    }
}
