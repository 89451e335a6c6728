namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// The vector width the matrix kernels run at. <see cref="MatMulSimdLevels.Best"/> is the widest the machine accelerates, lowered by the
/// environment variable <c>RPCWORKER_MATMUL_SIMD</c> (<c>scalar</c>, <c>128</c>, <c>256</c> or <c>512</c>), read once.
/// </summary>
internal enum MatMulSimd
{
    Scalar = 0,
    Vector128 = 1,
    Vector256 = 2,
    Vector512 = 3,
}
