using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Tests.Kernels.Attention;

public unsafe class FlashAttnExtTests
{
    public sealed record Case(long Hsk, long Hsv, long Nh, long Nr2, long Nr3, long Kv, long Nb, bool Mask, bool Sinks, float MaxBias,
        float Softcap, GgmlType K, GgmlType V, bool PermuteQ, bool Causal = false)
    {
        public override string ToString() =>
            $"hsk={Hsk} hsv={Hsv} nh={Nh} nr=[{Nr2},{Nr3}] kv={Kv} nb={Nb} mask={Mask} sinks={Sinks} bias={MaxBias} cap={Softcap} {K}/{V} permute={PermuteQ} causal={Causal}";
    }

    private static readonly Case[] s_cases =
    [
        new(64, 64, 2, 2, 1, 113, 3, true, false, 0f, 0f, GgmlType.F16, GgmlType.F16, false),
        new(40, 40, 1, 1, 3, 33, 1, true, true, 8f, 0f, GgmlType.F32, GgmlType.F32, false),
        new(128, 128, 2, 1, 1, 96, 70, true, false, 0f, 10f, GgmlType.F16, GgmlType.F16, false),
        new(72, 72, 2, 1, 1, 50, 5, false, true, 0f, 0f, GgmlType.BF16, GgmlType.BF16, true),
        new(64, 64, 4, 2, 1, 600, 1, true, true, 0f, 0f, GgmlType.F16, GgmlType.F16, false),
        new(32, 32, 3, 1, 1, 520, 1, false, false, 0f, 0f, GgmlType.F32, GgmlType.F32, false),
        new(40, 24, 3, 1, 1, 37, 7, true, false, 8f, 0f, GgmlType.F16, GgmlType.F32, true),
        new(20, 36, 2, 3, 1, 19, 65, true, true, 0f, 0f, GgmlType.F32, GgmlType.F16, false),
        new(17, 9, 1, 1, 1, 5, 2, false, false, 0f, 0f, GgmlType.F32, GgmlType.BF16, false),
        new(64, 64, 2, 2, 1, 128, 2, true, false, 0f, 0f, GgmlType.Q8_0, GgmlType.Q4_0, false),
        new(64, 64, 2, 1, 1, 128, 3, true, true, 0f, 0f, GgmlType.Q4_0, GgmlType.F16, false),
        new(96, 96, 1, 2, 1, 70, 2, true, false, 8f, 0f, GgmlType.Q4_1, GgmlType.Q5_1, true),
        new(64, 64, 2, 1, 1, 64, 2, false, true, 0f, 0f, GgmlType.Q5_0, GgmlType.Q8_0, false),
        new(128, 128, 2, 1, 1, 600, 1, true, false, 0f, 0f, GgmlType.Q8_0, GgmlType.Q8_0, false),
        new(64, 64, 2, 8, 1, 200, 130, true, true, 0f, 0f, GgmlType.F16, GgmlType.F16, false, true),
        new(64, 64, 2, 4, 1, 77, 64, true, false, 0f, 20f, GgmlType.F32, GgmlType.F32, false),
        new(80, 32, 3, 1, 2, 129, 67, true, true, 8f, 0f, GgmlType.F16, GgmlType.F16, true, true),
        new(40, 48, 1, 1, 1, 5, 100, true, false, 0f, 0f, GgmlType.F16, GgmlType.F16, false),
        new(64, 64, 1, 4, 1, 300, 150, true, true, 0f, 0f, GgmlType.F16, GgmlType.F16, false, true),
        new(24, 16, 2, 1, 1, 64, 65, false, true, 0f, 30f, GgmlType.F32, GgmlType.F32, false),
        new(64, 64, 2, 4, 1, 100, 70, true, true, 0f, 0f, GgmlType.BF16, GgmlType.BF16, false, true),
        new(64, 64, 2, 8, 1, 90, 66, true, false, 0f, 0f, GgmlType.Q8_0, GgmlType.Q8_0, false, true),
        new(64, 64, 4, 8, 1, 300, 1, true, false, 0f, 0f, GgmlType.F16, GgmlType.F16, false, true),
        new(64, 64, 2, 8, 1, 700, 1, true, true, 0f, 0f, GgmlType.F16, GgmlType.F16, false),
        new(128, 128, 2, 3, 1, 150, 5, true, false, 0f, 30f, GgmlType.F16, GgmlType.F16, false, true),
        new(64, 64, 2, 5, 1, 257, 2, false, true, 8f, 0f, GgmlType.F16, GgmlType.F16, true),
        new(48, 80, 3, 4, 2, 65, 3, true, true, 0f, 0f, GgmlType.F16, GgmlType.F16, false, true),
        new(576, 512, 1, 2, 1, 70, 1, true, false, 0f, 0f, GgmlType.F16, GgmlType.F16, false),
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
    public void FlashAttn_ForcedLevel_MatchesReference(int caseIndex, SimdLevel level, int threads)
    {
        Case c = s_cases[caseIndex];
        using var tt = new TestTensors();
        (Tensor node, double[] expected) = Build(tt, c, new Random(caseIndex));
        KernelRunner.Run(new FlashAttnExtKernel(level), node, threads);
        Check(c, expected, node);
    }

    [Theory]
    [MemberData(nameof(GraphCases))]
    public void FlashAttn_ThroughExecutor_MatchesReference(int caseIndex, int threads)
    {
        Case c = s_cases[caseIndex];
        using var tt = new TestTensors();
        (Tensor node, double[] expected) = Build(tt, c, new Random(70 + caseIndex));
        TestGraph.Run(threads, node);
        Check(c, expected, node);
    }

    [Fact]
    public void FlashAttn_FullyMaskedRowWithoutSinks_IsZero()
    {
        using var tt = new TestTensors();
        var c = new Case(16, 16, 1, 1, 1, 8, 2, true, false, 0f, 0f, GgmlType.F32, GgmlType.F32, false);
        (Tensor node, _) = Build(tt, c, new Random(5));
        Tensor mask = node.Src[3]!;
        for (int i = 0; i < 8; i++)
        {
            ((ushort*)mask.Data)[i] = BitConverter.HalfToUInt16Bits(Half.NegativeInfinity);
        }
        TestGraph.Run(1, node);
        float[] got = TestTensors.Read(node);
        Assert.All(got[..16], v => Assert.Equal(0f, v));
        Assert.Contains(got[16..], v => v != 0f);
    }

    [Fact]
    public void Validate_RejectsBadShapes()
    {
        using var tt = new TestTensors();
        var c = new Case(16, 16, 2, 1, 1, 8, 2, true, false, 0f, 0f, GgmlType.F16, GgmlType.F16, false);
        (Tensor node, _) = Build(tt, c, new Random(6));
        Assert.Null(TestGraph.Rejection(node));

        Tensor shortMask = tt.New(GgmlType.F16, 7, 2);
        Tensor? mask = node.Src[3];
        node.Src[3] = shortMask;
        Assert.NotNull(TestGraph.Rejection(node));
        node.Src[3] = tt.New(GgmlType.F32, 8, 2);
        Assert.NotNull(TestGraph.Rejection(node));
        node.Src[3] = mask;

        Tensor k = node.Src[1]!;
        node.Src[1] = tt.New(GgmlType.F16, 16, 8, 3);
        Assert.NotNull(TestGraph.Rejection(node));
        node.Src[1] = tt.New(GgmlType.I32, 16, 8, 2);
        Assert.NotNull(TestGraph.Rejection(node));
        node.Src[1] = k;

        node.Params[3] = 3;
        Assert.NotNull(TestGraph.Rejection(node));
        node.Params[3] = 10;
        Assert.Null(TestGraph.Rejection(node));
    }

    private static void Check(Case c, double[] expected, Tensor node)
    {
        float[] got = TestTensors.Read(node);
        double nmse = AttentionAssert.Nmse(expected, got);
        double limit = c.K == GgmlType.F32 && c.V == GgmlType.F32 ? 1e-10
            : c.K == GgmlType.BF16 || c.V == GgmlType.BF16 ? 1e-4
            : c.K == GgmlType.F16 || c.V == GgmlType.F16 ? 2e-5
            : 1e-6;
        Assert.True(nmse < limit, $"{c}: NMSE {nmse}");
    }

    /// <summary>Every element of a 4-d tensor as floats, row by row through its row format (dense [i3][i2][i1][i0]).</summary>
    private static float[] Dequantize(Tensor t)
    {
        long ne0 = t.Ne[0];
        var all = new float[t.NElements];
        fixed (float* dst = all)
        {
            long row = 0;
            for (long i3 = 0; i3 < t.Ne[3]; i3++)
            {
                for (long i2 = 0; i2 < t.Ne[2]; i2++)
                {
                    for (long i1 = 0; i1 < t.Ne[1]; i1++, row++)
                    {
                        RowFormats.Get(t.Type).ToFloat(t.RowPtr(i1, i2, i3), dst + row * ne0, ne0);
                    }
                }
            }
        }
        return all;
    }

    /// <summary>Q as K's dot product sees it: quantized K types round Q through their <c>vec_dot_type</c>.</summary>
    private static float[] QueryAsSeenByKeys(Tensor q, GgmlType kType)
    {
        float[] values = Dequantize(q);
        if (!TypeTraits.Get(kType).IsQuantized)
        {
            return values;
        }
        RowFormat dotFormat = RowFormats.Get(RowFormats.Get(kType).VecDotType);
        long ne0 = q.Ne[0];
        var packed = new byte[TypeTraits.RowSize(dotFormat.Type, ne0)];
        fixed (float* v = values)
        fixed (byte* b = packed)
        {
            for (long r = 0; r < values.Length / ne0; r++)
            {
                dotFormat.FromFloat(v + r * ne0, b, ne0);
                dotFormat.ToFloat(b, v + r * ne0, ne0);
            }
        }
        return values;
    }

    private static Tensor Random4(TestTensors tt, GgmlType type, long[] ne, Random rng, float lo = -1f, float hi = 1f)
    {
        Tensor t = tt.New(type, ne);
        TestTensors.FillRandom(t, rng, lo, hi);
        return t;
    }

    private static (Tensor Node, double[] Expected) Build(TestTensors tt, Case c, Random rng)
    {
        long nHeads = c.Nh * c.Nr2;
        Tensor q;
        if (c.PermuteQ)
        {
            Tensor store = Random4(tt, GgmlType.F32, [c.Hsk, nHeads, c.Nb, c.Nr3], rng);
            q = TestTensors.View(store, 0, [c.Hsk, c.Nb, nHeads, c.Nr3], [store.Nb[0], store.Nb[2], store.Nb[1], store.Nb[3]]);
        }
        else
        {
            q = Random4(tt, GgmlType.F32, [c.Hsk, c.Nb, nHeads, c.Nr3], rng);
        }

        Tensor kStore = Random4(tt, c.K, [c.Hsk, 2 * c.Kv, c.Nh, c.Nr3], rng);
        Tensor k = TestTensors.View(kStore, 0, [c.Hsk, c.Kv, c.Nh, c.Nr3], [kStore.Nb[0], kStore.Nb[1], kStore.Nb[2], kStore.Nb[3]]);
        Tensor vStore = Random4(tt, c.V, [c.Hsv, 2 * c.Kv, c.Nh, c.Nr3], rng);
        Tensor v = TestTensors.View(vStore, 0, [c.Hsv, c.Kv, c.Nh, c.Nr3], [vStore.Nb[0], vStore.Nb[1], vStore.Nb[2], vStore.Nb[3]]);

        Tensor? mask = null;
        if (c.Mask)
        {
            mask = tt.New(GgmlType.F16, c.Kv, c.Nb + 1, 1, c.Nr3);
            long n = mask.NElements;
            for (long i = 0; i < n; i++)
            {
                float m = rng.Next(5) == 0 ? float.NegativeInfinity : (float)(rng.NextDouble() * 2 - 1);
                if (c.Causal)
                {
                    long row = i / c.Kv % (c.Nb + 1);
                    bool hidden = i % c.Kv > row + c.Kv - c.Nb || row % 9 == 4;
                    m = hidden ? float.NegativeInfinity : (float)(rng.NextDouble() * 2 - 1);
                }
                ((ushort*)mask.Data)[i] = BitConverter.HalfToUInt16Bits((Half)m);
            }
        }

        Tensor? sinks = null;
        if (c.Sinks)
        {
            sinks = Random4(tt, GgmlType.F32, [nHeads], rng, -10f, 10f);
        }

        Tensor node = tt.Node(GgmlOp.FlashAttnExt, GgmlType.F32, [c.Hsv, nHeads, c.Nb, c.Nr3], q, k, v);
        node.Src[3] = mask;
        node.Src[4] = sinks;
        float scale = 1.0f / MathF.Sqrt(c.Hsk);
        node.Params[0] = BitConverter.SingleToInt32Bits(scale);
        node.Params[1] = BitConverter.SingleToInt32Bits(c.MaxBias);
        node.Params[2] = BitConverter.SingleToInt32Bits(c.Softcap);
        node.Params[3] = 10;
        return (node, Reference(c, QueryAsSeenByKeys(q, c.K), Dequantize(k), Dequantize(v), mask, sinks, scale));
    }

    /// <summary>Softmax attention in double precision with ggml's mask, ALiBi, softcap and sink semantics.</summary>
    private static double[] Reference(Case c, float[] q, float[] k, float[] v, Tensor? mask, Tensor? sinks, float scale)
    {
        long nHeads = c.Nh * c.Nr2;
        var y = new double[c.Hsv * nHeads * c.Nb * c.Nr3];
        long nHeadLog2 = 1L << (int)Math.Floor(Math.Log2(nHeads));
        double m0 = Math.Pow(2.0, -c.MaxBias / nHeadLog2);
        double m1 = Math.Pow(2.0, -(c.MaxBias / 2.0) / nHeadLog2);
        var s = new double[c.Kv];
        for (long iq3 = 0; iq3 < c.Nr3; iq3++)
        {
            for (long iq2 = 0; iq2 < nHeads; iq2++)
            {
                double slope = c.MaxBias > 0 ? iq2 < nHeadLog2 ? Math.Pow(m0, iq2 + 1) : Math.Pow(m1, 2 * (iq2 - nHeadLog2) + 1) : 1.0;
                long ik2 = iq2 / c.Nr2;
                for (long iq1 = 0; iq1 < c.Nb; iq1++)
                {
                    double max = double.NegativeInfinity;
                    for (long ic = 0; ic < c.Kv; ic++)
                    {
                        double mv = mask is null ? 0 : slope * Fp16.ToSingle(*(ushort*)mask.ElementPtr(ic, iq1, 0, iq3 % mask.Ne[3]));
                        if (double.IsNegativeInfinity(mv))
                        {
                            s[ic] = double.NegativeInfinity;
                            continue;
                        }
                        double dot = 0;
                        for (long d = 0; d < c.Hsk; d++)
                        {
                            dot += (double)q[((iq3 * nHeads + iq2) * c.Nb + iq1) * c.Hsk + d] * k[((iq3 * c.Nh + ik2) * c.Kv + ic) * c.Hsk + d];
                        }
                        double score = dot * scale;
                        if (c.Softcap != 0)
                        {
                            score = c.Softcap * Math.Tanh(score / c.Softcap);
                        }
                        s[ic] = score + mv;
                        max = Math.Max(max, s[ic]);
                    }
                    double sink = sinks is null ? double.NegativeInfinity : ((float*)sinks.Data)[iq2];
                    max = Math.Max(max, sink);
                    double sum = sinks is null ? 0 : Math.Exp(sink - max);
                    long outBase = ((iq3 * c.Nb + iq1) * nHeads + iq2) * c.Hsv;
                    for (long ic = 0; ic < c.Kv; ic++)
                    {
                        if (double.IsNegativeInfinity(s[ic]))
                        {
                            continue;
                        }
                        double w = Math.Exp(s[ic] - max);
                        sum += w;
                        for (long d = 0; d < c.Hsv; d++)
                        {
                            y[outBase + d] += w * v[((iq3 * c.Nh + ik2) * c.Kv + ic) * c.Hsv + d];
                        }
                    }
                    for (long d = 0; d < c.Hsv; d++)
                    {
                        y[outBase + d] = sum == 0 ? 0 : y[outBase + d] / sum;
                    }
                }
            }
        }
        return y;
    }
}
