using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// The AVX2 Q8_K activation quantizer against the scalar <c>quantize_row_q8_K_ref</c> port, byte for byte: random rows
/// at several magnitudes and the edge cases of the max search and the rounding (ties of magnitude with opposite signs,
/// all-zero blocks, NaN, infinities, subnormals, exact halves).
/// </summary>
public unsafe class Q8_KFormatTests
{
    public static TheoryData<string> Cases => ActivationEdgeCases.Kinds;

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromFloatAvx2_EdgeCasesAndRandomRows_MatchesScalarBytes(string kind) =>
        ActivationEdgeCases.AssertSameBytes(kind, Q8_KFormat.BlockSize, Q8_KFormat.BlockBytes, &Q8_KFormat.FromFloatScalar, &Q8_KFormat.FromFloatAvx2);
}
