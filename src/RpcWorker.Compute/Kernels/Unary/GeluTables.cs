using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>
/// ggml-cpu's fp16 lookup tables <c>ggml_table_gelu_f16</c> and <c>ggml_table_gelu_quick_f16</c>: for every fp16 bit pattern,
/// the fp16 of the activation of its value. ggml's GELU and quick GELU on F32 round the input to fp16 and look it up
/// (<c>GGML_GELU_FP16</c>, <c>GGML_GELU_QUICK_FP16</c>), so these tables are part of the op's definition.
/// </summary>
internal static class GeluTables
{
    public const float CoefA = 0.044715f;
    public const float QuickCoef = -1.702f;
    public const float Sqrt2OverPi = 0.79788456080286535587989211986876f;
    public const float Sqrt2Inv = 0.70710678118654752440084436210484f;

    /// <summary><c>ggml_table_gelu_f16</c>.</summary>
    public static ushort[] Gelu => GeluHolder.Table;

    /// <summary><c>ggml_table_gelu_quick_f16</c>.</summary>
    public static ushort[] GeluQuick => QuickHolder.Table;

    /// <summary><c>ggml_gelu_f32</c>: the tanh approximation.</summary>
    public static float GeluF32(float x) => 0.5f * x * (1.0f + MathF.Tanh(Sqrt2OverPi * x * (1.0f + CoefA * x * x)));

    /// <summary><c>ggml_gelu_quick_f32</c>.</summary>
    public static float GeluQuickF32(float x) => x * (1.0f / (1.0f + MathF.Exp(QuickCoef * x)));

    private static ushort[] Build(Func<float, float> f)
    {
        var table = new ushort[65536];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = Fp16.FromSingle(f(Fp16.ToSingle((ushort)i)));
        }
        return table;
    }

    private static class GeluHolder
    {
        public static readonly ushort[] Table = Build(GeluF32);
    }

    private static class QuickHolder
    {
        public static readonly ushort[] Table = Build(GeluQuickF32);
    }
}
