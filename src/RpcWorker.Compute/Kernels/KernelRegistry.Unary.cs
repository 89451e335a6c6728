using RpcWorker.Compute.Kernels.Unary;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterUnary()
    {
        Register(UnaryOp.Abs, new UnaryKernel<UnaryOperators.Abs>());
        Register(UnaryOp.Sgn, new UnaryKernel<UnaryOperators.Sgn>());
        Register(UnaryOp.Neg, new UnaryKernel<UnaryOperators.Neg>());
        Register(UnaryOp.Step, new UnaryKernel<UnaryOperators.Step>());
        Register(UnaryOp.Tanh, new UnaryKernel<UnaryOperators.Tanh>());
        Register(UnaryOp.Elu, new UnaryKernel<UnaryOperators.Elu>());
        Register(UnaryOp.Relu, new UnaryKernel<UnaryOperators.Relu>());
        Register(UnaryOp.Sigmoid, new UnaryKernel<UnaryOperators.Sigmoid>());
        Register(UnaryOp.Gelu, new UnaryKernel<UnaryOperators.Gelu>());
        Register(UnaryOp.GeluQuick, new UnaryKernel<UnaryOperators.GeluQuick>());
        Register(UnaryOp.Silu, new UnaryKernel<UnaryOperators.Silu>());
        Register(UnaryOp.HardSwish, new UnaryKernel<UnaryOperators.HardSwish>());
        Register(UnaryOp.HardSigmoid, new UnaryKernel<UnaryOperators.HardSigmoid>());
        Register(UnaryOp.Exp, new UnaryKernel<UnaryOperators.Exp>());
        Register(UnaryOp.Expm1, new UnaryKernel<UnaryOperators.Expm1>());
        Register(UnaryOp.Softplus, new UnaryKernel<UnaryOperators.Softplus>());
        Register(UnaryOp.GeluErf, new UnaryKernel<UnaryOperators.GeluErf>());
        Register(UnaryOp.Xielu, new UnaryKernel<UnaryOperators.Xielu>());
        Register(UnaryOp.Floor, new UnaryKernel<UnaryOperators.Floor>());
        Register(UnaryOp.Ceil, new UnaryKernel<UnaryOperators.Ceil>());
        Register(UnaryOp.Round, new UnaryKernel<UnaryOperators.Round>());
        Register(UnaryOp.Trunc, new UnaryKernel<UnaryOperators.Trunc>());

        Register(GluOp.Reglu, new GluKernel<GluOperators.Reglu>());
        Register(GluOp.Geglu, new GluKernel<GluOperators.Geglu>());
        Register(GluOp.Swiglu, new GluKernel<GluOperators.Swiglu>());
        Register(GluOp.SwigluOai, new GluKernel<GluOperators.SwigluOai>());
        Register(GluOp.GegluErf, new GluKernel<GluOperators.GegluErf>());
        Register(GluOp.GegluQuick, new GluKernel<GluOperators.GegluQuick>());
    }
}
