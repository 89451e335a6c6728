using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>
/// Matrix products through <see cref="RowFormat.VecDot"/> (activations quantized to the vec_dot type first, as ggml-cpu
/// does) must match real ggml's MUL_MAT within test-backend-ops' tolerance (NMSE 5e-4) at every SIMD tier. Each
/// GoldenMulMat/*.bin was mined from tbo-MUL_MAT.rpct (header: u32 type, u32 k, u32 m rows, u32 n columns; then the
/// m quantized weight rows; then the n F32 activation rows; then the m×n F32 results, column-major by activation row).
/// </summary>
public class GoldenDotProductTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Formats", "Quants", "GoldenMulMat");

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
    public void VecDot_MatchesGgmlMulMat(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        var type = (GgmlType)BitConverter.ToUInt32(bytes, 0);
        int k = BitConverter.ToInt32(bytes, 4);
        int m = BitConverter.ToInt32(bytes, 8);
        int n = BitConverter.ToInt32(bytes, 12);
        int rowBytes = (int)TypeTraits.RowSize(type, k);
        int weights = 16;
        int activations = weights + m * rowBytes;
        int results = activations + n * k * 4;
        Assert.Equal(results + m * n * 4, bytes.Length);
        float[] expected = new float[m * n];
        Buffer.BlockCopy(bytes, results, expected, 0, m * n * 4);
        foreach (RowFormat format in QuantTiers.All(type))
        {
            RowFormat dotFormat = RowFormats.Get(format.VecDotType);
            double err = 0, norm = 0;
            for (int j = 0; j < n; j++)
            {
                float[] b = new float[k];
                Buffer.BlockCopy(bytes, activations + j * k * 4, b, 0, k * 4);
                byte[] qb = QuantTestData.Quantize(dotFormat, b);
                for (int i = 0; i < m; i++)
                {
                    byte[] row = bytes.AsSpan(weights + i * rowBytes, rowBytes).ToArray();
                    double got = QuantTestData.Dot(format, row, qb, k);
                    double want = expected[j * m + i];
                    err += (got - want) * (got - want);
                    norm += want * want;
                }
            }
            double nmse = err / norm;
            Assert.True(nmse <= 5e-4, $"{type} {QuantTiers.Level(format)}: NMSE {nmse}");
        }
    }
}
