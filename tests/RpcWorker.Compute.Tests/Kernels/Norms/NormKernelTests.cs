using static RpcWorker.Compute.Tests.Kernels.StridedViews;

namespace RpcWorker.Compute.Tests.Kernels.Norms;

public class NormKernelTests
{
    private static readonly long[][] s_shapes = [[1, 2, 1, 1], [7, 3, 2, 1], [16, 5, 2, 3], [33, 2, 3, 1], [257, 3, 1, 2]];

    public static TheoryData<int, Strides> ThreadsAndLayouts()
    {
        var data = new TheoryData<int, Strides>();
        foreach (int threads in new[] { 1, 3 })
        {
            foreach (Strides layout in Enum.GetValues<Strides>())
            {
                data.Add(threads, layout);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ThreadsAndLayouts))]
    public void RmsNorm_ScalesByInverseRootMeanSquare(int threads, Strides layout)
    {
        foreach (long[] ne in s_shapes)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, ne, layout, new Random(31));
            Tensor y = tt.Node(GgmlOp.RmsNorm, GgmlType.F32, ne, a);
            y.Params[0] = BitConverter.SingleToInt32Bits(1e-6f);
            TestGraph.Run(threads, y);
            ForEach(y, (_, i1, i2, i3) =>
            {
                double sum = 0;
                for (long i0 = 0; i0 < ne[0]; i0++)
                {
                    float v = Get(a, i0, i1, i2, i3);
                    sum += v * v;
                }
                float scale = 1.0f / MathF.Sqrt((float)(sum / ne[0]) + 1e-6f);
                for (long i0 = 0; i0 < ne[0]; i0++)
                {
                    AssertClose(Get(a, i0, i1, i2, i3) * scale, Get(y, i0, i1, i2, i3), 1e-6f, "rms_norm");
                }
            });
        }
    }

    [Theory]
    [MemberData(nameof(ThreadsAndLayouts))]
    public void Norm_CentersAndScales(int threads, Strides layout)
    {
        foreach (long[] ne in s_shapes)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, ne, layout, new Random(32));
            Tensor y = tt.Node(GgmlOp.Norm, GgmlType.F32, ne, a);
            y.Params[0] = BitConverter.SingleToInt32Bits(1e-5f);
            TestGraph.Run(threads, y);
            CheckNorm(a, y, 1e-5f);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Norm_TransposedSource_UsesTheStridedPath(int threads)
    {
        using var tt = new TestTensors();
        Tensor b = Create(tt, GgmlType.F32, [6, 35, 2], Strides.Contiguous, new Random(33));
        Tensor a = Permute(b, 1, 0, 2, 3);
        Tensor y = tt.Node(GgmlOp.Norm, GgmlType.F32, [35, 6, 2, 1], a);
        y.Params[0] = BitConverter.SingleToInt32Bits(1e-5f);
        TestGraph.Run(threads, y);
        CheckNorm(a, y, 1e-5f);
    }

    [Theory]
    [MemberData(nameof(ThreadsAndLayouts))]
    public void L2Norm_DividesByNormOrEps(int threads, Strides layout)
    {
        foreach (long[] ne in s_shapes)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, ne, layout, new Random(34));
            Tensor t = layout == Strides.Permuted ? Permute(Create(tt, GgmlType.F32, [ne[1], ne[0], ne[2], ne[3]], Strides.Contiguous, new Random(35)), 1, 0, 2, 3) : a;
            foreach (float eps in new[] { 1e-12f, 10f })
            {
                Tensor y = tt.Node(GgmlOp.L2Norm, GgmlType.F32, ne, t);
                y.Params[0] = BitConverter.SingleToInt32Bits(eps);
                TestGraph.Run(threads, y);
                ForEach(y, (_, i1, i2, i3) =>
                {
                    double sum = 0;
                    for (long i0 = 0; i0 < ne[0]; i0++)
                    {
                        float v = Get(t, i0, i1, i2, i3);
                        sum += v * v;
                    }
                    float scale = 1.0f / Math.Max(MathF.Sqrt((float)sum), eps);
                    for (long i0 = 0; i0 < ne[0]; i0++)
                    {
                        AssertClose(Get(t, i0, i1, i2, i3) * scale, Get(y, i0, i1, i2, i3), 1e-6f, "l2_norm");
                    }
                });
            }
        }
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 4)]
    [InlineData(3, 5)]
    [InlineData(2, 1)]
    [InlineData(3, 12)]
    public void GroupNorm_NormalizesEachChannelGroup(int threads, int groups)
    {
        using var tt = new TestTensors();
        long[] ne = [9, 7, 12, 2];
        Tensor a = Create(tt, GgmlType.F32, ne, Strides.PaddedRows, new Random(36), -2f, 3f);
        Tensor y = tt.Node(GgmlOp.GroupNorm, GgmlType.F32, ne, a);
        y.Params[0] = groups;
        y.Params[1] = BitConverter.SingleToInt32Bits(1e-6f);
        TestGraph.Run(threads, y);
        int per = (12 + groups - 1) / groups;
        for (long i3 = 0; i3 < ne[3]; i3++)
        {
            for (int start = 0; start < 12; start += per)
            {
                int end = Math.Min(start + per, 12);
                double sum = 0, sum2 = 0;
                long count = ne[0] * ne[1] * (end - start);
                for (long i2 = start; i2 < end; i2++)
                {
                    for (long i1 = 0; i1 < ne[1]; i1++)
                    {
                        for (long i0 = 0; i0 < ne[0]; i0++)
                        {
                            sum += Get(a, i0, i1, i2, i3);
                        }
                    }
                }
                double mean = sum / count;
                for (long i2 = start; i2 < end; i2++)
                {
                    for (long i1 = 0; i1 < ne[1]; i1++)
                    {
                        for (long i0 = 0; i0 < ne[0]; i0++)
                        {
                            double v = Get(a, i0, i1, i2, i3) - mean;
                            sum2 += v * v;
                        }
                    }
                }
                double scale = 1.0 / Math.Sqrt((sum2 / count) + 1e-6);
                for (long i2 = start; i2 < end; i2++)
                {
                    for (long i1 = 0; i1 < ne[1]; i1++)
                    {
                        for (long i0 = 0; i0 < ne[0]; i0++)
                        {
                            AssertClose((float)((Get(a, i0, i1, i2, i3) - mean) * scale), Get(y, i0, i1, i2, i3), 2e-5f, "group_norm");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Validate_RejectsBadParamsAndLayouts()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 8, 4);
        Tensor negativeEps = tt.Node(GgmlOp.RmsNorm, GgmlType.F32, [8, 4], a);
        negativeEps.Params[0] = BitConverter.SingleToInt32Bits(-1f);
        Assert.NotNull(TestGraph.Rejection(negativeEps));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.RmsNorm, GgmlType.F32, [4, 8], Permute(a, 1, 0, 2, 3))));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.Norm, GgmlType.F16, [8, 4], a)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.GroupNorm, GgmlType.F32, [8, 4], a)));
    }

    private static void CheckNorm(Tensor a, Tensor y, float eps)
    {
        long n = a.Ne[0];
        ForEach(y, (_, i1, i2, i3) =>
        {
            double mean = 0;
            for (long i0 = 0; i0 < n; i0++)
            {
                mean += Get(a, i0, i1, i2, i3);
            }
            mean /= n;
            double variance = 0;
            for (long i0 = 0; i0 < n; i0++)
            {
                double v = Get(a, i0, i1, i2, i3) - mean;
                variance += v * v;
            }
            double scale = 1.0 / Math.Sqrt((variance / n) + eps);
            for (long i0 = 0; i0 < n; i0++)
            {
                AssertClose((float)((Get(a, i0, i1, i2, i3) - mean) * scale), Get(y, i0, i1, i2, i3), 2e-5f, "norm");
            }
        });
    }
}
