using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>The AVX2 Q8_1 activation quantizer (Q8_0's plus the scaled sum) against the scalar port, byte for byte.</summary>
public unsafe class Q8_1FormatTests
{
    public static TheoryData<string> Cases => ActivationEdgeCases.Kinds;

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromFloatAvx2_EdgeCasesAndRandomRows_MatchesScalarBytes(string kind) =>
        ActivationEdgeCases.AssertSameBytes(kind, Q8_1Format.BlockSize, Q8_1Format.BlockBytes, &Q8_1Format.FromFloatScalar, &Q8_1Format.FromFloatAvx2);
}
