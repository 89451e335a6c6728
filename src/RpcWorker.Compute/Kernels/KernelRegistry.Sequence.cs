using RpcWorker.Compute.Kernels.HyperConnections;
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
        Register(GgmlOp.LightningIndexer, new LightningIndexer());
        Register(GgmlOp.RwkvWkv6, new RwkvWkv6());
        Register(GgmlOp.RwkvWkv7, new RwkvWkv7());
        Register(GgmlOp.GatedLinearAttn, new GatedLinearAttn());
        Register(GgmlOp.Dsv4HcComb, new Dsv4HcComb());
        Register(GgmlOp.Dsv4HcPre, new Dsv4HcPre());
        Register(GgmlOp.Dsv4HcPost, new Dsv4HcPost());
    }
}
