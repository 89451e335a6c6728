using RpcWorker.Compute.Formats;
using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Elementwise;

public unsafe class DupKernelTests
{
    public static TheoryData<GgmlType, GgmlType, string, int> Cases()
    {
        var data = new TheoryData<GgmlType, GgmlType, string, int>();
        (GgmlType, GgmlType)[] pairs =
        [
            (GgmlType.F32, GgmlType.F32), (GgmlType.F16, GgmlType.F16), (GgmlType.BF16, GgmlType.BF16), (GgmlType.I32, GgmlType.I32),
            (GgmlType.F32, GgmlType.F16), (GgmlType.F16, GgmlType.F32), (GgmlType.F32, GgmlType.BF16), (GgmlType.BF16, GgmlType.F32),
            (GgmlType.F16, GgmlType.BF16), (GgmlType.BF16, GgmlType.F16), (GgmlType.F32, GgmlType.I32), (GgmlType.I32, GgmlType.F32),
        ];
        string[] layouts = ["contiguous", "permuted-src", "permuted-dst", "permuted-both", "reshaped", "strided-src"];
        foreach (var (s, d) in pairs)
        {
            foreach (string layout in layouts)
            {
                data.Add(s, d, layout, 1);
                data.Add(s, d, layout, 3);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cpy_PlainTypes_CopiesRowMajorElementsWithGgmlConversion(GgmlType st, GgmlType dt, string layout, int threads)
    {
        using var tt = new TestTensors();
        var rng = new Random(7);
        Tensor src = layout switch
        {
            "permuted-src" or "permuted-both" => Permute(tt.New(st, 7, 5, 3, 2), 0, 2),
            "strided-src" => SubView(tt.New(st, 600, 3, 2), 517, 3, 2),
            _ => tt.New(st, 7, 5, 3, 2),
        };
        Tensor dstBase = layout switch
        {
            "permuted-dst" or "permuted-both" => Permute(tt.New(dt, 3, 5, 7, 2), 0, 2),
            "reshaped" => tt.New(dt, 35, 6),
            "strided-src" => tt.New(dt, 3, 517, 2),
            _ => tt.New(dt, src.Ne[0], src.Ne[1], src.Ne[2], src.Ne[3]),
        };
        float lo = st == GgmlType.I32 || dt == GgmlType.I32 ? -3000f : -2f;
        FillRandom(src, rng, lo, -lo);
        if (st == GgmlType.F32 && dt == GgmlType.I32)
        {
            Set(src, 0, 0, 0, 0, float.NaN);
            Set(src, 1, 0, 0, 0, 3e9f);
            Set(src, 2, 0, 0, 0, -2.5f);
        }
        Tensor node = Cpy(dstBase, src);

        TestGraph.Run(threads, node);

        float[] expected = ReadAll(src).Select(v => Round(dt, v)).ToArray();
        float[] actual = ReadAll(node);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertSame(expected[i], actual[i], $"element {i}", signedZero: true);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Cont_PermutedQuantizedRows_CopiesWholeBlocksInOrder(int threads)
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.Q8_0, 64, 3, 4);
        var rng = new Random(3);
        byte* p = src.DataPtr;
        for (long i = 0; i < src.NBytes; i++)
        {
            p[i] = (byte)rng.Next(256);
        }
        Tensor view = Permute(src, 1, 2);
        Tensor node = tt.Node(GgmlOp.Cont, GgmlType.Q8_0, [64, 4, 3], view);

        TestGraph.Run(threads, node);

        int ts = 34;
        for (long i2 = 0; i2 < 3; i2++)
        {
            for (long i1 = 0; i1 < 4; i1++)
            {
                for (long blk = 0; blk < 2; blk++)
                {
                    byte* s = view.DataPtr + blk * ts + i1 * view.Nb[1] + i2 * view.Nb[2];
                    byte* d = node.DataPtr + blk * ts + i1 * node.Nb[1] + i2 * node.Nb[2];
                    Assert.True(new ReadOnlySpan<byte>(s, ts).SequenceEqual(new ReadOnlySpan<byte>(d, ts)), $"block {blk} row {i1},{i2}");
                }
            }
        }
    }

    [Fact]
    public void Cpy_ToQuantized_UsesTheRowFormatOrIsRejected()
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.F32, 64, 3);
        FillRandom(src, new Random(5));
        Tensor dst = tt.New(GgmlType.Q8_0, 64, 3);
        Tensor node = Cpy(dst, src);
        if (RowFormats.Find(GgmlType.Q8_0) is not { CanFromFloat: true } format)
        {
            Assert.NotNull(TestGraph.Rejection(node));
            return;
        }

        TestGraph.Run(3, node);

        Tensor expected = tt.New(GgmlType.Q8_0, 64, 3);
        format.FromFloat((float*)src.DataPtr, expected.DataPtr, 64 * 3);
        Assert.True(new ReadOnlySpan<byte>(expected.DataPtr, (int)expected.NBytes)
            .SequenceEqual(new ReadOnlySpan<byte>(node.DataPtr, (int)node.NBytes)));
    }

    [Fact]
    public void Cpy_FromQuantized_DequantizesIntoF32OrIsRejected()
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(GgmlType.Q8_0, 64, 2, 3);
        var rng = new Random(9);
        for (long b = 0; b < src.NBytes / 34; b++)
        {
            byte* blk = src.DataPtr + b * 34;
            *(ushort*)blk = BitConverter.HalfToUInt16Bits((Half)0.01f);
            for (int i = 2; i < 34; i++)
            {
                blk[i] = (byte)rng.Next(256);
            }
        }
        Tensor dst = Permute(tt.New(GgmlType.F32, 64, 3, 2), 1, 2);
        Tensor node = Cpy(dst, src);
        if (RowFormats.Find(GgmlType.Q8_0) is not { } format)
        {
            Assert.NotNull(TestGraph.Rejection(node));
            return;
        }

        TestGraph.Run(3, node);

        var expected = new float[src.NElements];
        fixed (float* e = expected)
        {
            format.ToFloat(src.DataPtr, e, expected.Length);
        }
        float[] actual = ReadAll(node);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertSame(expected[i], actual[i], $"element {i}");
        }
    }

    [Theory]
    [InlineData(GgmlType.I32, GgmlType.F16)]
    [InlineData(GgmlType.F16, GgmlType.I32)]
    [InlineData(GgmlType.I16, GgmlType.F32)]
    public void Cpy_ConversionGgmlLacks_IsRejected(GgmlType st, GgmlType dt)
    {
        using var tt = new TestTensors();
        Tensor node = Cpy(tt.New(dt, 8, 2), tt.New(st, 8, 2));
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Fact]
    public void Cpy_DifferentElementCounts_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = Cpy(tt.New(GgmlType.F32, 8, 3), tt.New(GgmlType.F32, 8, 2));
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Theory]
    [InlineData(GgmlType.I16)]
    [InlineData(GgmlType.I8)]
    [InlineData(GgmlType.F64)]
    public void Dup_SameTypeIntegers_CopiesBytes(GgmlType type)
    {
        using var tt = new TestTensors();
        Tensor src = tt.New(type, 5, 4, 3);
        var rng = new Random(1);
        for (long i = 0; i < src.NBytes; i++)
        {
            src.DataPtr[i] = (byte)rng.Next(256);
        }
        Tensor view = Permute(src, 0, 1);
        Tensor node = tt.Node(GgmlOp.Dup, type, [4, 5, 3], view);

        TestGraph.Run(3, node);

        int ts = src.Info.TypeSize;
        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            Assert.True(new ReadOnlySpan<byte>(view.ElementPtr(i0, i1, i2, i3), ts)
                .SequenceEqual(new ReadOnlySpan<byte>(node.ElementPtr(i0, i1, i2, i3), ts)));
        }
    }

    /// <summary>ggml_cpy(src, dst): the node is a view of dst with src[1] = dst.</summary>
    private static Tensor Cpy(Tensor dst, Tensor src)
    {
        var node = new Tensor { Type = dst.Type, Op = GgmlOp.Cpy, Data = dst.Data, Ne = dst.Ne, Nb = dst.Nb, ViewSrc = dst };
        node.Src[0] = src;
        node.Src[1] = dst;
        return node;
    }
}
