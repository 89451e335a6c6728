namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>One of ggml's four binary arithmetic ops (binary-ops.cpp) for <see cref="BinaryKernel{TOp}"/>.</summary>
internal interface IBinaryOperator
{
    /// <summary>True for ADD, which ggml-cpu also runs with a quantized first source.</summary>
    static abstract bool AcceptsQuantized { get; }

    /// <summary><c>z[i] = x[i] op y[i]</c>; <paramref name="z"/> may overlap <paramref name="x"/> exactly.</summary>
    static abstract void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z);

    /// <summary><c>z[i] = x[i] op y</c>.</summary>
    static abstract void Row(ReadOnlySpan<float> x, float y, Span<float> z);
}
