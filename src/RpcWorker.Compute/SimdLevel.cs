namespace RpcWorker.Compute;

/// <summary>The instruction-set tiers SIMD kernels are written for, lowest first.</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar code (always available).</summary>
    Scalar = 0,

    /// <summary>Cross-platform <c>Vector128</c> code.</summary>
    Vector128 = 1,

    /// <summary>AVX2 (+FMA) 256-bit code.</summary>
    Avx2 = 2,

    /// <summary>AVX-512 (F+BW) 512-bit code.</summary>
    Avx512 = 3,
}
