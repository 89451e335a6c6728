using System.Runtime.Intrinsics;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

/// <summary>The two-vector fp16/bf16 loads against the scalar conversions, over every 16-bit pattern and in element order.</summary>
public unsafe class HalfPairLoadTests
{
    [Fact]
    public void LoadHalfPair_EveryPattern_MatchesScalarConversion()
    {
        CheckAll<Vector512Ops, Vector512<float>>(Fp16.ToSingle, half: true);
        CheckAll<Vector256Ops, Vector256<float>>(Fp16.ToSingle, half: true);
        CheckAll<Vector128Ops, Vector128<float>>(Fp16.ToSingle, half: true);
        CheckAll<ScalarOps, float>(Fp16.ToSingle, half: true);
    }

    [Fact]
    public void LoadBf16Pair_EveryPattern_MatchesScalarConversion()
    {
        CheckAll<Vector512Ops, Vector512<float>>(Bf16.ToSingle, half: false);
        CheckAll<Vector256Ops, Vector256<float>>(Bf16.ToSingle, half: false);
        CheckAll<Vector128Ops, Vector128<float>>(Bf16.ToSingle, half: false);
        CheckAll<ScalarOps, float>(Bf16.ToSingle, half: false);
    }

    private static void CheckAll<TOps, TVec>(Func<ushort, float> convert, bool half)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        const int Patterns = 65536;
        ushort[] bits = new ushort[Patterns];
        var rng = new Random(3);
        for (int i = 0; i < Patterns; i++)
        {
            bits[i] = (ushort)i;
        }
        rng.Shuffle(bits);
        float[] got = new float[Patterns];
        int step = 2 * TOps.Count;
        fixed (ushort* src = bits)
        fixed (float* dst = got)
        {
            for (int i = 0; i < Patterns; i += step)
            {
                if (half)
                {
                    TOps.LoadHalfPair(src + i, out TVec lo, out TVec hi);
                    TOps.Store(lo, dst + i);
                    TOps.Store(hi, dst + i + TOps.Count);
                }
                else
                {
                    TOps.LoadBf16Pair(src + i, out TVec lo, out TVec hi);
                    TOps.Store(lo, dst + i);
                    TOps.Store(hi, dst + i + TOps.Count);
                }
            }
        }
        for (int i = 0; i < Patterns; i++)
        {
            float expected = convert(bits[i]);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(got[i]), $"{typeof(TOps).Name} 0x{bits[i]:x4}: {got[i]} is not NaN");
            }
            else
            {
                Assert.True(
                    BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(got[i]),
                    $"{typeof(TOps).Name} 0x{bits[i]:x4} at {i}: {got[i]} vs {expected}");
            }
        }
    }
}
