using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterReductions()
    {
        Register(GgmlOp.Sum, new SumKernel());
        Register(GgmlOp.SumRows, new SumRowsKernel());
        Register(GgmlOp.Mean, new MeanKernel());
        Register(GgmlOp.ArgMax, new ArgMaxKernel());
        Register(GgmlOp.CountEqual, new CountEqualKernel());
        Register(GgmlOp.CumSum, new CumSumKernel());
        Register(GgmlOp.ArgSort, new ArgSortKernel());
        Register(GgmlOp.TopK, new TopKKernel());
    }
}
