using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Tests.Kernels.Attention;

public unsafe class RopeTests
{
    private const int Normal = 0, Neox = 2, Mrope = 8, Vision = 24, Imrope = 40;

    public sealed record Case(GgmlType Type, long[] Ne, int NDims, int Mode, int[] Sections, int NCtxOrig, float FreqScale,
        float ExtFactor, float AttnFactor, bool FreqFactors, bool View, int NOffs, bool Forward)
    {
        public override string ToString() =>
            $"{Type} ne=[{string.Join(',', Ne)}] n_dims={NDims} mode={Mode} ctx={NCtxOrig} fs={FreqScale} ef={ExtFactor} af={AttnFactor} ff={FreqFactors} view={View} offs={NOffs} fwd={Forward}";
    }

    private static readonly Case[] s_cases =
    [
        new(GgmlType.F32, [128, 4, 3, 1], 128, Normal, [0, 0, 0, 0], 0, 1f, 0f, 1f, false, false, 0, true),
        new(GgmlType.F32, [80, 3, 2, 2], 32, Normal, [0, 0, 0, 0], 4096, 0.25f, 0.5f, 1.3f, true, false, 0, true),
        new(GgmlType.F32, [64, 5, 3, 1], 64, Neox, [0, 0, 0, 0], 0, 0.5f, 1f, 0.9f, false, true, 0, true),
        new(GgmlType.F32, [80, 4, 2, 1], 20, Neox, [0, 0, 0, 0], 2048, 1f, 0f, 1f, true, false, 0, false),
        new(GgmlType.F32, [80, 4, 2, 1], 32, Neox, [0, 0, 0, 0], 0, 1f, 0f, 1f, false, false, 16, true),
        new(GgmlType.F32, [128, 6, 4, 1], 128, Mrope, [42, 42, 42, 0], 0, 1f, 0f, 1f, false, false, 0, true),
        new(GgmlType.F32, [128, 6, 4, 1], 96, Imrope, [24, 20, 4, 0], 1024, 0.5f, 0.7f, 1f, true, true, 0, true),
        new(GgmlType.F32, [80, 5, 3, 1], 40, Vision, [20, 20, 0, 0], 0, 1f, 0f, 1f, true, false, 0, true),
        new(GgmlType.F16, [128, 4, 3, 1], 128, Normal, [0, 0, 0, 0], 0, 1f, 0f, 1f, false, true, 0, true),
        new(GgmlType.F16, [64, 7, 2, 1], 32, Neox, [0, 0, 0, 0], 512, 0.5f, 1f, 1f, true, false, 8, false),
        new(GgmlType.F16, [128, 3, 2, 1], 128, Imrope, [24, 20, 20, 0], 0, 1f, 0f, 1f, false, false, 0, true),
        new(GgmlType.F16, [64, 3, 2, 1], 32, Vision, [16, 16, 0, 0], 0, 1f, 0f, 1f, false, true, 0, true),
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
    public void Rope_ForcedLevel_MatchesReference(int caseIndex, SimdLevel level, int threads)
    {
        Case c = s_cases[caseIndex];
        using var tt = new TestTensors();
        (Tensor node, double[] expected) = Build(tt, c, new Random(caseIndex));
        KernelRunner.Run(new RopeKernel(c.Forward, level), node, threads);
        Check(c, expected, node);
    }

    [Theory]
    [MemberData(nameof(GraphCases))]
    public void Rope_ThroughExecutor_MatchesReference(int caseIndex, int threads)
    {
        Case c = s_cases[caseIndex];
        using var tt = new TestTensors();
        (Tensor node, double[] expected) = Build(tt, c, new Random(50 + caseIndex));
        TestGraph.Run(threads, node);
        Check(c, expected, node);
    }

    [Theory]
    [InlineData(GgmlType.F32, Normal)]
    [InlineData(GgmlType.F16, Neox)]
    public void Rope_InPlace_MatchesOutOfPlace(GgmlType type, int mode)
    {
        using var tt = new TestTensors();
        var c = new Case(type, [64, 3, 4, 1], 48, mode, [0, 0, 0, 0], 0, 1f, 0f, 1f, false, false, 0, true);
        (Tensor node, _) = Build(tt, c, new Random(9));
        Tensor src = node.Src[0]!;
        Tensor inPlace = TestTensors.View(src, 0, [64, 3, 4, 1], [src.Nb[0], src.Nb[1], src.Nb[2], src.Nb[3]]);
        inPlace.Op = GgmlOp.Rope;
        inPlace.Params = node.Params;
        inPlace.Src[0] = src;
        inPlace.Src[1] = node.Src[1];
        TestGraph.Run(1, node);
        TestGraph.Run(3, inPlace);
        Assert.Equal(TestTensors.Read(node), TestTensors.Read(src));
    }

    [Fact]
    public void Validate_RejectsBadParams()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 16, 2, 3);
        Tensor pos = tt.New(GgmlType.I32, 3);
        Tensor shortPos = tt.New(GgmlType.I32, 2);
        Tensor Node(int nDims, int mode, int offs, Tensor p)
        {
            Tensor n = tt.Node(GgmlOp.Rope, GgmlType.F32, [16, 2, 3], a, p);
            n.Params[1] = nDims;
            n.Params[2] = mode;
            n.Params[15] = offs;
            n.Params[5] = BitConverter.SingleToInt32Bits(10000f);
            n.Params[6] = BitConverter.SingleToInt32Bits(1f);
            return n;
        }
        Assert.Null(TestGraph.Rejection(Node(16, Neox, 0, pos)));
        Assert.NotNull(TestGraph.Rejection(Node(18, Neox, 0, pos)));
        Assert.NotNull(TestGraph.Rejection(Node(7, Neox, 0, pos)));
        Assert.NotNull(TestGraph.Rejection(Node(8, Neox, 10, pos)));
        Assert.NotNull(TestGraph.Rejection(Node(8, 1, 0, pos)));
        Assert.NotNull(TestGraph.Rejection(Node(16, Neox, 0, shortPos)));
        Assert.NotNull(TestGraph.Rejection(Node(16, Mrope, 0, pos)));
    }

    private static void Check(Case c, double[] expected, Tensor node)
    {
        float[] got = TestTensors.Read(node);
        if (c.Type == GgmlType.F16)
        {
            AttentionAssert.Close(expected, got, 2e-3, 2e-3, c.ToString());
        }
        else
        {
            AttentionAssert.Close(expected, got, 2e-6, 2e-6, c.ToString());
        }
    }

    private static (Tensor Node, double[] Expected) Build(TestTensors tt, Case c, Random rng)
    {
        long[] ne = c.Ne;
        long n = ne[0] * ne[1] * ne[2] * ne[3];
        float[] x = new float[n];
        for (long i = 0; i < n; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1);
            if (c.Type == GgmlType.F16)
            {
                x[i] = (float)(Half)x[i];
            }
        }

        Tensor src;
        if (c.View)
        {
            Tensor big = tt.New(c.Type, ne[0] * 2, ne[1] * 4, ne[2] * 3, ne[3]);
            src = TestTensors.View(big, 0, ne, [big.Nb[0], big.Nb[1], big.Nb[2], big.Nb[3]]);
            float[] all = new float[big.NElements];
            for (long i3 = 0; i3 < ne[3]; i3++)
            {
                for (long i2 = 0; i2 < ne[2]; i2++)
                {
                    for (long i1 = 0; i1 < ne[1]; i1++)
                    {
                        for (long i0 = 0; i0 < ne[0]; i0++)
                        {
                            long bi = ((i3 * big.Ne[2] + i2) * big.Ne[1] + i1) * big.Ne[0] + i0;
                            all[bi] = x[((i3 * ne[2] + i2) * ne[1] + i1) * ne[0] + i0];
                        }
                    }
                }
            }
            TestTensors.Write(big, all);
        }
        else
        {
            src = tt.New(c.Type, ne);
            TestTensors.Write(src, x);
        }

        bool mrope = (c.Mode & Mrope) != 0;
        int nPos = (int)(mrope ? ne[2] * 4 : ne[2]);
        Tensor pos = tt.New(GgmlType.I32, nPos);
        int[] positions = new int[nPos];
        for (int i = 0; i < nPos; i++)
        {
            positions[i] = rng.Next(0, 512);
            ((int*)pos.Data)[i] = positions[i];
        }

        Tensor? ff = null;
        float[]? freq = null;
        if (c.FreqFactors)
        {
            int count = c.Mode == Vision ? (int)ne[0] / 2 : c.NDims / 2;
            ff = tt.New(GgmlType.F32, count);
            freq = new float[count];
            for (int i = 0; i < count; i++)
            {
                freq[i] = 0.5f + (float)rng.NextDouble() * 2;
            }
            TestTensors.Write(ff, freq);
        }

        Tensor node = tt.Node(c.Forward ? GgmlOp.Rope : GgmlOp.RopeBack, c.Type, ne, src, pos);
        node.Src[2] = ff;
        node.Params[1] = c.NDims;
        node.Params[2] = c.Mode;
        node.Params[4] = c.NCtxOrig;
        node.Params[5] = BitConverter.SingleToInt32Bits(10000f);
        node.Params[6] = BitConverter.SingleToInt32Bits(c.FreqScale);
        node.Params[7] = BitConverter.SingleToInt32Bits(c.ExtFactor);
        node.Params[8] = BitConverter.SingleToInt32Bits(c.AttnFactor);
        node.Params[9] = BitConverter.SingleToInt32Bits(32f);
        node.Params[10] = BitConverter.SingleToInt32Bits(1f);
        for (int i = 0; i < 4; i++)
        {
            node.Params[11 + i] = c.Sections[i];
        }
        node.Params[15] = c.NOffs;
        return (node, Reference(c, x, positions, freq));
    }

    /// <summary>
    /// ggml's RoPE semantics: thetas advance in float as ggml does (so angles agree), the rotation runs in double.
    /// </summary>
    private static double[] Reference(Case c, float[] x, int[] pos, float[]? freq)
    {
        long[] ne = c.Ne;
        int ne0 = (int)ne[0];
        int nDims = c.NDims;
        float freqBase = 10000f;
        float thetaScale = MathF.Pow(freqBase, -2.0f / nDims);
        float CorrDim(float nRot) => nDims * MathF.Log(c.NCtxOrig / (nRot * 2 * (float)Math.PI)) / (2 * MathF.Log(freqBase));
        float corr0 = MathF.Max(0, MathF.Floor(CorrDim(32f)));
        float corr1 = MathF.Min(nDims - 1, MathF.Ceiling(CorrDim(1f)));
        bool vision = c.Mode == Vision;
        bool mrope = (c.Mode & Mrope) != 0;
        int pairs = vision ? ne0 / 2 : nDims / 2;
        double sinSign = c.Forward ? 1 : -1;
        var cos = new double[pairs];
        var sin = new double[pairs];
        var y = new double[x.Length];
        int[] s = c.Sections;
        int sectDims = s[0] + s[1] + s[2] + s[3];

        for (long i3 = 0; i3 < ne[3]; i3++)
        {
            for (long i2 = 0; i2 < ne[2]; i2++)
            {
                float tT = pos[i2], tH = 0, tW = 0, tE = 0;
                if (mrope)
                {
                    tH = pos[i2 + ne[2]];
                    tW = pos[i2 + ne[2] * 2];
                    tE = pos[i2 + ne[2] * 3];
                }
                float thetaT = tT, thetaH = tH, thetaW = tW, thetaE = tE;
                for (int i = 0; i < pairs; i++)
                {
                    float theta = thetaT;
                    if (mrope)
                    {
                        int sector = i % sectDims;
                        if (vision)
                        {
                            if (sector == 0)
                            {
                                thetaT = tT;
                            }
                            else if (sector == s[0])
                            {
                                thetaH = tH;
                            }
                            else if (sector == s[0] + s[1])
                            {
                                thetaW = tW;
                            }
                            else if (sector == s[0] + s[1] + s[2])
                            {
                                thetaE = tE;
                            }
                        }
                        if (c.Mode == Imrope)
                        {
                            theta = sector % 3 == 1 && sector < 3 * s[1] ? thetaH
                                : sector % 3 == 2 && sector < 3 * s[2] ? thetaW
                                : sector % 3 == 0 && sector < 3 * s[0] ? thetaT : thetaE;
                        }
                        else
                        {
                            theta = sector < s[0] ? thetaT : sector < s[0] + s[1] ? thetaH : sector < s[0] + s[1] + s[2] ? thetaW : thetaE;
                        }
                    }
                    float extrap = theta / (freq is null ? 1f : freq[i]);
                    float interp = c.FreqScale * extrap;
                    double angle = interp;
                    double mscale = c.AttnFactor;
                    if (c.ExtFactor != 0)
                    {
                        float yv = (i - corr0) / MathF.Max(0.001f, corr1 - corr0);
                        float ramp = (1 - MathF.Min(1, MathF.Max(0, yv))) * c.ExtFactor;
                        angle = interp * (1 - ramp) + extrap * ramp;
                        mscale *= 1.0f + 0.1f * MathF.Log(1.0f / c.FreqScale);
                    }
                    cos[i] = Math.Cos((float)angle) * mscale;
                    sin[i] = Math.Sin((float)angle) * mscale * sinSign;
                    thetaT *= thetaScale;
                    thetaH *= thetaScale;
                    thetaW *= thetaScale;
                    thetaE *= thetaScale;
                }

                for (long i1 = 0; i1 < ne[1]; i1++)
                {
                    long row = ((i3 * ne[2] + i2) * ne[1] + i1) * ne0;
                    for (int i0 = 0; i0 < ne0; i0++)
                    {
                        y[row + i0] = x[row + i0];
                    }
                    int start = vision ? 0 : c.NOffs;
                    for (int i = 0; i < pairs; i++)
                    {
                        int a, b;
                        if (c.Mode == Normal)
                        {
                            a = start + 2 * i;
                            b = a + 1;
                        }
                        else
                        {
                            a = start + i;
                            b = a + (vision ? nDims : nDims / 2);
                        }
                        double x0 = x[row + a], x1 = x[row + b];
                        y[row + a] = x0 * cos[i] - x1 * sin[i];
                        y[row + b] = x0 * sin[i] + x1 * cos[i];
                    }
                }
            }
        }
        return y;
    }
}
