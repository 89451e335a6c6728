namespace RpcWorker.Compute;

/// <summary><c>enum ggml_unary_op</c> at 5.1.0, carried in op_params[0] of <see cref="GgmlOp.Unary"/>.</summary>
public enum UnaryOp
{
    Abs, Sgn, Neg, Step, Tanh, Elu, Relu, Sigmoid, Gelu, GeluQuick, Silu, HardSwish, HardSigmoid, Exp, Expm1, Softplus,
    GeluErf, Xielu, Floor, Ceil, Round, Trunc,

    /// <summary>Number of unary ops; not an op.</summary>
    Count,
}
