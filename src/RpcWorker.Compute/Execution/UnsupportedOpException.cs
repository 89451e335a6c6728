namespace RpcWorker.Compute.Execution;

/// <summary>A graph holds a node the engine cannot compute (unknown op, or types/shapes the kernel does not accept).</summary>
public sealed class UnsupportedOpException : Exception
{
    public UnsupportedOpException(Tensor node, string reason)
        : base($"unsupported op {Describe(node)}: {reason}")
    {
        Op = node.Op;
    }

    /// <summary>The op that is missing, as ggml names it (with the sub-op for UNARY and GLU).</summary>
    public GgmlOp Op { get; }

    /// <summary><c>MUL_MAT with types q4_0, f32 -> f32</c>-style description of a node.</summary>
    public static string Describe(Tensor node)
    {
        string op = node.Op switch
        {
            GgmlOp.Unary => $"UNARY({(UnaryOp)node.Params[0]})",
            GgmlOp.Glu => $"GLU({(GluOp)node.Params[0]})",
            _ => node.Op.ToString(),
        };
        var srcs = new List<string>();
        foreach (Tensor? s in node.Src)
        {
            if (s is not null)
            {
                srcs.Add(s.Info.Name);
            }
        }
        return $"{op} with types {string.Join(", ", srcs)} -> {node.Info.Name}";
    }
}
