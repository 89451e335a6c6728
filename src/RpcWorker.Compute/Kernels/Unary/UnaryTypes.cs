namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>Which source → destination type pairs ggml-cpu accepts for an element-wise unary op.</summary>
internal enum UnaryTypes
{
    /// <summary>unary-ops.cpp: F32→F32, F16→F16, BF16→BF16, F16→F32, BF16→F32.</summary>
    Mixed,

    /// <summary>ops.cpp's own kernels (GELU, SILU, LEAKY_RELU, ...): F32→F32 and F16→F16.</summary>
    F32OrF16,
}
