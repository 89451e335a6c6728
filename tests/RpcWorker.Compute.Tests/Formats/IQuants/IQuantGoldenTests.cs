using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.IQuants;

/// <summary>The IQ formats against data recorded from real ggml-cpu (GET_ROWS, CPY/SET_ROWS, MUL_MAT/MUL_MAT_ID).</summary>
public unsafe class IQuantGoldenTests
{
    public static TheoryData<GgmlType> DequantTypes => new(IQuantTestData.DequantRecords.Select(r => r.Type).Distinct());

    public static TheoryData<GgmlType> QuantTypes => new(IQuantTestData.QuantRecords.Select(r => r.Type).Distinct());

    public static TheoryData<GgmlType> MatVecTypes => new(IQuantTestData.MatVecRecords.Select(r => r.Type).Distinct());

    [Fact]
    public void GoldenData_CoversEveryIqType()
    {
        var covered = IQuantTestData.DequantRecords.Select(r => r.Type)
            .Concat(IQuantTestData.QuantRecords.Select(r => r.Type))
            .Concat(IQuantTestData.MatVecRecords.Select(r => r.Type))
            .ToHashSet();
        Assert.All(IQuantTestData.AllTypes, t => Assert.Contains(t, covered));
    }

    [Theory]
    [MemberData(nameof(DequantTypes))]
    public void ToFloat_GetRowsRecords_MatchGgmlBitForBit(GgmlType type)
    {
        foreach (var record in IQuantTestData.DequantRecords.Where(r => r.Type == type))
        {
            float[] actual = IQuantTestData.ToFloat(type, record.Quantized, record.N);
            for (int i = 0; i < record.N; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(record.Expected[i]), BitConverter.SingleToInt32Bits(actual[i]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(QuantTypes))]
    public void FromFloat_CpyAndSetRowsRecords_MatchGgmlBytes(GgmlType type)
    {
        RowFormat format = RowFormats.Get(type);
        Assert.True(format.CanFromFloat);
        foreach (var record in IQuantTestData.QuantRecords.Where(r => r.Type == type))
        {
            var actual = new byte[record.Expected.Length];
            fixed (float* src = record.Source)
            fixed (byte* dst = actual)
            {
                format.FromFloat(src, dst, record.N);
            }
            Assert.Equal(record.Expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(MatVecTypes))]
    public void DequantizedDot_MulMatRecords_MatchGgml(GgmlType type)
    {
        foreach (var record in IQuantTestData.MatVecRecords.Where(r => r.Type == type))
        {
            int rowBytes = IQuantTestData.RowBytes(type, record.K);
            double err = 0;
            double norm = 0;
            for (int r = 0; r < record.Rows; r++)
            {
                float[] w = IQuantTestData.ToFloat(type, record.Weights[(r * rowBytes)..((r + 1) * rowBytes)], record.K);
                double dot = 0;
                for (int i = 0; i < record.K; i++)
                {
                    dot += (double)w[i] * record.Column[i];
                }
                err += (dot - record.Expected[r]) * (dot - record.Expected[r]);
                norm += (double)record.Expected[r] * record.Expected[r];
            }
            // ggml quantizes the column to Q8_K, so that rounding (NMSE ~1e-4 for one short row) separates the two;
            // a wrong dequantization lands near 1
            Assert.True(err / norm < 2e-3, $"{type}: NMSE {err / norm}");
        }
    }

    [Theory]
    [MemberData(nameof(MatVecTypes))]
    public void VecDot_MulMatRecords_MatchGgml(GgmlType type)
    {
        RowFormat format = RowFormats.Get(type);
        foreach (var record in IQuantTestData.MatVecRecords.Where(r => r.Type == type))
        {
            byte[] column = format.VecDotType == GgmlType.Q8_K
                ? IQuantTestData.QuantizeQ8K(record.Column)
                : IQuantTestData.QuantizeQ80(record.Column);
            int rowBytes = IQuantTestData.RowBytes(type, record.K);
            for (int r = 0; r < record.Rows; r++)
            {
                float actual = IQuantTestData.VecDot(format, record.K, record.Weights[(r * rowBytes)..((r + 1) * rowBytes)], column);
                float expected = record.Expected[r];
                Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{type} row {r}: {actual} vs {expected}");
            }
        }
    }
}
