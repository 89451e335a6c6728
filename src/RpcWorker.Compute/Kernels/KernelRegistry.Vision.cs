using RpcWorker.Compute.Kernels.Vision;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterVision()
    {
        Register(GgmlOp.WinPart, new WinPart());
        Register(GgmlOp.WinUnpart, new WinUnpart());
        Register(GgmlOp.GetRelPos, new GetRelPos());
        Register(GgmlOp.AddRelPos, new AddRelPos());
    }
}
