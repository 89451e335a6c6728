using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>The AVX2 Q8_0 activation quantizer (ggml's AVX2 <c>quantize_row_q8_0</c>) against the scalar port, byte for byte.</summary>
public unsafe class Q8_0FormatTests
{
    public static TheoryData<string> Cases => ActivationEdgeCases.Kinds;

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromFloatAvx2_EdgeCasesAndRandomRows_MatchesScalarBytes(string kind) =>
        ActivationEdgeCases.AssertSameBytes(kind, Q8_0Format.BlockSize, Q8_0Format.BlockBytes, &Q8_0Format.FromFloatScalar, &Q8_0Format.FromFloatAvx2);

    [Fact]
    public void FromFloat_MaxBelowWhere127OverMaxIsFinite_GivesMinus128LikeVcvtps2dq()
    {
        // amax 1e-38: 127/amax overflows to +inf, so ±amax scale to ±inf and 0 to NaN; vcvtps2dq turns all three
        // into INT_MIN, which the saturating packs make -128.
        float[] x = new float[Q8_0Format.BlockSize];
        x[0] = 1e-38f;
        x[1] = -1e-38f;
        byte[] q = new byte[Q8_0Format.BlockBytes];
        fixed (float* src = x)
        fixed (byte* dst = q)
        {
            Q8_0Format.FromFloatScalar(src, dst, x.Length);
        }
        Assert.All(q[2..], b => Assert.Equal(unchecked((byte)-128), b));
    }
}
