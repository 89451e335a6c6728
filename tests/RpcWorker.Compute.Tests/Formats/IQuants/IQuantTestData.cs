using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.IQuants;

/// <summary>
/// Test-side data for the IQ formats: golden records mined from the conformance transcripts (real ggml-cpu results),
/// random blocks, and plain reference quantizers for the Q8_0/Q8_K dot operands.
/// </summary>
internal static unsafe class IQuantTestData
{
    /// <summary>A dequantized row recorded from GET_ROWS: the quantized bytes and ggml's floats.</summary>
    public sealed record Dequant(GgmlType Type, int N, byte[] Quantized, float[] Expected);

    /// <summary>A quantized row recorded from CPY/SET_ROWS: the source floats and ggml's bytes.</summary>
    public sealed record Quant(GgmlType Type, int N, float[] Source, byte[] Expected);

    /// <summary>A matrix-vector product recorded from MUL_MAT(_ID): rows of weights, one F32 column, ggml's outputs.</summary>
    public sealed record MatVec(GgmlType Type, int K, int Rows, byte[] Weights, float[] Column, float[] Expected);

    private static readonly Lazy<(List<Dequant> D, List<Quant> Q, List<MatVec> M)> s_golden = new(Load);

    public static IReadOnlyList<Dequant> DequantRecords => s_golden.Value.D;

    public static IReadOnlyList<Quant> QuantRecords => s_golden.Value.Q;

    public static IReadOnlyList<MatVec> MatVecRecords => s_golden.Value.M;

    public static GgmlType[] AllTypes =>
    [
        GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS, GgmlType.IQ3_S,
        GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ4_NL, GgmlType.IQ4_XS,
    ];

    private static (List<Dequant>, List<Quant>, List<MatVec>) Load()
    {
        var d = new List<Dequant>();
        var q = new List<Quant>();
        var m = new List<MatVec>();
        string path = Path.Combine(AppContext.BaseDirectory, "Formats", "IQuants", "Data", "iq-golden.bin");
        using var reader = new BinaryReader(File.OpenRead(path));
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            byte kind = reader.ReadByte();
            var type = (GgmlType)reader.ReadUInt32();
            int n = reader.ReadInt32();
            switch (kind)
            {
                case 0:
                    d.Add(new Dequant(type, n, reader.ReadBytes(RowBytes(type, n)), ReadFloats(reader, n)));
                    break;
                case 1:
                    q.Add(new Quant(type, n, ReadFloats(reader, n), reader.ReadBytes(RowBytes(type, n))));
                    break;
                default:
                    int rows = reader.ReadInt32();
                    int cols = reader.ReadInt32();
                    Assert.Equal(1, cols);
                    m.Add(new MatVec(type, n, rows, reader.ReadBytes(rows * RowBytes(type, n)), ReadFloats(reader, n), ReadFloats(reader, rows)));
                    break;
            }
        }
        return (d, q, m);
    }

    private static float[] ReadFloats(BinaryReader reader, int n)
    {
        var f = new float[n];
        for (int i = 0; i < n; i++)
        {
            f[i] = reader.ReadSingle();
        }
        return f;
    }

    public static int RowBytes(GgmlType type, int n) => (int)TypeTraits.RowSize(type, n);

    /// <summary>Random blocks whose scale fields hold finite, moderate fp16 values (the rest is random bits).</summary>
    public static byte[] RandomBlocks(GgmlType type, int blocks, Random rng)
    {
        int typeSize = TypeTraits.TypeSize(type);
        var data = new byte[blocks * typeSize];
        rng.NextBytes(data);
        for (int b = 0; b < blocks; b++)
        {
            Span<byte> block = data.AsSpan(b * typeSize, typeSize);
            ushort scale = BitConverter.HalfToUInt16Bits((Half)(0.001 + rng.NextDouble() * 0.05));
            if (type == GgmlType.IQ1_M)
            {
                // the fp16 scale is the top nibble of each of the four u16 sub-scale words
                for (int k = 0; k < 4; k++)
                {
                    int off = 48 + 2 * k;
                    ushort w = (ushort)(BitConverter.ToUInt16(block.Slice(off, 2)) & 0x0fff);
                    w |= (ushort)(((scale >> (4 * k)) & 0xf) << 12);
                    BitConverter.TryWriteBytes(block.Slice(off, 2), w);
                }
            }
            else
            {
                BitConverter.TryWriteBytes(block[..2], scale);
            }
        }
        return data;
    }

    /// <summary>Random Q8_K blocks with quants in [−127, 127] and consistent group sums.</summary>
    public static byte[] RandomQ8K(int blocks, Random rng)
    {
        var data = new byte[blocks * 292];
        for (int b = 0; b < blocks; b++)
        {
            Span<byte> block = data.AsSpan(b * 292, 292);
            BitConverter.TryWriteBytes(block[..4], (float)(0.001 + rng.NextDouble() * 0.02));
            for (int g = 0; g < 16; g++)
            {
                short sum = 0;
                for (int j = 0; j < 16; j++)
                {
                    sbyte v = (sbyte)rng.Next(-127, 128);
                    block[4 + 16 * g + j] = (byte)v;
                    sum += v;
                }
                BitConverter.TryWriteBytes(block.Slice(260 + 2 * g, 2), sum);
            }
        }
        return data;
    }

    /// <summary>Random Q8_0 blocks with quants in [−127, 127].</summary>
    public static byte[] RandomQ80(int blocks, Random rng)
    {
        var data = new byte[blocks * 34];
        for (int b = 0; b < blocks; b++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(b * 34, 2), BitConverter.HalfToUInt16Bits((Half)(0.001 + rng.NextDouble() * 0.02)));
            for (int j = 0; j < 32; j++)
            {
                data[b * 34 + 2 + j] = (byte)(sbyte)rng.Next(-127, 128);
            }
        }
        return data;
    }

    /// <summary>The floats a Q8_K or Q8_0 row stands for.</summary>
    public static double[] Q8Values(GgmlType type, byte[] q8, int n)
    {
        var v = new double[n];
        int bs = type == GgmlType.Q8_K ? 256 : 32;
        int bytes = type == GgmlType.Q8_K ? 292 : 34;
        int qoff = type == GgmlType.Q8_K ? 4 : 2;
        for (int i = 0; i < n; i++)
        {
            int b = i / bs;
            double d = type == GgmlType.Q8_K ? BitConverter.ToSingle(q8, b * bytes) : (double)BitConverter.ToHalf(q8, b * bytes);
            v[i] = d * (sbyte)q8[b * bytes + qoff + i % bs];
        }
        return v;
    }

    /// <summary>ggml's <c>quantize_row_q8_K_ref</c>, written out plainly.</summary>
    public static byte[] QuantizeQ8K(float[] x)
    {
        int nb = x.Length / 256;
        var data = new byte[nb * 292];
        for (int b = 0; b < nb; b++)
        {
            float max = 0;
            float amax = 0;
            for (int j = 0; j < 256; j++)
            {
                float ax = MathF.Abs(x[256 * b + j]);
                if (ax > amax)
                {
                    amax = ax;
                    max = x[256 * b + j];
                }
            }
            if (amax == 0)
            {
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < 256; j++)
            {
                int v = (int)MathF.Round(iscale * x[256 * b + j], MidpointRounding.ToEven);
                data[b * 292 + 4 + j] = (byte)(sbyte)Math.Min(127, v);
            }
            for (int g = 0; g < 16; g++)
            {
                short sum = 0;
                for (int j = 0; j < 16; j++)
                {
                    sum += (sbyte)data[b * 292 + 4 + 16 * g + j];
                }
                BitConverter.TryWriteBytes(data.AsSpan(b * 292 + 260 + 2 * g, 2), sum);
            }
            BitConverter.TryWriteBytes(data.AsSpan(b * 292, 4), 1 / iscale);
        }
        return data;
    }

    /// <summary>ggml's <c>quantize_row_q8_0_ref</c>, written out plainly.</summary>
    public static byte[] QuantizeQ80(float[] x)
    {
        int nb = x.Length / 32;
        var data = new byte[nb * 34];
        for (int b = 0; b < nb; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++)
            {
                amax = MathF.Max(amax, MathF.Abs(x[32 * b + j]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            BitConverter.TryWriteBytes(data.AsSpan(b * 34, 2), BitConverter.HalfToUInt16Bits((Half)d));
            for (int j = 0; j < 32; j++)
            {
                data[b * 34 + 2 + j] = (byte)(sbyte)MathF.Round(x[32 * b + j] * id, MidpointRounding.AwayFromZero);
            }
        }
        return data;
    }

    public static float[] ToFloat(GgmlType type, byte[] q, int n)
    {
        var f = new float[n];
        fixed (byte* src = q)
        fixed (float* dst = f)
        {
            RowFormats.Get(type).ToFloat(src, dst, n);
        }
        return f;
    }

    public static float VecDot(RowFormat format, int n, byte[] x, byte[] y)
    {
        fixed (byte* px = x)
        fixed (byte* py = y)
        {
            return format.VecDot(n, px, py);
        }
    }
}
