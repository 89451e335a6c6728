using RpcWorker.Compute.Kernels.Elementwise;
using RpcWorker.Compute.Kernels.Unary;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterElementwise()
    {
        var dup = new DupKernel();
        Register(GgmlOp.Dup, dup);
        Register(GgmlOp.Cpy, dup);
        Register(GgmlOp.Cont, dup);

        Register(GgmlOp.Add, new BinaryKernel<BinaryOperators.Add>());
        Register(GgmlOp.Sub, new BinaryKernel<BinaryOperators.Sub>());
        Register(GgmlOp.Mul, new BinaryKernel<BinaryOperators.Mul>());
        Register(GgmlOp.Div, new BinaryKernel<BinaryOperators.Div>());
        Register(GgmlOp.Add1, new Add1Kernel());
        Register(GgmlOp.Acc, new AccKernel());
        Register(GgmlOp.Set, new SetKernel());
        Register(GgmlOp.Scale, new ScaleKernel());
        Register(GgmlOp.Fill, new FillKernel());
        Register(GgmlOp.Arange, new ArangeKernel());
        Register(GgmlOp.Clamp, new ClampKernel());
        Register(GgmlOp.LeakyRelu, new LeakyReluKernel());

        Register(GgmlOp.Sqr, new UnaryKernel<UnaryOperators.Sqr>());
        Register(GgmlOp.Sqrt, new UnaryKernel<UnaryOperators.Sqrt>());
        Register(GgmlOp.Log, new UnaryKernel<UnaryOperators.Log>());
        Register(GgmlOp.Sin, new UnaryKernel<UnaryOperators.Sin>());
        Register(GgmlOp.Cos, new UnaryKernel<UnaryOperators.Cos>());
    }
}
