namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>
/// One element-wise op for <see cref="UnaryKernel{TOp}"/>. The kernel is generic over the operator struct, so each op gets
/// its own specialized row loop.
/// </summary>
internal unsafe interface IUnaryOperator<TSelf>
    where TSelf : struct, IUnaryOperator<TSelf>
{
    /// <summary>Accepted type pairs.</summary>
    static abstract UnaryTypes Types { get; }

    /// <summary>True when ggml requires <c>ggml_is_contiguous_1</c> of source and destination (the functor path).</summary>
    static virtual bool NeedsContiguous1 => false;

    /// <summary>ggml's fp16→fp16 lookup table used for F16 rows instead of <see cref="Invoke"/>, or null.</summary>
    static virtual ushort[]? HalfTable => null;

    /// <summary>Reads the op's parameters from the node.</summary>
    static abstract TSelf Create(Tensor node);

    /// <summary>The op on one value, as ggml's scalar code computes it (used for F16/BF16 rows).</summary>
    float Invoke(float x);

    /// <summary>The op on a row of F32 values as ggml's F32 kernel computes it; <paramref name="x"/> may equal <paramref name="y"/>.</summary>
    void ApplyF32(float* x, float* y, int n);
}
