using RpcWorker.Compute.Kernels.Unary;
using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Unary;

public class GluKernelTests
{
    private const float Alpha = 1.702f;
    private const float Limit = 7.0f;

    public static TheoryData<GluOp, GgmlType, string, int, int> Cases()
    {
        var data = new TheoryData<GluOp, GgmlType, string, int, int>();
        for (var op = GluOp.Reglu; op < GluOp.Count; op++)
        {
            foreach (GgmlType type in op == GluOp.SwigluOai ? new[] { GgmlType.F32 } : new[] { GgmlType.F32, GgmlType.F16 })
            {
                foreach (string form in new[] { "fused", "swapped", "split" })
                {
                    data.Add(op, type, form, 37, 1);
                    data.Add(op, type, form, 600, 3);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Glu_MatchesGgmlDefinition(GluOp op, GgmlType type, string form, int nc, int threads)
    {
        using var tt = new TestTensors();
        var rng = new Random((int)op * 7 + nc);
        Tensor a = tt.New(type, form == "split" ? nc : 2 * nc + 1, 3, 2);
        Tensor? b = form == "split" ? tt.New(type, nc, 3, 2) : null;
        FillRandom(a, rng, -12f, 12f);
        if (b is not null)
        {
            FillRandom(b, rng, -12f, 12f);
        }
        Tensor node = b is null ? tt.Node(GgmlOp.Glu, type, [nc, 3, 2], a) : tt.Node(GgmlOp.Glu, type, [nc, 3, 2], a, b);
        node.Params[0] = (int)op;
        node.Params[1] = form == "swapped" ? 1 : 0;
        node.Params[2] = BitConverter.SingleToInt32Bits(Alpha);
        node.Params[3] = BitConverter.SingleToInt32Bits(Limit);

        TestGraph.Run(threads, node);

        bool simd = op == GluOp.Swiglu && type == GgmlType.F32;
        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x;
            float g;
            if (b is not null)
            {
                x = Get(a, i0, i1, i2, i3);
                g = Get(b, i0, i1, i2, i3);
            }
            else
            {
                long xo = form == "swapped" ? nc : 0;
                long go = form == "swapped" ? 0 : nc;
                x = Get(a, i0 + xo, i1, i2, i3);
                g = Get(a, i0 + go, i1, i2, i3);
            }
            float expected = Reference(op, type, x, g);
            float actual = Get(node, i0, i1, i2, i3);
            string where = $"{op} x={x:R} g={g:R} [{i0},{i1},{i2}]";
            if (simd)
            {
                AssertUlps(expected, actual, 8, where);
            }
            else
            {
                AssertSame(Round(type, expected), actual, where);
            }
        }
    }

    private static float Reference(GluOp op, GgmlType type, float x, float g)
    {
        bool f32 = type == GgmlType.F32;
        switch (op)
        {
            case GluOp.Reglu:
                return x > 0 ? x * g : 0;
            case GluOp.Geglu:
                if (f32 && x <= -10f)
                {
                    return 0;
                }
                return f32 && x >= 10f ? x * g : Half(GeluTanh(Half(x))) * g;
            case GluOp.Swiglu:
                return x / (1f + MathF.Exp(-x)) * g;
            case GluOp.SwigluOai:
                float xc = Math.Min(x, Limit);
                float yc = Math.Clamp(g, -Limit, Limit);
                return xc / (1f + MathF.Exp(Alpha * -xc)) * (yc + 1f);
            case GluOp.GegluErf:
                return 0.5f * x * (1.0f + ScalarMath.Erf(x * 0.70710678118654752440084436210484f)) * g;
            default:
                float h = Half(x);
                return Half(h * (1.0f / (1.0f + MathF.Exp(-1.702f * h)))) * g;
        }
    }

    private static float Half(float v) => (float)(Half)v;

    private static float GeluTanh(float x) =>
        0.5f * x * (1.0f + MathF.Tanh(0.79788456080286535587989211986876f * x * (1.0f + 0.044715f * x * x)));

    [Fact]
    public void Glu_GateOfOtherShape_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Glu, GgmlType.F32, [8, 2], tt.New(GgmlType.F32, 8, 2), tt.New(GgmlType.F32, 8, 3));
        node.Params[0] = (int)GluOp.Swiglu;
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void SwigluOai_F16_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Glu, GgmlType.F16, [4, 2], tt.New(GgmlType.F16, 8, 2));
        node.Params[0] = (int)GluOp.SwigluOai;
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void Glu_DestinationOfWrongWidth_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Glu, GgmlType.F32, [8, 2], tt.New(GgmlType.F32, 8, 2));
        node.Params[0] = (int)GluOp.Reglu;
        Assert.NotNull(TestGraph.Rejection(node));
    }
}
