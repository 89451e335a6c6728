namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>The widest vector path an attention kernel may use; tests force lower levels to cover every path.</summary>
internal enum SimdLevel
{
    Scalar = 0,
    Vector128 = 1,
    Vector256 = 2,
    Vector512 = 3,
}
