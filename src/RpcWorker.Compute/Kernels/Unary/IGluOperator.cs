namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>One gated linear unit for <see cref="GluKernel{TOp}"/>: <c>y = act(x)·g</c>.</summary>
internal unsafe interface IGluOperator<TSelf>
    where TSelf : struct, IGluOperator<TSelf>
{
    /// <summary>True when ggml-cpu only implements the op for F32 (SWIGLU_OAI).</summary>
    static virtual bool F32Only => false;

    /// <summary>ggml's fp16 activation table used directly on F16 inputs (GEGLU, GEGLU_QUICK), or null.</summary>
    static virtual ushort[]? HalfTable => null;

    /// <summary>Reads the op's parameters from the node.</summary>
    static abstract TSelf Create(Tensor node);

    /// <summary>The op on one pair as ggml's scalar (F16) kernel computes it.</summary>
    float Invoke(float x, float g);

    /// <summary>The op on F32 rows as ggml's F32 kernel computes it; <paramref name="y"/> may equal <paramref name="x"/>.</summary>
    void ApplyF32(float* x, float* g, float* y, int n);
}
