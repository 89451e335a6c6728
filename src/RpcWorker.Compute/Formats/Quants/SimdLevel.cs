namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Instruction-set tiers of the quantized dot-product kernels, lowest first.</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar reference code.</summary>
    Scalar = 0,

    /// <summary>Portable <c>Vector128</c> code (any accelerated platform).</summary>
    Vector128 = 1,

    /// <summary>x86 AVX2 + FMA (256-bit <c>vpmaddubsw</c>/<c>vpmaddwd</c>).</summary>
    Avx2 = 2,

    /// <summary>x86 AVX-512 F/BW (512-bit <c>vpmaddubsw</c>/<c>vpmaddwd</c>).</summary>
    Avx512 = 3,
}
