using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// Quantized bytes must equal what ggml-cpu produced: each Golden/*.bin holds F32 rows and the bytes real ggml wrote for
/// them, mined from the conformance transcripts tbo-SET_ROWS.rpct and tbo-CPY.rpct
/// (header: u32 type, u32 elements per row, u32 rows; then the float rows; then the quantized rows).
/// </summary>
public class GoldenQuantizationTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Formats", "Quants", "Golden"), "*.bin").Order())
        {
            data.Add(Path.GetFileName(path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void FromFloat_MatchesGgmlBytes(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Formats", "Quants", "Golden", file));
        var type = (GgmlType)BitConverter.ToUInt32(bytes, 0);
        int n = BitConverter.ToInt32(bytes, 4);
        int rows = BitConverter.ToInt32(bytes, 8);
        RowFormat? format = RowFormats.Find(type);
        Assert.NotNull(format);
        int rowBytes = (int)TypeTraits.RowSize(type, n);
        int floats = 12;
        int quants = floats + rows * n * 4;
        Assert.Equal(quants + rows * rowBytes, bytes.Length);
        for (int r = 0; r < rows; r++)
        {
            float[] row = new float[n];
            Buffer.BlockCopy(bytes, floats + r * n * 4, row, 0, n * 4);
            byte[] expected = bytes.AsSpan(quants + r * rowBytes, rowBytes).ToArray();
            Assert.Equal(expected, QuantTestData.Quantize(format, row));
        }
    }
}
