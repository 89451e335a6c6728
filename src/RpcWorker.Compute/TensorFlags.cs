namespace RpcWorker.Compute;

/// <summary>ggml's <c>ggml_tensor_flag</c> bits carried in <see cref="Tensor.Flags"/>.</summary>
public static class TensorFlags
{
    /// <summary>An input of the graph.</summary>
    public const int Input = 1;

    /// <summary>An output of the graph.</summary>
    public const int Output = 2;

    /// <summary>Holds trainable parameters.</summary>
    public const int Param = 4;

    /// <summary>Defines a loss for optimization.</summary>
    public const int Loss = 8;

    /// <summary>Must be computed: ggml-cpu skips graph nodes without it (ggml sets it on every node it expands).</summary>
    public const int Compute = 16;
}
