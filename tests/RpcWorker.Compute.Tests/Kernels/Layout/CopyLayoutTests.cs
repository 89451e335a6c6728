using static RpcWorker.Compute.Tests.Kernels.StridedViews;

namespace RpcWorker.Compute.Tests.Kernels.Layout;

/// <summary>REPEAT, CONCAT, DIAG, DIAG_MASK_*, TRI, ROLL, PAD, PAD_REFLECT_1D: pure data movement, checked bit for bit.</summary>
public unsafe class CopyLayoutTests
{
    public static TheoryData<int, GgmlType> ThreadsAndTypes(GgmlType[] types)
    {
        var data = new TheoryData<int, GgmlType>();
        foreach (int threads in new[] { 1, 3 })
        {
            foreach (GgmlType type in types)
            {
                data.Add(threads, type);
            }
        }
        return data;
    }

    public static TheoryData<int, GgmlType> RepeatCases() =>
        ThreadsAndTypes([GgmlType.F32, GgmlType.I32, GgmlType.F16, GgmlType.BF16, GgmlType.I16]);

    [Theory]
    [MemberData(nameof(RepeatCases))]
    public void Repeat_TilesTheSource(int threads, GgmlType type)
    {
        foreach ((long[] ne, long[] reps) in new (long[], long[])[] { ([10, 5, 4, 3], [2, 1, 1, 1]), ([10, 5, 4, 1], [1, 2, 3, 2]), ([1, 1, 1, 1], [7, 3, 1, 2]), ([3, 2, 1, 1], [1, 1, 1, 1]) })
        {
            using var tt = new TestTensors();
            Tensor padded = tt.New(type, ne[0] + 2, ne[1], ne[2], ne[3]);
            new Random(51).NextBytes(new Span<byte>(padded.DataPtr, (int)padded.NBytes));
            Tensor src = TestTensors.View(padded, 0, ne, [padded.Nb[0], padded.Nb[1], padded.Nb[2], padded.Nb[3]]);
            Tensor dst = tt.Node(GgmlOp.Repeat, type, [ne[0] * reps[0], ne[1] * reps[1], ne[2] * reps[2], ne[3] * reps[3]], src);
            TestGraph.Run(threads, dst);
            ForEach(dst, (i0, i1, i2, i3) =>
                AssertBytes(src.ElementPtr(i0 % ne[0], i1 % ne[1], i2 % ne[2], i3 % ne[3]), dst.ElementPtr(i0, i1, i2, i3), src.Info.TypeSize));
        }
    }

    public static TheoryData<int, GgmlType> ConcatCases() =>
        ThreadsAndTypes([GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64]);

    [Theory]
    [MemberData(nameof(ConcatCases))]
    public void Concat_JoinsAlongEachDim_AnyStrides(int threads, GgmlType type)
    {
        for (int dim = 0; dim < 4; dim++)
        {
            foreach (bool permuted in new[] { false, true })
            {
                using var tt = new TestTensors();
                long[] ne = [11, 6, 5, 3];
                long[] neB = (long[])ne.Clone();
                neB[dim] = 4;
                Tensor a = RandomBytes(tt, type, ne, permuted, new Random(dim));
                Tensor b = RandomBytes(tt, type, neB, false, new Random(dim + 10));
                long[] neC = (long[])ne.Clone();
                neC[dim] += 4;
                Tensor c = tt.Node(GgmlOp.Concat, type, neC, a, b);
                c.Params[0] = dim;
                TestGraph.Run(threads, c);
                ForEach(c, (i0, i1, i2, i3) =>
                {
                    long[] i = [i0, i1, i2, i3];
                    byte* expected;
                    if (i[dim] < ne[dim])
                    {
                        expected = a.ElementPtr(i0, i1, i2, i3);
                    }
                    else
                    {
                        i[dim] -= ne[dim];
                        expected = b.ElementPtr(i[0], i[1], i[2], i[3]);
                    }
                    AssertBytes(expected, c.ElementPtr(i0, i1, i2, i3), c.Info.TypeSize);
                });
            }
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 0)]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    public void Concat_QuantizedRows_CopiesBlocks(int threads, int dim)
    {
        using var tt = new TestTensors();
        long[] ne = [64, 3, 2, 1];
        long[] neB = (long[])ne.Clone();
        neB[dim] = dim == 0 ? 32 : 2;
        Tensor a = RandomBytes(tt, GgmlType.Q8_0, ne, false, new Random(61));
        Tensor b = RandomBytes(tt, GgmlType.Q8_0, neB, false, new Random(62));
        long[] neC = (long[])ne.Clone();
        neC[dim] += neB[dim];
        Tensor c = tt.Node(GgmlOp.Concat, GgmlType.Q8_0, neC, a, b);
        c.Params[0] = dim;
        TestGraph.Run(threads, c);
        for (long i3 = 0; i3 < neC[3]; i3++)
        {
            for (long i2 = 0; i2 < neC[2]; i2++)
            {
                for (long i1 = 0; i1 < neC[1]; i1++)
                {
                    byte* y = c.RowPtr(i1, i2, i3);
                    if (dim == 0)
                    {
                        AssertBytes(a.RowPtr(i1, i2, i3), y, a.RowSize);
                        AssertBytes(b.RowPtr(i1, i2, i3), y + a.RowSize, b.RowSize);
                    }
                    else if ((dim == 1 ? i1 : i2) < ne[dim])
                    {
                        AssertBytes(a.RowPtr(i1, i2, i3), y, a.RowSize);
                    }
                    else
                    {
                        AssertBytes(b.RowPtr(dim == 1 ? i1 - ne[1] : i1, dim == 2 ? i2 - ne[2] : i2, i3), y, b.RowSize);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Diag_PlacesVectorOnDiagonal(int threads)
    {
        using var tt = new TestTensors();
        Tensor a = Create(tt, GgmlType.F32, [9, 1, 3, 2], Strides.Contiguous, new Random(71));
        Tensor d = tt.Node(GgmlOp.Diag, GgmlType.F32, [9, 9, 3, 2], a);
        FillGarbage(d);
        TestGraph.Run(threads, d);
        ForEach(d, (i0, i1, i2, i3) => AssertSame(i0 == i1 ? Get(a, i0, 0, i2, i3) : 0f, Get(d, i0, i1, i2, i3), "diag"));
    }

    [Theory]
    [InlineData(1, GgmlOp.DiagMaskInf, false)]
    [InlineData(3, GgmlOp.DiagMaskInf, false)]
    [InlineData(3, GgmlOp.DiagMaskInf, true)]
    [InlineData(1, GgmlOp.DiagMaskZero, false)]
    [InlineData(3, GgmlOp.DiagMaskZero, true)]
    public void DiagMask_MasksAboveShiftedDiagonal(int threads, GgmlOp op, bool inPlace)
    {
        foreach (int nPast in new[] { 0, 2, 5, 20 })
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, [10, 7, 3, 2], Strides.Contiguous, new Random(nPast));
            float[] original = TestTensors.Read(a);
            Tensor m = inPlace ? TestTensors.View(a, 0, [10, 7, 3, 2], [a.Nb[0], a.Nb[1], a.Nb[2], a.Nb[3]]) : tt.New(GgmlType.F32, 10, 7, 3, 2);
            m.Op = op;
            m.Src[0] = a;
            m.Params[0] = nPast;
            TestGraph.Run(threads, m);
            float value = op == GgmlOp.DiagMaskInf ? float.NegativeInfinity : 0f;
            ForEach(m, (i0, i1, i2, i3) =>
            {
                float x = original[i0 + (10 * (i1 + (7 * (i2 + (3 * i3)))))];
                AssertSame(i0 > nPast + i1 ? value : x, Get(m, i0, i1, i2, i3), "diag_mask");
            });
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Tri_KeepsTheChosenTriangle(int threads)
    {
        for (int type = 0; type < 4; type++)
        {
            using var tt = new TestTensors();
            Tensor a = Create(tt, GgmlType.F32, [13, 13, 2, 3], Strides.Contiguous, new Random(type));
            Tensor t = tt.Node(GgmlOp.Tri, GgmlType.F32, [13, 13, 2, 3], a);
            t.Params[0] = type;
            TestGraph.Run(threads, t);
            ForEach(t, (i0, i1, i2, i3) =>
            {
                bool keep = type switch { 0 => i0 >= i1, 1 => i0 > i1, 2 => i0 <= i1, _ => i0 < i1 };
                AssertSame(keep ? Get(a, i0, i1, i2, i3) : 0f, Get(t, i0, i1, i2, i3), "tri");
            });
        }
    }

    [Theory]
    [InlineData(1, 0, 0, 0, 0)]
    [InlineData(3, 3, -2, 1, -1)]
    [InlineData(3, -9, 4, -3, 1)]
    public void Roll_ShiftsEveryDimension(int threads, int s0, int s1, int s2, int s3)
    {
        using var tt = new TestTensors();
        long[] ne = [10, 5, 4, 2];
        Tensor a = Create(tt, GgmlType.F32, ne, Strides.PaddedRows, new Random(81));
        Tensor r = tt.Node(GgmlOp.Roll, GgmlType.F32, ne, a);
        r.Params[0] = s0;
        r.Params[1] = s1;
        r.Params[2] = s2;
        r.Params[3] = s3;
        TestGraph.Run(threads, r);
        ForEach(r, (i0, i1, i2, i3) =>
            AssertSame(Get(a, Mod(i0 - s0, ne[0]), Mod(i1 - s1, ne[1]), Mod(i2 - s2, ne[2]), Mod(i3 - s3, ne[3])), Get(r, i0, i1, i2, i3), "roll"));
    }

    [Theory]
    [InlineData(1, false, new[] { 1, 2, 0, 3, 1, 0, 2, 1 })]
    [InlineData(3, false, new[] { 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(3, false, new[] { 4, 0, 0, 5, 0, 0, 0, 0 })]
    [InlineData(1, true, new[] { 4, 3, 2, 1, 1, 0, 0, 2 })]
    [InlineData(3, true, new[] { 12, 0, 0, 9, 0, 0, 0, 0 })]
    public void Pad_ZerosOrWrapsAroundThePermutedSource(int threads, bool circular, int[] pads)
    {
        using var tt = new TestTensors();
        long[] ne = [11, 5, 3, 2];
        Tensor a = Create(tt, GgmlType.F32, ne, Strides.Permuted, new Random(91));
        long[] neP = new long[4];
        for (int d = 0; d < 4; d++)
        {
            neP[d] = ne[d] + pads[2 * d] + pads[(2 * d) + 1];
        }
        Tensor p = tt.Node(GgmlOp.Pad, GgmlType.F32, neP, a);
        for (int k = 0; k < 8; k++)
        {
            p.Params[k] = pads[k];
        }
        p.Params[8] = circular ? 1 : 0;
        FillGarbage(p);
        TestGraph.Run(threads, p);
        ForEach(p, (i0, i1, i2, i3) =>
        {
            long[] s = [i0 - pads[0], i1 - pads[2], i2 - pads[4], i3 - pads[6]];
            float expected;
            if (circular)
            {
                expected = Get(a, Mod(s[0], ne[0]), Mod(s[1], ne[1]), Mod(s[2], ne[2]), Mod(s[3], ne[3]));
            }
            else
            {
                bool inside = s[0] >= 0 && s[0] < ne[0] && s[1] >= 0 && s[1] < ne[1] && s[2] >= 0 && s[2] < ne[2] && s[3] >= 0 && s[3] < ne[3];
                expected = inside ? Get(a, s[0], s[1], s[2], s[3]) : 0f;
            }
            AssertSame(expected, Get(p, i0, i1, i2, i3), "pad");
        });
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(3, 3, 2)]
    [InlineData(3, 9, 9)]
    public void PadReflect1D_MirrorsRowEnds(int threads, int p0, int p1)
    {
        using var tt = new TestTensors();
        long[] ne = [10, 4, 3, 1];
        Tensor a = Create(tt, GgmlType.F32, ne, Strides.PaddedRows, new Random(101));
        Tensor r = tt.Node(GgmlOp.PadReflect1D, GgmlType.F32, [10 + p0 + p1, 4, 3, 1], a);
        r.Params[0] = p0;
        r.Params[1] = p1;
        TestGraph.Run(threads, r);
        ForEach(r, (i0, i1, i2, i3) =>
        {
            long j = i0 - p0;
            long src = j < 0 ? -j : j >= 10 ? 18 - j : j;
            AssertSame(Get(a, src, i1, i2, i3), Get(r, i0, i1, i2, i3), "pad_reflect_1d");
        });
    }

    [Fact]
    public void Validate_RejectsInconsistentShapes()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 4, 3);
        Tensor b = tt.New(GgmlType.F32, 4, 2);
        Tensor bad = tt.Node(GgmlOp.Concat, GgmlType.F32, [4, 5], a, b);
        bad.Params[0] = 0;
        Assert.NotNull(TestGraph.Rejection(bad));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.Repeat, GgmlType.F32, [6, 3], a)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.Pad, GgmlType.F32, [5, 3], a)));
        Tensor reflect = tt.Node(GgmlOp.PadReflect1D, GgmlType.F32, [12, 3], a);
        reflect.Params[0] = 4;
        reflect.Params[1] = 4;
        Assert.NotNull(TestGraph.Rejection(reflect));
        Tensor mask = tt.Node(GgmlOp.DiagMaskInf, GgmlType.F32, [4, 3], a);
        mask.Params[0] = -1;
        Assert.NotNull(TestGraph.Rejection(mask));
        Tensor tri = tt.Node(GgmlOp.Tri, GgmlType.F32, [4, 3], a);
        tri.Params[0] = 4;
        Assert.NotNull(TestGraph.Rejection(tri));
    }

    private static long Mod(long i, long n) => ((i % n) + n) % n;

    private static Tensor RandomBytes(TestTensors tt, GgmlType type, long[] ne, bool permuted, Random rng)
    {
        Tensor t = permuted ? tt.New(type, ne[0], ne[2], ne[1], ne[3]) : tt.New(type, ne);
        rng.NextBytes(new Span<byte>(t.DataPtr, (int)t.NBytes));
        return permuted ? TestTensors.View(t, 0, ne, [t.Nb[0], t.Nb[2], t.Nb[1], t.Nb[3]]) : t;
    }

    private static void FillGarbage(Tensor t) => new Span<float>((float*)t.DataPtr, (int)t.NElements).Fill(float.NaN);

    private static void AssertBytes(byte* expected, byte* actual, long count) =>
        Assert.True(new ReadOnlySpan<byte>(expected, (int)count).SequenceEqual(new ReadOnlySpan<byte>(actual, (int)count)));
}
