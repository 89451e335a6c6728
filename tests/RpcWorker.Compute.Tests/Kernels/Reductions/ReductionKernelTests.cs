using RpcWorker.Compute.Formats;
using static RpcWorker.Compute.Tests.Kernels.StridedViews;

namespace RpcWorker.Compute.Tests.Kernels.Reductions;

public unsafe class ReductionKernelTests
{
    private static readonly long[][] s_shapes = [[1, 1, 1, 1], [7, 3, 2, 1], [16, 5, 4, 3], [33, 2, 3, 2], [129, 3, 1, 2]];

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
    public void Sum_F32_MatchesDoubleSum(int threads, Strides layout)
    {
        foreach (long[] ne in s_shapes)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, ne, layout, new Random(1));
            Tensor sum = tt.Node(GgmlOp.Sum, GgmlType.F32, [1], a);
            TestGraph.Run(threads, sum);
            double expected = 0;
            ForEach(a, (i0, i1, i2, i3) => expected += Get(a, i0, i1, i2, i3));
            AssertClose((float)expected, TestTensors.Read(sum)[0], 1e-6f, "sum");
        }
    }

    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void Sum_HalfTypes_AddInFloatRowByRow(GgmlType type)
    {
        using var tt = new TestTensors();
        Tensor a = Create(tt, type, [37, 5, 2, 2], Strides.PaddedRows, new Random(2), 0f, 4f);
        Tensor sum = tt.Node(GgmlOp.Sum, type, [1], a);
        TestGraph.Run(3, sum);
        float total = 0;
        for (long i3 = 0; i3 < 2; i3++)
        {
            for (long i2 = 0; i2 < 2; i2++)
            {
                for (long i1 = 0; i1 < 5; i1++)
                {
                    float row = 0;
                    for (long i0 = 0; i0 < 37; i0++)
                    {
                        row += Get(a, i0, i1, i2, i3);
                    }
                    total += row;
                }
            }
        }
        float expected = type == GgmlType.F16 ? Fp16.ToSingle(Fp16.FromSingle(total)) : Bf16.ToSingle(Bf16.FromSingle(total));
        AssertSame(expected, TestTensors.Read(sum)[0], "sum");
    }

    [Fact]
    public void Sum_TransposedSource_ReadsPackedRowsLikeGgml()
    {
        // ggml-cpu's SUM only asserts nb0 == sizeof(float) in debug builds: a transposed source is summed as ne0 packed
        // floats from each row start. The same bytes are summed here.
        using var tt = new TestTensors();
        Tensor b = Create(tt, GgmlType.F32, [33, 25], Strides.Contiguous, new Random(3));
        Tensor a = Permute(b, 1, 0, 2, 3);
        Tensor sum = tt.Node(GgmlOp.Sum, GgmlType.F32, [1], a);
        TestGraph.Run(1, sum);
        double expected = 0;
        for (long i1 = 0; i1 < a.Ne[1]; i1++)
        {
            float* row = (float*)a.RowPtr(i1, 0, 0);
            for (long i0 = 0; i0 < a.Ne[0]; i0++)
            {
                expected += row[i0];
            }
        }
        AssertClose((float)expected, TestTensors.Read(sum)[0], 1e-6f, "sum");
    }

    [Theory]
    [MemberData(nameof(ThreadsAndLayouts))]
    public void SumRowsAndMean_MatchDoubleRowSums(int threads, Strides layout)
    {
        foreach (long[] ne in s_shapes)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, ne, layout, new Random(4));
            long[] rows = [1, ne[1], ne[2], ne[3]];
            Tensor sums = tt.Node(GgmlOp.SumRows, GgmlType.F32, rows, a);
            Tensor means = tt.Node(GgmlOp.Mean, GgmlType.F32, rows, a);
            TestGraph.Run(threads, sums, means);
            ForEach(sums, (_, i1, i2, i3) =>
            {
                double s = 0;
                for (long i0 = 0; i0 < ne[0]; i0++)
                {
                    s += Get(a, i0, i1, i2, i3);
                }
                AssertClose((float)s, Get(sums, 0, i1, i2, i3), 1e-6f, "sum_rows");
                AssertClose((float)s / ne[0], Get(means, 0, i1, i2, i3), 1e-6f, "mean");
            });
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ArgMax_LastOfEqualMaxima_AndNaNRestart(int threads)
    {
        using var tt = new TestTensors();
        var rng = new Random(5);
        Tensor a = tt.New(GgmlType.F32, 41, 9);
        float[] v = new float[41 * 9];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = rng.Next(-4, 4);
        }
        v[3 * 41 + 10] = float.NaN;
        v[4 * 41 + 40] = float.NaN;
        v[5 * 41] = float.PositiveInfinity;
        TestTensors.Write(a, v);
        Tensor idx = tt.Node(GgmlOp.ArgMax, GgmlType.I32, [9], a);
        TestGraph.Run(threads, idx);
        for (int r = 0; r < 9; r++)
        {
            float max = float.NegativeInfinity;
            int best = 0;
            for (int i = 0; i < 41; i++)
            {
                float x = v[r * 41 + i];
                max = max > x ? max : x;
                if (max == x)
                {
                    best = i;
                }
            }
            Assert.Equal(best, GetI32(idx, r));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CountEqual_CountsEqualElements(int threads)
    {
        using var tt = new TestTensors();
        var rng = new Random(6);
        Tensor full = tt.New(GgmlType.I32, 7, 500);
        Tensor a = TestTensors.View(full, 0, [4, 500, 1, 1], [4, full.Nb[1], full.Nb[2], full.Nb[3]]);
        Tensor b = tt.New(GgmlType.I32, 4, 500);
        long expected = 0;
        for (int r = 0; r < 500; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                int x = rng.Next(3), y = rng.Next(3);
                SetI32(a, x, c, r);
                SetI32(b, y, c, r);
                expected += x == y ? 1 : 0;
            }
        }
        Tensor count = tt.Node(GgmlOp.CountEqual, GgmlType.I64, [1], a, b);
        TestGraph.Run(threads, count);
        Assert.Equal(expected, *(long*)count.DataPtr);
    }

    [Theory]
    [MemberData(nameof(ThreadsAndLayouts))]
    public void CumSum_IsSequentialFloatRunningSum(int threads, Strides layout)
    {
        foreach (long[] ne in s_shapes)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, ne, layout, new Random(7));
            Tensor c = tt.Node(GgmlOp.CumSum, GgmlType.F32, ne, a);
            TestGraph.Run(threads, c);
            ForEach(c, (_, i1, i2, i3) =>
            {
                float acc = 0;
                for (long i0 = 0; i0 < ne[0]; i0++)
                {
                    acc = i0 == 0 ? Get(a, 0, i1, i2, i3) : acc + Get(a, i0, i1, i2, i3);
                    AssertSame(acc, Get(c, i0, i1, i2, i3), "cumsum");
                }
            });
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    public void ArgSort_OrdersEachRow(int threads, int order)
    {
        foreach (long[] ne in new long[][] { [1, 3, 1, 1], [16, 10, 3, 2], [60, 4, 2, 1], [1025, 2, 1, 3] })
        {
            using var tt = new TestTensors();
            Tensor a = UniqueRows(tt, ne, new Random(8));
            Tensor s = tt.Node(GgmlOp.ArgSort, GgmlType.I32, ne, a);
            s.Params[0] = order;
            TestGraph.Run(threads, s);
            ForEach(s, (_, i1, i2, i3) =>
            {
                int[] expected = Enumerable.Range(0, (int)ne[0])
                    .OrderBy(i => (order == 1 ? -1 : 1) * Get(a, i, i1, i2, i3)).ToArray();
                for (int i0 = 0; i0 < ne[0]; i0++)
                {
                    Assert.Equal(expected[i0], GetI32(s, i0, i1, i2, i3));
                }
            });
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TopK_GivesTopIndicesDescendingWithFirstTwoSwapped(int threads)
    {
        foreach ((long[] ne, int k) in new (long[], int)[] { ([16, 10, 3, 2], 4), ([1, 2, 1, 1], 1), ([2049, 2, 1, 3], 40), ([60, 3, 1, 1], 60) })
        {
            using var tt = new TestTensors();
            Tensor a = UniqueRows(tt, ne, new Random(9));
            Tensor t = tt.Node(GgmlOp.TopK, GgmlType.I32, [k, ne[1], ne[2], ne[3]], a);
            TestGraph.Run(threads, t);
            ForEach(t, (_, i1, i2, i3) =>
            {
                int[] expected = Enumerable.Range(0, (int)ne[0]).OrderByDescending(i => Get(a, i, i1, i2, i3)).Take(k).ToArray();
                if (k > 1)
                {
                    (expected[0], expected[1]) = (expected[1], expected[0]);
                }
                for (int i0 = 0; i0 < k; i0++)
                {
                    Assert.Equal(expected[i0], GetI32(t, i0, i1, i2, i3));
                }
            });
        }
    }

    [Fact]
    public void Validate_RejectsWhatGgmlCannotCompute()
    {
        using var tt = new TestTensors();
        Tensor f = tt.New(GgmlType.F32, 8, 4);
        Tensor i = tt.New(GgmlType.I32, 8, 4);
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.SumRows, GgmlType.F32, [2, 4], f)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.SumRows, GgmlType.F32, [1, 4], Permute(f, 1, 0, 2, 3))));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.CountEqual, GgmlType.I64, [1], f, f)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.ArgMax, GgmlType.I32, [4], i)));
        Tensor badOrder = tt.Node(GgmlOp.ArgSort, GgmlType.I32, [8, 4], f);
        badOrder.Params[0] = 2;
        Assert.NotNull(TestGraph.Rejection(badOrder));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.TopK, GgmlType.I32, [9, 4], f)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.Sum, GgmlType.F16, [1], f)));
    }

    /// <summary>Rows holding a shuffled 0..ne0-1 each (no ties), as test-backend-ops initializes ARGSORT/TOP_K.</summary>
    private static Tensor UniqueRows(TestTensors tt, long[] ne, Random rng)
    {
        Tensor a = tt.New(GgmlType.F32, ne);
        var v = new float[a.NElements];
        for (long r = 0; r < a.NRows; r++)
        {
            float[] row = Enumerable.Range(0, (int)ne[0]).Select(x => (float)x).ToArray();
            rng.Shuffle(row);
            row.CopyTo(v, r * ne[0]);
        }
        TestTensors.Write(a, v);
        return a;
    }
}
