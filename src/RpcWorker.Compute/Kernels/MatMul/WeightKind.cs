namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>How a matrix kernel multiplies a weight type: float SIMD tiles, or the row format's quantized dot product.</summary>
internal enum WeightKind
{
    F32,
    F16,
    Bf16,
    Quantized,
}
