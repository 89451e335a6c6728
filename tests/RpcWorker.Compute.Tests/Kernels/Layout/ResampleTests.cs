using static RpcWorker.Compute.Tests.Kernels.StridedViews;

namespace RpcWorker.Compute.Tests.Kernels.Layout;

/// <summary>TIMESTEP_EMBEDDING and UPSCALE against references transcribed from ggml-cpu's formulas.</summary>
public unsafe class ResampleTests
{
    [Theory]
    [InlineData(1, 128, 10000)]
    [InlineData(3, 15, 10000)]
    [InlineData(3, 1, 100)]
    public void TimestepEmbedding_CosThenSin(int threads, int dim, int maxPeriod)
    {
        using var tt = new TestTensors();
        Tensor t = Create(tt, GgmlType.F32, [5], Strides.Contiguous, new Random(111), 0f, 1000f);
        Tensor e = tt.Node(GgmlOp.TimestepEmbedding, GgmlType.F32, [dim, 5], t);
        e.Params[0] = dim;
        e.Params[1] = maxPeriod;
        new Span<float>((float*)e.DataPtr, (int)e.NElements).Fill(float.NaN);
        TestGraph.Run(threads, e);
        int half = dim / 2;
        for (int i = 0; i < 5; i++)
        {
            float ts = Get(t, i);
            for (int j = 0; j < half; j++)
            {
                float freq = MathF.Exp(-MathF.Log(maxPeriod) * j / half);
                AssertSame(MathF.Cos(ts * freq), Get(e, j, i), "cos");
                AssertSame(MathF.Sin(ts * freq), Get(e, j + half, i), "sin");
            }
            if (dim % 2 == 1)
            {
                AssertSame(0f, Get(e, dim - 1, i), "odd tail");
            }
        }
    }

    public static TheoryData<int, int, long[], long[]> UpscaleCases()
    {
        var data = new TheoryData<int, int, long[], long[]>();
        int[] modes = [0, 1, 2, 1 | 256, 2 | 256, 0 | 256, 1 | 512];
        (long[], long[])[] shapes =
        [
            ([2, 5, 7, 3], [5, 7, 11, 4]), ([5, 7, 6, 3], [2, 5, 3, 2]), ([1, 4, 3, 2], [2, 8, 3, 2]),
            ([4, 1, 3, 2], [1, 1, 3, 2]), ([6, 6, 2, 1], [12, 12, 2, 1]),
        ];
        foreach (int mode in modes)
        {
            foreach ((long[] src, long[] dst) in shapes)
            {
                data.Add(mode == 1 ? 1 : 3, mode, src, dst);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(UpscaleCases))]
    public void Upscale_AllModes(int threads, int mode, long[] neSrc, long[] neDst)
    {
        using var tt = new TestTensors();
        Tensor a = Create(tt, GgmlType.F32, neSrc, Strides.Permuted, new Random(121));
        Tensor u = tt.Node(GgmlOp.Upscale, GgmlType.F32, neDst, a);
        u.Params[0] = mode;
        TestGraph.Run(threads, u);
        ForEach(u, (i0, i1, i2, i3) => AssertSame(Reference(a, u, mode, i0, i1, i2, i3), Get(u, i0, i1, i2, i3), $"upscale mode {mode}"));
    }

    [Fact]
    public void Validate_RejectsUnknownMode()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 4, 4);
        Tensor u = tt.Node(GgmlOp.Upscale, GgmlType.F32, [8, 8], a);
        u.Params[0] = 3;
        Assert.NotNull(TestGraph.Rejection(u));
    }

    /// <summary>One output element of ggml_compute_forward_upscale_f32, transcribed.</summary>
    private static float Reference(Tensor src, Tensor dst, int flags, long i0, long i1, long i2, long i3)
    {
        long ne00 = src.Ne[0], ne01 = src.Ne[1];
        float sf0 = (float)dst.Ne[0] / src.Ne[0], sf1 = (float)dst.Ne[1] / src.Ne[1];
        float sf2 = (float)dst.Ne[2] / src.Ne[2], sf3 = (float)dst.Ne[3] / src.Ne[3];
        float po = 0.5f;
        if ((flags & 256) != 0)
        {
            po = 0f;
            sf0 = dst.Ne[0] > 1 && ne00 > 1 ? (float)(dst.Ne[0] - 1) / (ne00 - 1) : sf0;
            sf1 = dst.Ne[1] > 1 && ne01 > 1 ? (float)(dst.Ne[1] - 1) / (ne01 - 1) : sf1;
        }
        long i02 = (long)(i2 / sf2), i03 = (long)(i3 / sf3);
        float P(long x, long y) => Get(src, Math.Clamp(x, 0, ne00 - 1), Math.Clamp(y, 0, ne01 - 1), i02, i03);
        switch (flags & 0xFF)
        {
            case 0:
                return P((long)(i0 / sf0), (long)(i1 / sf1));
            case 1 when (flags & 512) != 0:
            {
                float support1 = Math.Max(1f, 1f / sf1), support0 = Math.Max(1f, 1f / sf0);
                float y = (i1 + po) / sf1, x = (i0 + po) / sf0;
                float val = 0, total = 0;
                for (long sy = Math.Max((long)(y - support1 + po), 0); sy < Math.Min((long)(y + support1 + po), ne01); sy++)
                {
                    float wy = Math.Max(1f - MathF.Abs((sy - y + po) * (1f / support1)), 0f);
                    for (long sx = Math.Max((long)(x - support0 + po), 0); sx < Math.Min((long)(x + support0 + po), ne00); sx++)
                    {
                        float w = Math.Max(1f - MathF.Abs((sx - x + po) * (1f / support0)), 0f) * wy;
                        if (w > 0)
                        {
                            val += P(sx, sy) * w;
                            total += w;
                        }
                    }
                }
                return total > 0 ? val / total : val;
            }
            case 1:
            {
                float y = ((i1 + po) / sf1) - po, x = ((i0 + po) / sf0) - po;
                long y0 = (long)MathF.Floor(y), x0 = (long)MathF.Floor(x);
                long cy0 = Math.Clamp(y0, 0, ne01 - 1), cx0 = Math.Clamp(x0, 0, ne00 - 1);
                float dy = Math.Clamp(y - cy0, 0f, 1f), dx = Math.Clamp(x - cx0, 0f, 1f);
                return (P(cx0, cy0) * (1 - dx) * (1 - dy)) + (P(x0 + 1, cy0) * dx * (1 - dy))
                    + (P(cx0, y0 + 1) * (1 - dx) * dy) + (P(x0 + 1, y0 + 1) * dx * dy);
            }
            default:
            {
                const float A = -0.75f;
                static float W1(float x) => ((((A + 2) * x) - (A + 3)) * x * x) + 1;
                static float W2(float x) => ((((A * x) - (5 * A)) * x) + (8 * A)) * x - (4 * A);
                static float Cubic(float p0, float p1, float p2, float p3, float x) =>
                    (p0 * W2(x + 1)) + (p1 * W1(x)) + (p2 * W1(1 - x)) + (p3 * W2(2 - x));
                float y = ((i1 + po) / sf1) - po, x = ((i0 + po) / sf0) - po;
                long y0 = (long)MathF.Floor(y), x0 = (long)MathF.Floor(x);
                float dy = y - y0, dx = x - x0;
                float Row(long yy) => Cubic(P(x0 - 1, yy), P(x0, yy), P(x0 + 1, yy), P(x0 + 2, yy), dx);
                return Cubic(Row(y0 - 1), Row(y0), Row(y0 + 1), Row(y0 + 2), dy);
            }
        }
    }
}
