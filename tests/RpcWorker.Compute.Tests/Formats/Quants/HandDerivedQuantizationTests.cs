using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// Quantizer outputs derived by hand from ggml's reference algorithms for inputs whose scales come out exact,
/// for the types the conformance transcripts hold no quantized output of.
/// </summary>
public class HandDerivedQuantizationTests
{
    [Fact]
    public void Q4_1_FromFloat_RampHasUnitScaleAndZeroMin()
    {
        // min 0, max 15 -> d = 1, m = 0, q = x; element j and j+16 share byte j.
        float[] x = Enumerable.Range(0, 32).Select(j => (float)(j % 16)).ToArray();
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.Q4_1), x);
        Assert.Equal(new byte[] { 0x00, 0x3C, 0x00, 0x00 }, q[..4]);
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal((byte)(j | (j << 4)), q[4 + j]);
        }
    }

    [Fact]
    public void Q5_1_FromFloat_RampSetsHighBitsOfSecondHalf()
    {
        // min 0, max 31 -> d = 1, q = j; bit 4 set exactly for j >= 16 -> qh = 0xFFFF0000.
        float[] x = Enumerable.Range(0, 32).Select(j => (float)j).ToArray();
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.Q5_1), x);
        Assert.Equal(new byte[] { 0x00, 0x3C, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF }, q[..8]);
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal((byte)(j | (j << 4)), q[8 + j]);
        }
    }

    [Fact]
    public void Q8_0_FromFloat_RoundsHalfToEvenLikeGgmlAvx()
    {
        // amax 127 -> d = 1, id = 1: 2.5 -> 2 and -3.5 -> -4 (vroundps nearest-even), not away from zero.
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = -3.5f;
        x[3] = 0.5f;
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.Q8_0), x);
        Assert.Equal(new byte[] { 0x00, 0x3C, 127, 2, unchecked((byte)-4), 0 }, q[..6]);
    }

    [Fact]
    public void Q8_1_FromFloat_StoresScaledSum()
    {
        // ±1 alternating, first element +1: amax 1 -> q = ±127, sum = 0 except the extra +1 at element 30.
        float[] x = Enumerable.Range(0, 32).Select(j => j % 2 == 0 ? 1f : -1f).ToArray();
        x[31] = 1f;
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.Q8_1), x);
        float d = 1f / 127f;
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)d), BitConverter.ToUInt16(q, 0));
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)(d * 254)), BitConverter.ToUInt16(q, 2));
        Assert.Equal(127, (sbyte)q[4]);
        Assert.Equal(-127, (sbyte)q[5]);
        Assert.Equal(127, (sbyte)q[35]);
    }

    [Fact]
    public void Q8_K_FromFloat_ScaleTakesTheSignOfTheFirstLargestValue()
    {
        // max = +1 (first element with |x| = 1) -> iscale = -127, d = -1/127, q = -127·x; bsums per 16.
        float[] x = Enumerable.Range(0, 256).Select(j => j % 3 == 0 ? 1f : j % 3 == 1 ? -1f : 0f).ToArray();
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.Q8_K), x);
        Assert.Equal(-1f / 127f, BitConverter.ToSingle(q, 0));
        for (int j = 0; j < 256; j++)
        {
            Assert.Equal((sbyte)(-127 * (int)x[j]), (sbyte)q[4 + j]);
        }
        for (int g = 0; g < 16; g++)
        {
            int sum = 0;
            for (int k = 0; k < 16; k++)
            {
                sum += -127 * (int)x[16 * g + k];
            }
            Assert.Equal(sum, BitConverter.ToInt16(q, 260 + 2 * g));
        }
    }

    [Fact]
    public void TQ2_0_FromFloat_PacksTritsAsTwoBitCodes()
    {
        // amax 0.5 -> d = 0.5, id = 2: code = round(2x) + 1; byte j+m holds elements m + 32k (k = 0..3) of its 128.
        float[] x = Enumerable.Range(0, 256).Select(j => ((j * 7) % 3 - 1) * 0.5f).ToArray();
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.TQ2_0), x);
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)0.5f), BitConverter.ToUInt16(q, 64));
        for (int j = 0; j < 64; j += 32)
        {
            for (int m = 0; m < 32; m++)
            {
                int expected = 0;
                for (int k = 0; k < 4; k++)
                {
                    expected |= ((j * 4 + m + 32 * k) * 7 % 3) << (2 * k);
                }
                Assert.Equal((byte)expected, q[j + m]);
            }
        }
    }

    [Fact]
    public void TQ1_0_FromFloat_PacksFiveTritsPerByteWithCeilingScaling()
    {
        // All +1: every trit is 2, so a 5-trit byte is 242 -> ceil(242·256/243) = 255 and the 4-trit (shifted) byte
        // is 80·3 = 240 -> ceil(240·256/243) = 253.
        float[] x = Enumerable.Repeat(1f, 256).ToArray();
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.TQ1_0), x);
        Assert.All(q[..48], b => Assert.Equal(255, b));
        Assert.All(q[48..52], b => Assert.Equal(253, b));
        Assert.Equal((ushort)0x3C00, BitConverter.ToUInt16(q, 52));
        Assert.All(QuantTestData.Dequantize(RowFormats.Get(GgmlType.TQ1_0), q, 256), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Q2_0_FromFloat_ClampsToTwoBitCodes()
    {
        // amax 2 -> d = 2, id = 0.5: 2 -> 1+1 = 2, -2 -> 0, 0.5 -> round(0.25) + 1 = 1, 1 -> round(0.5) + 1 = 2 (away from zero).
        float[] x = new float[64];
        x[0] = 2f;
        x[1] = -2f;
        x[2] = 0.5f;
        x[3] = 1f;
        byte[] q = QuantTestData.Quantize(RowFormats.Get(GgmlType.Q2_0), x);
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)2f), BitConverter.ToUInt16(q, 0));
        Assert.Equal((byte)(2 | (0 << 2) | (1 << 4) | (2 << 6)), q[2]);
        Assert.Equal((byte)0x55, q[3]);
    }
}
