using RpcWorker.Compute.Kernels.Convolution;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterConvolution()
    {
        Register(GgmlOp.Im2Col, new Im2Col());
        Register(GgmlOp.Im2Col3D, new Im2Col3D());
        Register(GgmlOp.Col2Im1D, new Col2Im1D());
        Register(GgmlOp.ConvTranspose1D, new ConvTranspose1D());
        Register(GgmlOp.ConvTranspose2D, new ConvTranspose2D());
        Register(GgmlOp.Conv2D, new Conv2D());
        Register(GgmlOp.Conv2DDw, new Conv2DDw());
        Register(GgmlOp.Conv3D, new Conv3D());
        Register(GgmlOp.Pool1D, new Pool1D());
        Register(GgmlOp.Pool2D, new Pool2D());
    }
}
