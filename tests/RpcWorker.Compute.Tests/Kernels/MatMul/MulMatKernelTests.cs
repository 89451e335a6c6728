using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

public class MulMatKernelTests
{
    public enum Layout
    {
        Contiguous,
        PaddedRows,
        PermutedSrc1,
        PermutedBoth,
    }

    public static TheoryData<int, GgmlType> SimdAndWeights()
    {
        var data = new TheoryData<int, GgmlType>();
        foreach (SimdLevel simd in SimdSupport.AvailableLevels())
        {
            foreach (GgmlType t in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16 })
            {
                data.Add((int)simd, t);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SimdAndWeights))]
    public void Compute_SmallShapes_MatchScalarReference(int simd, GgmlType weights)
    {
        long[] ks = [1, 3, 8, 15, 16, 17, 31, 33, 64, 100];
        long[] ms = [1, 2, 3, 4, 5, 8, 9, 13];
        long[] ns = [1, 2, 3, 4, 5, 7, 8, 9];
        var rng = new Random(1234 + simd);
        for (int c = 0; c < 40; c++)
        {
            long k = ks[rng.Next(ks.Length)];
            long m = ms[rng.Next(ms.Length)];
            long n = ns[rng.Next(ns.Length)];
            Check((SimdLevel)simd, weights, GgmlType.F32, k, m, n, [1, 1], [1, 1], Layout.Contiguous, 1 + (c % 3), rng);
        }
    }

    [Theory]
    [MemberData(nameof(SimdAndWeights))]
    public void Compute_BroadcastBatches_MatchScalarReference(int simd, GgmlType weights)
    {
        var rng = new Random(99 + simd);
        Check((SimdLevel)simd, weights, GgmlType.F32, 33, 7, 5, [2, 3], [2, 1], Layout.Contiguous, 2, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 16, 4, 1, [1, 1], [3, 2], Layout.Contiguous, 3, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 40, 9, 6, [3, 1], [1, 3], Layout.Contiguous, 2, rng);
    }

    [Theory]
    [MemberData(nameof(SimdAndWeights))]
    public void Compute_NonContiguousOperands_MatchScalarReference(int simd, GgmlType weights)
    {
        var rng = new Random(7 + simd);
        foreach (Layout layout in new[] { Layout.PaddedRows, Layout.PermutedSrc1, Layout.PermutedBoth })
        {
            Check((SimdLevel)simd, weights, GgmlType.F32, 37, 6, 5, [2, 2], [2, 1], layout, 2, rng);
            Check((SimdLevel)simd, weights, GgmlType.F32, 16, 4, 1, [3, 1], [1, 1], layout, 3, rng);
            Check((SimdLevel)simd, weights, GgmlType.F32, 64, 12, 9, [1, 2], [2, 2], layout, 1, rng);
        }
    }

    [Theory]
    [MemberData(nameof(SimdAndWeights))]
    public void Compute_LargeBlocks_MatchScalarReference(int simd, GgmlType weights)
    {
        var rng = new Random(5 + simd);
        Check((SimdLevel)simd, weights, GgmlType.F32, 300, 37, 150, [1, 1], [1, 1], Layout.Contiguous, 3, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 257, 70, 1, [1, 1], [1, 1], Layout.Contiguous, 2, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 4100, 5, 6, [1, 1], [1, 1], Layout.Contiguous, 2, rng);
    }

    /// <summary>
    /// Enough columns for the K-major panel path of F16/BF16 at every tier: rows not a multiple of the 6-row tile,
    /// columns not a multiple of the group width, K not a multiple of the vector width and longer than one K slice
    /// (256), padded and permuted operands, broadcast planes and 1-3 threads.
    /// </summary>
    [Theory]
    [MemberData(nameof(SimdAndWeights))]
    public void Compute_ManyColumns_MatchScalarReference(int simd, GgmlType weights)
    {
        var rng = new Random(77 + simd);
        Check((SimdLevel)simd, weights, GgmlType.F32, 601, 37, 35, [1, 1], [1, 1], Layout.Contiguous, 2, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 19, 13, 66, [1, 1], [1, 1], Layout.Contiguous, 3, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 257, 6, 32, [1, 1], [1, 1], Layout.Contiguous, 1, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 40, 11, 33, [2, 1], [1, 2], Layout.PaddedRows, 2, rng);
        Check((SimdLevel)simd, weights, GgmlType.F32, 33, 7, 34, [1, 2], [2, 1], Layout.PermutedBoth, 3, rng);
        Check((SimdLevel)simd, weights, weights, 70, 20, 40, [1, 1], [2, 1], Layout.PermutedSrc1, 2, rng);
    }

    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void Compute_ActivationsInWeightType_MatchScalarReference(GgmlType weights)
    {
        foreach (SimdLevel simd in SimdSupport.AvailableLevels())
        {
            var rng = new Random(11);
            Check(simd, weights, weights, 45, 9, 7, [2, 1], [1, 2], Layout.Contiguous, 2, rng);
            Check(simd, weights, weights, 45, 9, 1, [1, 1], [1, 1], Layout.PermutedSrc1, 2, rng);
        }
    }

    [Fact]
    public void Compute_F16Weights_RoundsActivationsToHalf()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F16, 1, 1);
        Tensor b = tt.New(GgmlType.F32, 1, 1);
        TestTensors.Write(a, [1f]);
        TestTensors.Write(b, [1.0001f]);
        Tensor node = tt.Node(GgmlOp.MulMat, GgmlType.F32, [1, 1], a, b);
        KernelRunner.Run(new MulMatKernel(), node, 1);
        Assert.Equal(1f, TestTensors.Read(node)[0]);
    }

    [Fact]
    public void Validate_RejectsUnsupportedOperands()
    {
        using var tt = new TestTensors();
        var kernel = new MulMatKernel();
        Tensor a = tt.New(GgmlType.F32, 8, 4, 2);
        Tensor b = tt.New(GgmlType.F32, 8, 3, 3);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F32, [4, 3, 3], a, b)));
        Tensor b16 = tt.New(GgmlType.F16, 8, 3, 2);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F32, [4, 3, 2], a, b16)));
        Tensor bShort = tt.New(GgmlType.F32, 7, 3, 2);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F32, [4, 3, 2], a, bShort)));
        Tensor ok = tt.New(GgmlType.F32, 8, 3, 2);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F32, [4, 4, 2], a, ok)));
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F16, [4, 3, 2], a, ok)));
        Tensor transposed = TestTensors.View(a, 0, [4, 8, 2, 1], [a.Nb[1], a.Nb[0], a.Nb[2], a.Nb[3]]);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F32, [8, 3, 2], transposed, tt.New(GgmlType.F32, 4, 3, 2))));
        Assert.Null(kernel.Validate(tt.Node(GgmlOp.MulMat, GgmlType.F32, [4, 3, 2], a, ok)));
    }

    [Theory]
    [InlineData(16, 3, 1)]
    [InlineData(64, 5, 2)]
    [InlineData(2, 4, 3)]
    public void Compute_HadamardHint_MatchesProductWithHadamardMatrix(long n, long cols, int threads)
    {
        var rng = new Random(2);
        using var tt = new TestTensors();
        Tensor h = tt.New(GgmlType.F32, n, n);
        var hv = new float[n * n];
        for (long r = 0; r < n; r++)
        {
            for (long i = 0; i < n; i++)
            {
                hv[(r * n) + i] = (System.Numerics.BitOperations.PopCount((ulong)(r & i)) % 2 == 0 ? 1f : -1f) / MathF.Sqrt(n);
            }
        }
        TestTensors.Write(h, hv);
        Tensor b = tt.New(GgmlType.F32, n, cols, 2);
        TestTensors.FillRandom(b, rng);
        Tensor hinted = tt.Node(GgmlOp.MulMat, GgmlType.F32, [n, cols, 2], tt.New(GgmlType.F32, n, n), b);
        hinted.Params[1] = 1;
        Tensor plain = tt.Node(GgmlOp.MulMat, GgmlType.F32, [n, cols, 2], h, b);
        KernelRunner.Run(new MulMatKernel(), hinted, threads);
        KernelRunner.Run(new MulMatKernel(), plain, threads);
        float[] got = TestTensors.Read(hinted);
        float[] expected = TestTensors.Read(plain);
        for (int i = 0; i < got.Length; i++)
        {
            Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"[{i}] {got[i]} vs {expected[i]}");
        }
    }

    internal static void Check(SimdLevel simd, GgmlType weights, GgmlType acts, long k, long m, long n, long[] bs, long[] nr, Layout layout, int threads, Random rng)
    {
        using var tt = new TestTensors();
        long ne12 = bs[0] * nr[0];
        long ne13 = bs[1] * nr[1];
        Tensor a = MakeOperand(tt, weights, k, m, bs[0], bs[1], layout is Layout.PaddedRows or Layout.PermutedBoth ? layout : Layout.Contiguous, rng);
        Tensor b = MakeOperand(tt, acts, k, n, ne12, ne13, layout, rng);
        Tensor node = tt.Node(GgmlOp.MulMat, GgmlType.F32, [m, n, ne12, ne13], a, b);
        KernelRunner.Run(new MulMatKernel(simd), node, threads);
        float[] got = TestTensors.Read(node);
        string what = $"{simd} {weights}x{acts} k={k} m={m} n={n} bs=[{bs[0]},{bs[1]}] nr=[{nr[0]},{nr[1]}] {layout} t={threads}";
        for (long i3 = 0; i3 < ne13; i3++)
        {
            for (long i2 = 0; i2 < ne12; i2++)
            {
                for (long i1 = 0; i1 < n; i1++)
                {
                    for (long i0 = 0; i0 < m; i0++)
                    {
                        double sum = 0;
                        double mag = 0;
                        for (long i = 0; i < k; i++)
                        {
                            double w = Reference.Get(a, i, i0, i2 / nr[0], i3 / nr[1]);
                            double x = Reference.Activation(weights, Reference.Get(b, i, i1, i2, i3));
                            sum += w * x;
                            mag += Math.Abs(w * x);
                        }
                        long idx = i0 + (m * (i1 + (n * (i2 + (ne12 * i3)))));
                        Reference.AssertClose(sum, mag, got[idx], $"{what} at [{i0},{i1},{i2},{i3}]");
                    }
                }
            }
        }
    }

    /// <summary>A [k, rows, d2, d3] operand laid out as requested (padded rows, or dims 1 and 2 swapped in memory).</summary>
    internal static Tensor MakeOperand(TestTensors tt, GgmlType type, long k, long rows, long d2, long d3, Layout layout, Random rng)
    {
        switch (layout)
        {
            case Layout.PaddedRows:
            {
                Tensor baseT = tt.New(type, k + 5, rows, d2, d3);
                TestTensors.FillRandom(baseT, rng);
                return TestTensors.View(baseT, 0, [k, rows, d2, d3], [baseT.Nb[0], baseT.Nb[1], baseT.Nb[2], baseT.Nb[3]]);
            }
            case Layout.PermutedSrc1:
            case Layout.PermutedBoth:
            {
                Tensor baseT = tt.New(type, k, d2, rows, d3);
                TestTensors.FillRandom(baseT, rng);
                return TestTensors.View(baseT, 0, [k, rows, d2, d3], [baseT.Nb[0], baseT.Nb[2], baseT.Nb[1], baseT.Nb[3]]);
            }
            default:
            {
                Tensor t = tt.New(type, k, rows, d2, d3);
                TestTensors.FillRandom(t, rng);
                return t;
            }
        }
    }
}
