namespace RpcWorker.Compute;

/// <summary><c>enum ggml_glu_op</c> at 5.1.0, carried in op_params[0] of <see cref="GgmlOp.Glu"/> (op_params[1] = swapped).</summary>
public enum GluOp
{
    Reglu, Geglu, Swiglu, SwigluOai, GegluErf, GegluQuick,

    /// <summary>Number of GLU ops; not an op.</summary>
    Count,
}
