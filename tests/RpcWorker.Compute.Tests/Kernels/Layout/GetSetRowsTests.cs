using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;
using static RpcWorker.Compute.Tests.Kernels.StridedViews;

namespace RpcWorker.Compute.Tests.Kernels.Layout;

public unsafe class GetSetRowsTests
{
    public static TheoryData<int, GgmlType, bool> GetRowsCases()
    {
        var data = new TheoryData<int, GgmlType, bool>();
        foreach (int threads in new[] { 1, 3 })
        {
            foreach (GgmlType type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.I32 })
            {
                data.Add(threads, type, false);
                data.Add(threads, type, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(GetRowsCases))]
    public void GetRows_GathersRowsOfEachBatch(int threads, GgmlType type, bool paddedSource)
    {
        foreach ((long nc, long rows, long n, long b2, long b3) in new (long, long, long, long, long)[] { (1, 8, 2, 1, 1), (37, 5, 4, 2, 1), (256, 6, 7, 3, 2), (33, 3, 1, 1, 1) })
        {
            using var tt = new TestTensors();
            var rng = new Random((int)(nc * 7 + n));
            Tensor src = tt.New(type, paddedSource ? nc + 5 : nc, rows, b2, b3);
            FillBits(src, rng);
            if (paddedSource)
            {
                src = TestTensors.View(src, 0, [nc, rows, b2, b3], [src.Nb[0], src.Nb[1], src.Nb[2], src.Nb[3]]);
            }
            Tensor ids = tt.New(GgmlType.I32, n, b2, b3);
            ForEach(ids, (i0, i1, i2, _) => SetI32(ids, rng.Next((int)rows), i0, i1, i2));
            GgmlType outType = type == GgmlType.I32 ? GgmlType.I32 : GgmlType.F32;
            Tensor dst = tt.Node(GgmlOp.GetRows, outType, [nc, n, b2, b3], src, ids);
            TestGraph.Run(threads, dst);
            ForEach(dst, (i0, i1, i2, i3) =>
            {
                long row = GetI32(ids, i1, i2, i3);
                if (type == GgmlType.I32)
                {
                    Assert.Equal(GetI32(src, i0, row, i2, i3), GetI32(dst, i0, i1, i2, i3));
                }
                else
                {
                    AssertSame(Get(src, i0, row, i2, i3), Get(dst, i0, i1, i2, i3), "get_rows");
                }
            });
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(int.MaxValue)]
    public void GetRows_IdOutsideSource_Throws(int badId)
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.F32, 4, 5);
        Tensor ids = tt.New(GgmlType.I32, 3);
        SetI32(ids, 1, 0);
        SetI32(ids, badId, 2);
        Tensor dst = tt.Node(GgmlOp.GetRows, GgmlType.F32, [4, 3], src, ids);
        Assert.Throws<ComputeException>(() => TestGraph.Run(3, dst));
    }

    public static TheoryData<int, GgmlType, GgmlType, GgmlType> SetRowsCases()
    {
        var data = new TheoryData<int, GgmlType, GgmlType, GgmlType>();
        foreach (int threads in new[] { 1, 3 })
        {
            foreach (GgmlType idType in new[] { GgmlType.I32, GgmlType.I64 })
            {
                foreach (GgmlType dstType in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.I32 })
                {
                    data.Add(threads, GgmlType.F32, dstType, idType);
                }
                data.Add(threads, GgmlType.F16, GgmlType.F16, idType);
                data.Add(threads, GgmlType.F16, GgmlType.F32, idType);
                data.Add(threads, GgmlType.F16, GgmlType.BF16, idType);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SetRowsCases))]
    public void SetRows_ScattersAndConverts_LastDuplicateWins(int threads, GgmlType srcType, GgmlType dstType, GgmlType idType)
    {
        foreach ((long nc, long nr, long dstRows, long b2, long b3, long i2, long i3) in new (long, long, long, long, long, long, long)[]
        {
            (1, 8, 16, 1, 3, 1, 1), (37, 5, 9, 2, 3, 1, 3), (256, 11, 20, 6, 1, 2, 1), (33, 7, 7, 1, 2, 1, 2),
        })
        {
            using var tt = new TestTensors();
            var rng = new Random((int)(nc + nr));
            Tensor src = Create(tt, srcType, [nc, nr, b2, b3], Strides.PaddedRows, rng, -300f, 300f);
            Tensor dst = tt.New(dstType, nc, dstRows, b2, b3);
            FillBits(dst, rng);
            byte[] before = Snapshot(dst);
            Tensor ids = tt.New(idType, nr, i2, i3);
            var chosen = new long[nr, i2, i3];
            for (long c = 0; c < i3; c++)
            {
                for (long b = 0; b < i2; b++)
                {
                    for (long r = 0; r < nr; r++)
                    {
                        long id = rng.Next((int)dstRows);
                        chosen[r, b, c] = id;
                        byte* at = ids.ElementPtr(r, b, c, 0);
                        if (idType == GgmlType.I64)
                        {
                            *(long*)at = id;
                        }
                        else
                        {
                            *(int*)at = (int)id;
                        }
                    }
                }
            }
            Tensor node = TestTensors.View(dst, 0, [nc, dstRows, b2, b3], [dst.Nb[0], dst.Nb[1], dst.Nb[2], dst.Nb[3]]);
            node.Op = GgmlOp.SetRows;
            node.Src[0] = src;
            node.Src[1] = ids;
            node.Src[2] = dst;
            TestGraph.Run(threads, node);

            var writer = new long[dstRows, b2, b3];
            for (long row = 0; row < dstRows; row++)
            {
                for (long b = 0; b < b2; b++)
                {
                    for (long c = 0; c < b3; c++)
                    {
                        writer[row, b, c] = -1;
                    }
                }
            }
            for (long c = 0; c < b3; c++)
            {
                for (long b = 0; b < b2; b++)
                {
                    for (long r = 0; r < nr; r++)
                    {
                        writer[chosen[r, b % i2, c % i3], b, c] = r;
                    }
                }
            }
            for (long c = 0; c < b3; c++)
            {
                for (long b = 0; b < b2; b++)
                {
                    for (long row = 0; row < dstRows; row++)
                    {
                        long from = writer[row, b, c];
                        for (long i0 = 0; i0 < nc; i0++)
                        {
                            byte* got = dst.ElementPtr(i0, row, b, c);
                            if (from < 0)
                            {
                                long offset = got - dst.DataPtr;
                                Assert.True(new ReadOnlySpan<byte>(got, dst.Info.TypeSize).SequenceEqual(before.AsSpan((int)offset, dst.Info.TypeSize)));
                                continue;
                            }
                            float v = Get(src, i0, from, b, c);
                            switch (dstType)
                            {
                                case GgmlType.F32:
                                    AssertSame(v, *(float*)got, "set_rows f32");
                                    break;
                                case GgmlType.F16:
                                    Assert.Equal(Fp16.FromSingle(v), *(ushort*)got);
                                    break;
                                case GgmlType.BF16:
                                    Assert.Equal(Bf16.FromSingle(v), *(ushort*)got);
                                    break;
                                default:
                                    Assert.Equal((int)v, *(int*)got);
                                    break;
                            }
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.I32, -1L)]
    [InlineData(GgmlType.I64, 4L)]
    [InlineData(GgmlType.I64, long.MinValue)]
    [InlineData(GgmlType.I64, 1L << 40)]
    public void SetRows_IdOutsideDestination_Throws(GgmlType idType, long badId)
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.F32, 8, 2);
        Tensor dst = tt.New(GgmlType.F16, 8, 4);
        Tensor ids = tt.New(idType, 2);
        if (idType == GgmlType.I64)
        {
            ((long*)ids.DataPtr)[1] = badId;
        }
        else
        {
            ((int*)ids.DataPtr)[1] = (int)badId;
        }
        Tensor node = TestTensors.View(dst, 0, [8, 4, 1, 1], [dst.Nb[0], dst.Nb[1], dst.Nb[2], dst.Nb[3]]);
        node.Op = GgmlOp.SetRows;
        node.Src[0] = src;
        node.Src[1] = ids;
        Assert.Throws<ComputeException>(() => TestGraph.Run(3, node));
    }

    [Fact]
    public void SetRows_FloatToInt32_TruncatesLikeX86()
    {
        Assert.Equal(-2, RpcWorker.Compute.Kernels.Layout.SetRowsKernel.TruncateToInt32(-2.9f));
        Assert.Equal(int.MinValue, RpcWorker.Compute.Kernels.Layout.SetRowsKernel.TruncateToInt32(float.NaN));
        Assert.Equal(int.MinValue, RpcWorker.Compute.Kernels.Layout.SetRowsKernel.TruncateToInt32(3e9f));
        Assert.Equal(int.MinValue, RpcWorker.Compute.Kernels.Layout.SetRowsKernel.TruncateToInt32(-2147483648f));
    }

    [Fact]
    public void Validate_RejectsUnsupportedTypesAndShapes()
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.I16, 4, 5);
        Tensor ids = tt.New(GgmlType.I32, 3);
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.GetRows, GgmlType.F32, [4, 3], src, ids)));
        Tensor f = tt.New(GgmlType.F32, 4, 5);
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.GetRows, GgmlType.F32, [4, 2], f, ids)));
        Assert.NotNull(TestGraph.Rejection(tt.Node(GgmlOp.GetRows, GgmlType.F32, [4, 3], f, tt.New(GgmlType.I64, 3))));
    }

    private static void FillBits(Tensor t, Random rng)
    {
        var bytes = new Span<byte>(t.DataPtr, (int)t.NBytes);
        rng.NextBytes(bytes);
        if (t.Type is GgmlType.F16 or GgmlType.BF16 or GgmlType.F32)
        {
            TestTensors.FillRandom(t, rng, -10f, 10f);
        }
    }

    private static byte[] Snapshot(Tensor t) => new ReadOnlySpan<byte>(t.DataPtr, (int)t.NBytes).ToArray();
}
