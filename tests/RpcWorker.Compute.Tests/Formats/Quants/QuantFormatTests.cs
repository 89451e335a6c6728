using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>Round-trip and dot-product error bounds per type, as ggml's tests/test-quantize-fns.cpp checks them.</summary>
public class QuantFormatTests
{
    private const int TestSize = 32 * 128;

    /// <summary>Type, maximum total quantization error, maximum dot-product error (test-quantize-fns thresholds).</summary>
    public static TheoryData<GgmlType, float, float> Thresholds => new()
    {
        { GgmlType.Q4_0, 0.002f, 0.02f },
        { GgmlType.Q4_1, 0.002f, 0.02f },
        { GgmlType.Q5_0, 0.002f, 0.02f },
        { GgmlType.Q5_1, 0.002f, 0.02f },
        { GgmlType.Q8_0, 0.002f, 0.02f },
        { GgmlType.Q2_K, 0.0075f, 0.04f },
        { GgmlType.Q3_K, 0.0040f, 0.02f },
        { GgmlType.Q4_K, 0.002f, 0.02f },
        { GgmlType.Q5_K, 0.002f, 0.02f },
        { GgmlType.Q6_K, 0.002f, 0.02f },
        { GgmlType.TQ1_0, 0.01f, 0.15f },
        { GgmlType.TQ2_0, 0.01f, 0.15f },
        { GgmlType.MXFP4, 0.002f, 0.02f },
        { GgmlType.NVFP4, 0.0030f, 0.03f },
        { GgmlType.Q1_0, 0.025f, 0.40f },
        { GgmlType.Q2_0, 0.01f, 0.15f },
    };

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void FromFloat_ToFloat_ErrorWithinGgmlBound(GgmlType type, float maxError, float maxDotError)
    {
        _ = maxDotError;
        RowFormat format = RowFormats.Get(type);
        float[] data = QuantTestData.Cosine(0f, TestSize);
        float[] back = QuantTestData.Dequantize(format, QuantTestData.Quantize(format, data), TestSize);
        float error = QuantTestData.Rmse(data, back);
        Assert.True(error < maxError, $"{type}: total quantization error {error}");
    }

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void VecDot_EveryTier_ErrorWithinGgmlBound(GgmlType type, float maxError, float maxDotError)
    {
        _ = maxError;
        float[] a = QuantTestData.Cosine(0f, TestSize);
        float[] b = QuantTestData.Cosine(1f, TestSize);
        double reference = 0;
        for (int i = 0; i < TestSize; i++)
        {
            reference += a[i] * b[i];
        }
        RowFormat format = RowFormats.Get(type);
        byte[] qa = QuantTestData.Quantize(format, a);
        byte[] qb = QuantTestData.Quantize(RowFormats.Get(format.VecDotType), b);
        foreach (RowFormat tier in QuantTiers.All(type))
        {
            float result = QuantTestData.Dot(tier, qa, qb, TestSize);
            float error = (float)Math.Abs(result - reference) / TestSize;
            Assert.True(error < maxDotError, $"{type}: dot product error {error}");
        }
    }

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void VecDot_SimdTiers_MatchScalarOverManyLengths(GgmlType type, float maxError, float maxDotError)
    {
        _ = maxError;
        _ = maxDotError;
        RowFormat scalar = QuantTiers.Create(type, SimdLevel.Scalar);
        RowFormat dotFormat = RowFormats.Get(scalar.VecDotType);
        int block = TypeTraits.BlockSize(type);
        for (int blocks = 1; blocks <= 19; blocks++)
        {
            int n = blocks * block;
            float[] a = QuantTestData.Random(blocks, n, 3f);
            float[] b = QuantTestData.Random(1000 + blocks, n, 2f);
            byte[] qa = QuantTestData.Quantize(scalar, a);
            byte[] qb = QuantTestData.Quantize(dotFormat, b);
            float[] da = QuantTestData.Dequantize(scalar, qa, n);
            float[] db = QuantTestData.Dequantize(dotFormat, qb, n);
            double magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                magnitude += Math.Abs((double)da[i] * db[i]);
            }
            float expected = QuantTestData.Dot(scalar, qa, qb, n);
            foreach (RowFormat tier in QuantTiers.All(type))
            {
                float actual = QuantTestData.Dot(tier, qa, qb, n);
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * magnitude + 1e-6,
                    $"{type} {QuantTiers.Level(tier)} n={n}: {actual} vs scalar {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void VecDot_Scalar_MatchesDequantizedDot(GgmlType type, float maxError, float maxDotError)
    {
        _ = maxError;
        _ = maxDotError;
        RowFormat scalar = QuantTiers.Create(type, SimdLevel.Scalar);
        RowFormat dotFormat = RowFormats.Get(scalar.VecDotType);
        int n = 4 * TypeTraits.BlockSize(type);
        byte[] qa = QuantTestData.Quantize(scalar, QuantTestData.Random(7, n, 2f));
        byte[] qb = QuantTestData.Quantize(dotFormat, QuantTestData.Random(8, n, 2f));
        float[] da = QuantTestData.Dequantize(scalar, qa, n);
        float[] db = QuantTestData.Dequantize(dotFormat, qb, n);
        double expected = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            expected += (double)da[i] * db[i];
            magnitude += Math.Abs((double)da[i] * db[i]);
        }
        float actual = QuantTestData.Dot(scalar, qa, qb, n);
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * magnitude, $"{type}: {actual} vs {expected}");
    }

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void FromFloat_AllZero_DequantizesToZero(GgmlType type, float maxError, float maxDotError)
    {
        _ = maxError;
        _ = maxDotError;
        RowFormat format = RowFormats.Get(type);
        int n = 2 * TypeTraits.BlockSize(type);
        float[] back = QuantTestData.Dequantize(format, QuantTestData.Quantize(format, new float[n]), n);
        Assert.All(back, v => Assert.Equal(0f, Math.Abs(v)));
    }
}
