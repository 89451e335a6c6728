using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// The vector scale helpers of the Q4_K/Q5_K AVX2 and AVX-512 dot products against <c>get_scale_min_k4</c>
/// (<see cref="QuantMath.ScaleMinK4"/>) and plain scalar sums. The 512-bit helper runs through the AVX2 emulation of
/// <see cref="SimdOps.ShuffleLanes"/> on machines without AVX-512.
/// </summary>
public unsafe class KQuantScalesTests
{
    private const int Patterns = 2000;

    [Fact]
    public void Unpack_RandomScaleBytes_MatchesScaleMinK4()
    {
        var rng = new Random(11);
        byte* s = stackalloc byte[12];
        for (int t = 0; t < Patterns; t++)
        {
            rng.NextBytes(new Span<byte>(s, 12));
            Vector128<byte> unpacked = KQuantScales.Unpack(s);
            for (int j = 0; j < 8; j++)
            {
                QuantMath.ScaleMinK4(j, s, out int scale, out int min);
                Assert.Equal(scale, unpacked.GetElement(j));
                Assert.Equal(min, unpacked.GetElement(8 + j));
            }
        }
    }

    [Fact]
    public void ScaleWords_EveryGroup_BroadcastsTheZeroExtendedByte()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }
        var rng = new Random(12);
        byte[] bytes = new byte[16];
        for (int t = 0; t < 50; t++)
        {
            rng.NextBytes(bytes);
            Vector128<byte> unpacked = Vector128.Create(bytes);
            for (int j = 0; j < 8; j++)
            {
                Vector256<short> words = KQuantScales.ScaleWords(Vector256.Create(unpacked), j);
                for (int w = 0; w < 16; w++)
                {
                    Assert.Equal(bytes[j], words.GetElement(w));
                }
            }
            for (int j = 0; j < 4; j++)
            {
                Vector512<short> words = KQuantScales.ScaleWords(Vector512.Create(unpacked), j);
                for (int w = 0; w < 32; w++)
                {
                    Assert.Equal(bytes[(2 * j) + (w / 16)], words.GetElement(w));
                }
            }
        }
    }

    [Fact]
    public void MinSums_RandomMinsAndBsums_MatchScalarSums()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }
        var rng = new Random(13);
        byte* q8 = stackalloc byte[Q8_KFormat.BlockBytes];
        short* bsums = (short*)(q8 + Q8_KFormat.BsumsOffset);
        byte* s = stackalloc byte[12];
        for (int t = 0; t < Patterns; t++)
        {
            rng.NextBytes(new Span<byte>(s, 12));
            for (int g = 0; g < 16; g++)
            {
                bsums[g] = (short)rng.Next(-16 * 127, (16 * 127) + 1);
            }
            Vector256<int> sums = KQuantScales.MinSums(Vector256.Create(KQuantScales.Unpack(s)), q8);
            for (int j = 0; j < 8; j++)
            {
                QuantMath.ScaleMinK4(j, s, out _, out int min);
                Assert.Equal(min * (bsums[2 * j] + bsums[(2 * j) + 1]), sums.GetElement(j));
            }
        }
    }
}
