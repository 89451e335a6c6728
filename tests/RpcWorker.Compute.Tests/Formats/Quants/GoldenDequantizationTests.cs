using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// Dequantized rows must equal what ggml-cpu produced bit for bit: each GoldenDequant/*.bin holds quantized rows and the
/// F32 rows real ggml's GET_ROWS returned for them, mined from the conformance transcript tbo-GET_ROWS.rpct
/// (header: u32 type, u32 elements per row, u32 rows; then the quantized rows; then the float rows).
/// </summary>
public class GoldenDequantizationTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Formats", "Quants", "GoldenDequant");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(Folder, "*.bin").Order())
        {
            data.Add(Path.GetFileName(path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ToFloat_MatchesGgmlFloats(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        var type = (GgmlType)BitConverter.ToUInt32(bytes, 0);
        int n = BitConverter.ToInt32(bytes, 4);
        int rows = BitConverter.ToInt32(bytes, 8);
        RowFormat? format = RowFormats.Find(type);
        Assert.NotNull(format);
        int rowBytes = (int)TypeTraits.RowSize(type, n);
        int quants = 12;
        int floats = quants + rows * rowBytes;
        Assert.Equal(floats + rows * n * 4, bytes.Length);
        for (int r = 0; r < rows; r++)
        {
            byte[] row = bytes.AsSpan(quants + r * rowBytes, rowBytes).ToArray();
            float[] expected = new float[n];
            Buffer.BlockCopy(bytes, floats + r * n * 4, expected, 0, n * 4);
            float[] actual = QuantTestData.Dequantize(format, row, n);
            for (int i = 0; i < n; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                    $"{type} row {r} element {i}: {actual[i]} vs ggml {expected[i]}");
            }
        }
    }
}
