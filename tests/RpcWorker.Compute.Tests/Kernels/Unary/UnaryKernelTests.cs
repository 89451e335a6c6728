using RpcWorker.Compute.Kernels.Unary;
using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Unary;

public class UnaryKernelTests
{
    private const float XieluAlphaN = 0.8f;
    private const float XieluAlphaP = 0.6f;
    private const float XieluBeta = 0.5f;
    private const float XieluEps = -1e-6f;

    private static readonly (GgmlType Src, GgmlType Dst)[] s_mixed =
        [(GgmlType.F32, GgmlType.F32), (GgmlType.F16, GgmlType.F16), (GgmlType.BF16, GgmlType.BF16), (GgmlType.F16, GgmlType.F32), (GgmlType.BF16, GgmlType.F32)];

    private static readonly (GgmlType Src, GgmlType Dst)[] s_f32OrF16 = [(GgmlType.F32, GgmlType.F32), (GgmlType.F16, GgmlType.F16)];

    private static bool IsOpsCpp(UnaryOp op) => op is UnaryOp.Gelu or UnaryOp.GeluQuick or UnaryOp.GeluErf or UnaryOp.Silu;

    public static TheoryData<UnaryOp, GgmlType, GgmlType, bool, int> Cases()
    {
        var data = new TheoryData<UnaryOp, GgmlType, GgmlType, bool, int>();
        for (var op = UnaryOp.Abs; op < UnaryOp.Count; op++)
        {
            foreach (var (s, d) in IsOpsCpp(op) ? s_f32OrF16 : s_mixed)
            {
                data.Add(op, s, d, false, 1);
                data.Add(op, s, d, op != UnaryOp.Xielu, 3);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unary_MatchesGgmlScalarDefinition(UnaryOp op, GgmlType st, GgmlType dt, bool view, int threads)
    {
        using var tt = new TestTensors();
        long[] ne = [131, 2, 2, 2];
        Tensor src = view ? SubView(tt.New(st, 131 * 3, 4, 10, 8), ne) : tt.New(st, ne);
        var rng = new Random((int)op + 1);
        float range = st == GgmlType.F16 && op is UnaryOp.Exp or UnaryOp.Expm1 ? 10f : 150f;
        FillRandom(src, rng, -range, range);
        if (op is not UnaryOp.Gelu and not UnaryOp.GeluQuick)
        {
            Set(src, 0, 0, 0, 0, 0.25f);
            Set(src, 1, 0, 0, 0, -0.5f);
            Set(src, 2, 0, 0, 0, 2.5f);
            Set(src, 3, 0, 0, 0, 1e-3f);
        }
        Tensor node = tt.Node(GgmlOp.Unary, dt, ne, src);
        node.Params[0] = (int)op;
        if (op == UnaryOp.Xielu)
        {
            node.Params[1] = BitConverter.SingleToInt32Bits(XieluAlphaN);
            node.Params[2] = BitConverter.SingleToInt32Bits(XieluAlphaP);
            node.Params[3] = BitConverter.SingleToInt32Bits(XieluBeta);
            node.Params[4] = BitConverter.SingleToInt32Bits(XieluEps);
        }

        TestGraph.Run(threads, node);

        bool simd = op == UnaryOp.Silu && st == GgmlType.F32;
        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x = Get(src, i0, i1, i2, i3);
            float expected = Reference(op, x, st);
            float actual = Get(node, i0, i1, i2, i3);
            string where = $"{op} x={x:R} [{i0},{i1},{i2},{i3}]";
            if (simd)
            {
                AssertUlps(expected, actual, 4, where);
            }
            else
            {
                AssertSame(Round(dt, expected), actual, where);
            }
        }
    }

    /// <summary>ggml's per-element definition (unary-ops.cpp, vec.h); F16 GELUs use the table on the input bits.</summary>
    private static float Reference(UnaryOp op, float x, GgmlType st) => op switch
    {
        UnaryOp.Abs => MathF.Abs(x),
        UnaryOp.Sgn => x > 0 ? 1 : x < 0 ? -1 : 0,
        UnaryOp.Neg => -x,
        UnaryOp.Step => x > 0 ? 1 : 0,
        UnaryOp.Tanh => MathF.Tanh(x),
        UnaryOp.Elu => x > 0 ? x : (float)(Math.Exp(x) - 1),
        UnaryOp.Relu => x > 0 ? x : 0,
        UnaryOp.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        UnaryOp.Gelu => st == GgmlType.F16 || (x > -10f && x < 10f) ? HalfGelu(x) : x <= -10f ? 0f : x,
        UnaryOp.GeluQuick => HalfGeluQuick(x),
        UnaryOp.Silu => x / (1f + MathF.Exp(-x)),
        UnaryOp.HardSwish => x * Math.Clamp((x + 3f) / 6f, 0f, 1f),
        UnaryOp.HardSigmoid => Math.Clamp((x + 3f) / 6f, 0f, 1f),
        UnaryOp.Exp => MathF.Exp(x),
        UnaryOp.Expm1 => MathF.Exp(x) - 1f,
        UnaryOp.Softplus => x > 20f ? x : MathF.Log(1f + MathF.Exp(x)),
        UnaryOp.GeluErf => 0.5f * x * (1.0f + ScalarMath.Erf(x * 0.70710678118654752440084436210484f)),
        UnaryOp.Xielu => x > 0
            ? XieluAlphaP * x * x + XieluBeta * x
            : ((float)(Math.Exp(Math.Min(x, XieluEps)) - 1) - x) * XieluAlphaN + XieluBeta * x,
        UnaryOp.Floor => MathF.Floor(x),
        UnaryOp.Ceil => MathF.Ceiling(x),
        UnaryOp.Round => MathF.Round(x, MidpointRounding.AwayFromZero),
        UnaryOp.Trunc => MathF.Truncate(x),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static float HalfGelu(float x)
    {
        float h = (float)(Half)x;
        return (float)(Half)(0.5f * h * (1.0f + MathF.Tanh(0.79788456080286535587989211986876f * h * (1.0f + 0.044715f * h * h))));
    }

    private static float HalfGeluQuick(float x)
    {
        float h = (float)(Half)x;
        return (float)(Half)(h * (1.0f / (1.0f + MathF.Exp(-1.702f * h))));
    }

    public static TheoryData<GgmlOp> MathOps() => new([GgmlOp.Sqr, GgmlOp.Sqrt, GgmlOp.Log, GgmlOp.Sin, GgmlOp.Cos]);

    [Theory]
    [MemberData(nameof(MathOps))]
    public void MathOps_MatchLibm(GgmlOp op)
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.F32, 257, 3);
        FillRandom(src, new Random(2), 0.01f, 20f);
        Set(src, 0, 0, 0, 0, -1f);
        Tensor node = tt.Node(op, GgmlType.F32, [257, 3], src);

        TestGraph.Run(3, node);

        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x = Get(src, i0, i1, i2, i3);
            float expected = op switch
            {
                GgmlOp.Sqr => x * x,
                GgmlOp.Sqrt => MathF.Sqrt(x),
                GgmlOp.Log => MathF.Log(x),
                GgmlOp.Sin => MathF.Sin(x),
                _ => MathF.Cos(x),
            };
            AssertSame(expected, Get(node, i0, i1, i2, i3), $"{op}({x:R})");
        }
    }

    [Theory]
    [InlineData(UnaryOp.Gelu, GgmlType.BF16, GgmlType.BF16)]
    [InlineData(UnaryOp.Silu, GgmlType.F16, GgmlType.F32)]
    [InlineData(UnaryOp.Abs, GgmlType.F32, GgmlType.F16)]
    [InlineData(UnaryOp.Abs, GgmlType.I32, GgmlType.I32)]
    public void Unary_TypePairGgmlLacks_IsRejected(UnaryOp op, GgmlType st, GgmlType dt)
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Unary, dt, [8, 2], tt.New(st, 8, 2));
        node.Params[0] = (int)op;
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void Unary_TransposedSource_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor src = Permute(tt.New(GgmlType.F32, 8, 4), 0, 1);
        Tensor node = tt.Node(GgmlOp.Unary, GgmlType.F32, [4, 8], src);
        node.Params[0] = (int)UnaryOp.Relu;
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void Xielu_SourceNotContiguousAboveRows_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor view = TestTensors.View(tt.New(GgmlType.F32, 8, 4, 6), 0, [8, 2, 3, 1], [4, 32, 128, 768]);
        Tensor node = tt.Node(GgmlOp.Unary, GgmlType.F32, [8, 2, 3], view);
        node.Params[0] = (int)UnaryOp.Xielu;
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void UnknownUnaryOp_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Unary, GgmlType.F32, [8], tt.New(GgmlType.F32, 8));
        node.Params[0] = 99;
        Assert.NotNull(TestGraph.Rejection(node));
    }
}
