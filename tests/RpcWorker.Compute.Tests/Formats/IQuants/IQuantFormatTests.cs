using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Formats.IQuants;

namespace RpcWorker.Compute.Tests.Formats.IQuants;

/// <summary>Registration, dot products against dequantize-then-dot, SIMD tiers against scalar, and round trips.</summary>
public unsafe class IQuantFormatTests
{
    public static TheoryData<GgmlType> AllTypes => new(IQuantTestData.AllTypes);

    public static TheoryData<SimdLevel> Levels => new(SimdSupport.AvailableLevels());

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Registry_EveryIqType_HasFormatWithDot(GgmlType type)
    {
        RowFormat format = RowFormats.Get(type);
        Assert.Equal(type, format.Type);
        Assert.True(format.CanVecDot);
        Assert.Equal(type == GgmlType.IQ4_NL ? GgmlType.Q8_0 : GgmlType.Q8_K, format.VecDotType);
        Assert.Equal(type is GgmlType.IQ4_NL or GgmlType.IQ4_XS, format.CanFromFloat);
    }

    [Fact]
    public void ToFloat_Iq4Nl_HandBuiltBlock()
    {
        var block = new byte[18];
        BitConverter.TryWriteBytes(block.AsSpan(0, 2), BitConverter.HalfToUInt16Bits((Half)0.5f));
        for (int j = 0; j < 16; j++)
        {
            block[2 + j] = (byte)(j | ((15 - j) << 4));
        }
        sbyte[] levels = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
        float[] y = IQuantTestData.ToFloat(GgmlType.IQ4_NL, block, 32);
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(0.5f * levels[j], y[j]);
            Assert.Equal(0.5f * levels[15 - j], y[j + 16]);
        }
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void VecDot_RandomBlocks_MatchesDequantizeThenDot(GgmlType type)
    {
        var rng = new Random(1234 + (int)type);
        RowFormat format = RowFormats.Get(type);
        int blockSize = TypeTraits.BlockSize(type);
        foreach (int blocks in new[] { 1, 2, 3, 8 })
        {
            int n = blocks * blockSize;
            byte[] x = IQuantTestData.RandomBlocks(type, blocks, rng);
            byte[] y = format.VecDotType == GgmlType.Q8_K
                ? IQuantTestData.RandomQ8K(n / 256, rng)
                : IQuantTestData.RandomQ80(n / 32, rng);
            float[] deq = IQuantTestData.ToFloat(type, x, n);
            double[] yv = IQuantTestData.Q8Values(format.VecDotType, y, n);
            double expected = 0;
            double scale = 0;
            for (int i = 0; i < n; i++)
            {
                expected += deq[i] * yv[i];
                scale += Math.Abs(deq[i] * yv[i]);
            }
            float actual = IQuantTestData.VecDot(format, n, x, y);
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * scale + 1e-30, $"{type} n={n}: {actual} vs {expected}");
        }
    }

    public static TheoryData<GgmlType, SimdLevel> GridTypesByLevel
    {
        get
        {
            var data = new TheoryData<GgmlType, SimdLevel>();
            foreach (GgmlType type in IQuantTestData.AllTypes.Where(t => t is not (GgmlType.IQ4_NL or GgmlType.IQ4_XS)))
            {
                foreach (SimdLevel level in SimdSupport.AvailableLevels())
                {
                    data.Add(type, level);
                }
            }
            return data;
        }
    }

    private static RowFormat Create(GgmlType type, SimdLevel level) => type switch
    {
        GgmlType.IQ2_XXS => new Iq2XxsFormat(level),
        GgmlType.IQ2_XS => new Iq2XsFormat(level),
        GgmlType.IQ2_S => new Iq2SFormat(level),
        GgmlType.IQ3_XXS => new Iq3XxsFormat(level),
        GgmlType.IQ3_S => new Iq3SFormat(level),
        GgmlType.IQ1_S => new Iq1SFormat(level),
        _ => new Iq1MFormat(level),
    };

    [Theory]
    [MemberData(nameof(GridTypesByLevel))]
    public void GridDot_EveryTier_EqualsScalarExactly(GgmlType type, SimdLevel level)
    {
        // both paths form the same integer sums per super-block, so the floats agree bit for bit
        var rng = new Random(300 + (int)type);
        RowFormat scalar = Create(type, SimdLevel.Scalar);
        RowFormat simd = Create(type, level);
        for (int blocks = 0; blocks <= 5; blocks++)
        {
            byte[] x = IQuantTestData.RandomBlocks(type, blocks, rng);
            byte[] y = IQuantTestData.RandomQ8K(blocks, rng);
            Assert.Equal(IQuantTestData.VecDot(scalar, 256 * blocks, x, y), IQuantTestData.VecDot(simd, 256 * blocks, x, y));
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Iq4NlDot_EveryTier_MatchesScalar(SimdLevel level)
    {
        var rng = new Random(77);
        var scalar = new Iq4NlFormat(SimdLevel.Scalar);
        var simd = new Iq4NlFormat(level);
        for (int blocks = 0; blocks <= 19; blocks++)
        {
            byte[] x = IQuantTestData.RandomBlocks(GgmlType.IQ4_NL, blocks, rng);
            byte[] y = IQuantTestData.RandomQ80(blocks, rng);
            AssertClose(IQuantTestData.VecDot(scalar, 32 * blocks, x, y), IQuantTestData.VecDot(simd, 32 * blocks, x, y), x, y, GgmlType.IQ4_NL, 32 * blocks);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Iq4XsDot_EveryTier_MatchesScalar(SimdLevel level)
    {
        var rng = new Random(78);
        var scalar = new Iq4XsFormat(SimdLevel.Scalar);
        var simd = new Iq4XsFormat(level);
        for (int blocks = 0; blocks <= 6; blocks++)
        {
            byte[] x = IQuantTestData.RandomBlocks(GgmlType.IQ4_XS, blocks, rng);
            byte[] y = IQuantTestData.RandomQ8K(blocks, rng);
            AssertClose(IQuantTestData.VecDot(scalar, 256 * blocks, x, y), IQuantTestData.VecDot(simd, 256 * blocks, x, y), x, y, GgmlType.IQ4_XS, 256 * blocks);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Iq4Dot_ExtremeQuants_EveryTierMatchesScalar(SimdLevel level)
    {
        // every level at −127 against q8 at −127 and −126: the largest products the int16 pair sums must hold
        var xs = new byte[136];
        BitConverter.TryWriteBytes(xs.AsSpan(0, 2), BitConverter.HalfToUInt16Bits((Half)1f));
        BitConverter.TryWriteBytes(xs.AsSpan(2, 2), (ushort)0);
        var y = new byte[292];
        BitConverter.TryWriteBytes(y.AsSpan(0, 4), 1f);
        for (int j = 0; j < 256; j++)
        {
            y[4 + j] = (byte)(sbyte)(j % 2 == 0 ? -127 : -126);
        }
        for (int j = 0; j < 128; j++)
        {
            xs[8 + j] = 0x00;
        }
        float expected = IQuantTestData.VecDot(new Iq4XsFormat(SimdLevel.Scalar), 256, xs, y);
        Assert.Equal(-32f * 127 * (127 + 126) * 128, expected);
        Assert.Equal(expected, IQuantTestData.VecDot(new Iq4XsFormat(level), 256, xs, y));
    }

    [Theory]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.IQ4_XS)]
    public void FromFloat_SyntheticData_ErrorWithinGgmlBounds(GgmlType type)
    {
        // test-quantize-fns: data 0.1 + 2cos(i + offset), rmse/n bound 0.002, dot error/n bound 0.02
        const int n = 32 * 128;
        var data = new float[n];
        var data2 = new float[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = 0.1f + 2 * MathF.Cos(i);
            data2[i] = 0.1f + 2 * MathF.Cos(i + 1f);
        }
        RowFormat format = RowFormats.Get(type);
        var q = new byte[IQuantTestData.RowBytes(type, n)];
        fixed (float* src = data)
        fixed (byte* dst = q)
        {
            format.FromFloat(src, dst, n);
        }
        float[] back = IQuantTestData.ToFloat(type, q, n);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += (data[i] - back[i]) * (double)(data[i] - back[i]);
        }
        Assert.True(Math.Sqrt(sum) / n < 0.002, $"total error {Math.Sqrt(sum) / n}");

        byte[] y = format.VecDotType == GgmlType.Q8_K ? IQuantTestData.QuantizeQ8K(data2) : IQuantTestData.QuantizeQ80(data2);
        double reference = 0;
        for (int i = 0; i < n; i++)
        {
            reference += data[i] * (double)data2[i];
        }
        float dot = IQuantTestData.VecDot(format, n, q, y);
        Assert.True(Math.Abs(dot - reference) / n < 0.02, $"dot error {Math.Abs(dot - reference) / n}");
    }

    [Theory]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.IQ4_XS)]
    public void FromFloat_ZeroAndTinyBlocks_DequantizeToZero(GgmlType type)
    {
        int n = TypeTraits.BlockSize(type) * 2;
        var data = new float[n];
        data[n - 1] = 1e-20f;
        var q = new byte[IQuantTestData.RowBytes(type, n)];
        fixed (float* src = data)
        fixed (byte* dst = q)
        {
            RowFormats.Get(type).FromFloat(src, dst, n);
        }
        Assert.All(IQuantTestData.ToFloat(type, q, n), v => Assert.Equal(0f, Math.Abs(v)));
    }

    private static void AssertClose(float expected, float actual, byte[] x, byte[] y, GgmlType type, int n)
    {
        float[] deq = IQuantTestData.ToFloat(type, x, n);
        double[] yv = IQuantTestData.Q8Values(type == GgmlType.IQ4_NL ? GgmlType.Q8_0 : GgmlType.Q8_K, y, n);
        double scale = 0;
        for (int i = 0; i < n; i++)
        {
            scale += Math.Abs(deq[i] * yv[i]);
        }
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * scale, $"n={n}: {actual} vs scalar {expected}");
    }
}
