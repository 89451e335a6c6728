using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Tests.Kernels.Attention;

public unsafe class SoftMaxTests
{
    public sealed record Case(long[] Ne, GgmlType? MaskType, long MaskNe2, long MaskNe3, bool Sinks, float Scale, float MaxBias, bool Strided)
    {
        public override string ToString() =>
            $"ne=[{string.Join(',', Ne)}] mask={MaskType?.ToString() ?? "none"}[{MaskNe2},{MaskNe3}] sinks={Sinks} scale={Scale} bias={MaxBias} strided={Strided}";
    }

    private static readonly Case[] s_cases =
    [
        new([10, 5, 4, 3], null, 1, 1, false, 1f, 0f, false),
        new([1, 1, 1, 1], null, 1, 1, false, 1f, 0f, false),
        new([17, 3, 2, 1], GgmlType.F32, 2, 1, false, 0.1f, 0f, false),
        new([33, 4, 6, 2], GgmlType.F16, 3, 1, true, 0.5f, 8f, false),
        new([64, 3, 5, 1], GgmlType.F32, 1, 1, true, 1f, 4f, true),
        new([129, 2, 3, 3], GgmlType.F16, 1, 3, false, 2f, 8f, true),
        new([257, 2, 1, 1], null, 1, 1, true, 0.3f, 0f, true),
        new([1000, 3, 2, 1], GgmlType.F32, 2, 1, false, 1f, 0f, false),
    ];

    public static TheoryData<int, SimdLevel, int> LevelCases()
    {
        var data = new TheoryData<int, SimdLevel, int>();
        foreach (SimdLevel level in AttentionLevels.All)
        {
            for (int c = 0; c < s_cases.Length; c++)
            {
                data.Add(c, level, c % 2 == 0 ? 1 : 3);
            }
        }
        return data;
    }

    public static TheoryData<int, int> GraphCases()
    {
        var data = new TheoryData<int, int>();
        for (int c = 0; c < s_cases.Length; c++)
        {
            data.Add(c, 1);
            data.Add(c, 3);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelCases))]
    public void SoftMax_ForcedLevel_MatchesReference(int caseIndex, SimdLevel level, int threads)
    {
        Case c = s_cases[caseIndex];
        using var tt = new TestTensors();
        (Tensor node, double[] expected) = Build(tt, c, new Random(caseIndex));
        KernelRunner.Run(new SoftMaxKernel(level), node, threads);
        AttentionAssert.Close(expected, TestTensors.Read(node), 1e-7, 2e-6, c.ToString());
    }

    [Theory]
    [MemberData(nameof(GraphCases))]
    public void SoftMax_ThroughExecutor_MatchesReference(int caseIndex, int threads)
    {
        Case c = s_cases[caseIndex];
        using var tt = new TestTensors();
        (Tensor node, double[] expected) = Build(tt, c, new Random(100 + caseIndex));
        TestGraph.Run(threads, node);
        AttentionAssert.Close(expected, TestTensors.Read(node), 1e-7, 2e-6, c.ToString());
    }

    [Fact]
    public void SoftMax_InPlace_MatchesReference()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 40, 3, 2);
        var rng = new Random(7);
        TestTensors.FillRandom(a, rng, -3, 3);
        float[] x = TestTensors.Read(a);
        Tensor node = TestTensors.View(a, 0, [40, 3, 2, 1], [a.Nb[0], a.Nb[1], a.Nb[2], a.Nb[3]]);
        node.Op = GgmlOp.SoftMax;
        node.Params[0] = BitConverter.SingleToInt32Bits(0.7f);
        double[] expected = Reference(x, [40, 3, 2, 1], 40, 0.7f, 0f, null, [], null);
        TestGraph.Run(3, node);
        AttentionAssert.Close(expected, TestTensors.Read(a), 1e-7, 2e-6, "in place");
    }

    [Fact]
    public void SoftMax_FullyMaskedRow_IsNaNAsInGgml()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 8, 2);
        Tensor mask = tt.New(GgmlType.F32, 8, 2);
        float[] m = new float[16];
        Array.Fill(m, float.NegativeInfinity, 0, 8);
        TestTensors.Write(mask, m);
        Tensor node = tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 2], a, mask);
        node.Params[0] = BitConverter.SingleToInt32Bits(1f);
        TestGraph.Run(1, node);
        float[] got = TestTensors.Read(node);
        Assert.All(got[..8], v => Assert.True(float.IsNaN(v)));
        Assert.All(got[8..], v => Assert.Equal(0.125f, v, 6));
    }

    [Fact]
    public void Validate_RejectsBadShapesAndTypes()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 8, 4, 2);
        Tensor smallMask = tt.New(GgmlType.F32, 8, 3);
        Tensor i32Mask = tt.New(GgmlType.I32, 8, 4);
        Tensor shortSinks = tt.New(GgmlType.F32, 1);
        Tensor f16 = tt.New(GgmlType.F16, 8, 4, 2);
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 4, 2], a, smallMask)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 4, 2], a, i32Mask)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 4, 2], f16)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 4, 1], a)));
        Tensor withSinks = tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 4, 2], a);
        withSinks.Src[2] = shortSinks;
        Assert.NotNull(TestGraph.Rejection(withSinks));
        Assert.Null(TestGraph.Rejection(tt.Node(GgmlOp.SoftMax, GgmlType.F32, [8, 4, 2], a)));
    }

    private static (Tensor Node, double[] Expected) Build(TestTensors tt, Case c, Random rng)
    {
        long[] ne = c.Ne;
        long n = ne[0] * ne[1] * ne[2] * ne[3];
        float[] x = new float[n];
        for (long i = 0; i < n; i++)
        {
            x[i] = (float)(rng.NextDouble() * 8 - 4);
        }

        Tensor src;
        if (c.Strided)
        {
            long pad = 3;
            Tensor baseT = tt.New(GgmlType.F32, ne[0] + pad, ne[1], ne[2], ne[3]);
            src = TestTensors.View(baseT, 4, ne, [4, baseT.Nb[1], baseT.Nb[2], baseT.Nb[3]]);
            for (long r = 0; r < ne[1] * ne[2] * ne[3]; r++)
            {
                x.AsSpan((int)(r * ne[0]), (int)ne[0]).CopyTo(new Span<float>((float*)src.DataPtr + r * (ne[0] + pad), (int)ne[0]));
            }
        }
        else
        {
            src = tt.New(GgmlType.F32, ne);
            TestTensors.Write(src, x);
        }

        Tensor? mask = null;
        float[] m = [];
        long[] maskNe = [ne[0], ne[1] + 1, c.MaskNe2, c.MaskNe3];
        if (c.MaskType is { } mt)
        {
            mask = tt.New(mt, maskNe);
            m = new float[maskNe[0] * maskNe[1] * maskNe[2] * maskNe[3]];
            for (int i = 0; i < m.Length; i++)
            {
                m[i] = i % 7 == 3 ? float.NegativeInfinity : (float)(rng.NextDouble() * 2 - 1);
                if (mt == GgmlType.F16)
                {
                    m[i] = (float)(Half)m[i];
                }
            }
            TestTensors.Write(mask, m);
        }

        Tensor? sinks = null;
        float[]? sk = null;
        if (c.Sinks)
        {
            sinks = tt.New(GgmlType.F32, ne[2]);
            sk = new float[ne[2]];
            for (int i = 0; i < sk.Length; i++)
            {
                sk[i] = (float)(rng.NextDouble() * 4 - 2);
            }
            TestTensors.Write(sinks, sk);
        }

        Tensor node = tt.Node(GgmlOp.SoftMax, GgmlType.F32, ne, src);
        node.Src[1] = mask;
        node.Src[2] = sinks;
        node.Params[0] = BitConverter.SingleToInt32Bits(c.Scale);
        node.Params[1] = BitConverter.SingleToInt32Bits(c.MaxBias);
        return (node, Reference(x, ne, ne[0], c.Scale, c.MaxBias, mask is null ? null : maskNe, m, sk));
    }

    /// <summary>ggml's softmax semantics in double precision.</summary>
    private static double[] Reference(float[] x, long[] ne, long rowLen, float scale, float maxBias, long[]? maskNe, float[] m, float[]? sinks)
    {
        var y = new double[x.Length];
        long nHead = ne[2];
        long nHeadLog2 = 1L << (int)Math.Floor(Math.Log2(nHead));
        double m0 = Math.Pow(2.0, -maxBias / nHeadLog2);
        double m1 = Math.Pow(2.0, -(maxBias / 2.0) / nHeadLog2);
        var w = new double[rowLen];
        for (long i3 = 0; i3 < ne[3]; i3++)
        {
            for (long i2 = 0; i2 < ne[2]; i2++)
            {
                double slope = maxBias > 0 ? i2 < nHeadLog2 ? Math.Pow(m0, i2 + 1) : Math.Pow(m1, 2 * (i2 - nHeadLog2) + 1) : 1.0;
                for (long i1 = 0; i1 < ne[1]; i1++)
                {
                    long row = ((i3 * ne[2] + i2) * ne[1] + i1) * rowLen;
                    double max = double.NegativeInfinity;
                    for (long i0 = 0; i0 < rowLen; i0++)
                    {
                        double v = (double)x[row + i0] * scale;
                        if (maskNe is not null)
                        {
                            long mi = (((i3 % maskNe[3]) * maskNe[2] + (i2 % maskNe[2])) * maskNe[1] + i1) * maskNe[0] + i0;
                            v += slope * m[mi];
                        }
                        w[i0] = v;
                        max = Math.Max(max, v);
                    }
                    if (sinks is not null)
                    {
                        max = Math.Max(max, sinks[i2]);
                    }
                    double sum = 0;
                    for (long i0 = 0; i0 < rowLen; i0++)
                    {
                        w[i0] = Math.Exp(w[i0] - max);
                        sum += w[i0];
                    }
                    if (sinks is not null)
                    {
                        sum += Math.Exp(sinks[i2] - max);
                    }
                    for (long i0 = 0; i0 < rowLen; i0++)
                    {
                        y[row + i0] = w[i0] / sum;
                    }
                }
            }
        }
        return y;
    }
}
