namespace RpcWorker.Compute.Kernels;

/// <summary>
/// Maps an op (and for UNARY/GLU its sub-op) to its kernel. Each family of kernels registers itself in its own
/// <c>KernelRegistry.&lt;Family&gt;.cs</c> file.
/// </summary>
public static partial class KernelRegistry
{
    private static readonly IOpKernel?[] s_ops = new IOpKernel?[(int)GgmlOp.Count];
    private static readonly IOpKernel?[] s_unary = new IOpKernel?[(int)UnaryOp.Count];
    private static readonly IOpKernel?[] s_glu = new IOpKernel?[(int)GluOp.Count];

    static KernelRegistry()
    {
        RegisterElementwise();
        RegisterUnary();
        RegisterReductions();
        RegisterLayout();
        RegisterNorms();
        RegisterAttention();
        RegisterMatMul();
        RegisterConvolution();
        RegisterSequence();
        RegisterTraining();
        RegisterVision();
    }

    static partial void RegisterElementwise();

    static partial void RegisterUnary();

    static partial void RegisterReductions();

    static partial void RegisterLayout();

    static partial void RegisterNorms();

    static partial void RegisterAttention();

    static partial void RegisterMatMul();

    static partial void RegisterConvolution();

    static partial void RegisterSequence();

    static partial void RegisterTraining();

    static partial void RegisterVision();

    /// <summary>Ops that only describe memory (no work at all).</summary>
    public static bool IsNoOp(GgmlOp op) =>
        op is GgmlOp.None or GgmlOp.View or GgmlOp.Reshape or GgmlOp.Permute or GgmlOp.Transpose;

    /// <summary>The kernel for <paramref name="node"/>, or null when the op (or sub-op) has none.</summary>
    public static IOpKernel? Find(Tensor node)
    {
        switch (node.Op)
        {
            case GgmlOp.Unary:
                int u = node.Params[0];
                return (uint)u < (uint)s_unary.Length ? s_unary[u] : null;
            case GgmlOp.Glu:
                int g = node.Params[0];
                return (uint)g < (uint)s_glu.Length ? s_glu[g] : null;
            default:
                return (uint)node.Op < (uint)s_ops.Length ? s_ops[(int)node.Op] : null;
        }
    }

    private static void Register(GgmlOp op, IOpKernel kernel) => s_ops[(int)op] = kernel;

    private static void Register(UnaryOp op, IOpKernel kernel) => s_unary[(int)op] = kernel;

    private static void Register(GluOp op, IOpKernel kernel) => s_glu[(int)op] = kernel;
}
