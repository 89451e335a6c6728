using RpcWorker.Compute.Formats;
using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Elementwise;

public unsafe class BinaryKernelTests
{
    private static readonly (GgmlType A, GgmlType B, GgmlType D)[] s_types =
    [
        (GgmlType.F32, GgmlType.F32, GgmlType.F32), (GgmlType.F16, GgmlType.F16, GgmlType.F16),
        (GgmlType.BF16, GgmlType.BF16, GgmlType.BF16), (GgmlType.BF16, GgmlType.F32, GgmlType.BF16),
        (GgmlType.BF16, GgmlType.F32, GgmlType.F32), (GgmlType.F16, GgmlType.F32, GgmlType.F16),
        (GgmlType.F16, GgmlType.F32, GgmlType.F32),
    ];

    private static readonly string[] s_shapes = ["same", "rows", "scalar-row", "repeat-row", "non-contiguous", "long"];

    public static TheoryData<GgmlOp, int, string, int> Cases()
    {
        var data = new TheoryData<GgmlOp, int, string, int>();
        foreach (GgmlOp op in new[] { GgmlOp.Add, GgmlOp.Sub, GgmlOp.Mul, GgmlOp.Div })
        {
            for (int t = 0; t < s_types.Length; t++)
            {
                foreach (string shape in s_shapes)
                {
                    data.Add(op, t, shape, shape == "long" ? 3 : 1 + t % 2 * 2);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Binary_BroadcastsSrc1AndRoundsLikeGgml(GgmlOp op, int typeIndex, string shape, int threads)
    {
        var (ta, tb, td) = s_types[typeIndex];
        using var tt = new TestTensors();
        var rng = new Random(11);
        long[] ne = shape == "long" ? [1031, 3, 1, 1] : [33, 4, 3, 2];
        Tensor a = tt.New(ta, ne);
        Tensor b = shape switch
        {
            "rows" => tt.New(tb, 33, 1, 3, 1),
            "long" => tt.New(tb, 1031, 1),
            "scalar-row" => tt.New(tb, 1, 4, 1, 2),
            "repeat-row" => tt.New(tb, 11, 2, 1, 1),
            "non-contiguous" => Permute(tt.New(tb, 4, 33, 3, 2), 0, 1),
            _ => tt.New(tb, ne),
        };
        FillRandom(a, rng, -4f, 4f);
        FillRandom(b, rng, 0.5f, 3f);
        Tensor node = tt.Node(op, td, ne, a, b);

        TestGraph.Run(threads, node);

        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x = Get(a, i0, i1, i2, i3);
            float y = Get(b, i0 % b.Ne[0], i1 % b.Ne[1], i2 % b.Ne[2], i3 % b.Ne[3]);
            float r = op switch
            {
                GgmlOp.Add => x + y,
                GgmlOp.Sub => x - y,
                GgmlOp.Mul => x * y,
                _ => x / y,
            };
            AssertSame(Round(td, r), Get(node, i0, i1, i2, i3), $"[{i0},{i1},{i2},{i3}]", signedZero: true);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Add_InPlaceOnSrc0_Works(int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 100, 5);
        Tensor b = tt.New(GgmlType.F32, 100, 1);
        FillRandom(a, new Random(1));
        FillRandom(b, new Random(2));
        float[] before = ReadAll(a);
        float[] bias = ReadAll(b);
        var node = new Tensor { Type = GgmlType.F32, Op = GgmlOp.Add, Data = a.Data, Ne = a.Ne, Nb = a.Nb, ViewSrc = a };
        node.Src[0] = a;
        node.Src[1] = b;

        TestGraph.Run(threads, node);

        float[] after = ReadAll(node);
        for (int i = 0; i < after.Length; i++)
        {
            AssertSame(before[i] + bias[i % 100], after[i], $"element {i}");
        }
    }

    [Fact]
    public void Add_QuantizedSrc0_DequantizesAddsAndRequantizesOrIsRejected()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.Q8_0, 64, 3);
        for (long blk = 0; blk < 6; blk++)
        {
            byte* p = a.DataPtr + blk * 34;
            *(ushort*)p = BitConverter.HalfToUInt16Bits((Half)0.05f);
            for (int i = 2; i < 34; i++)
            {
                p[i] = (byte)(i * 7 + blk);
            }
        }
        Tensor b = tt.New(GgmlType.F32, 64, 3);
        FillRandom(b, new Random(4));
        Tensor node = tt.Node(GgmlOp.Add, GgmlType.F32, [64, 3], a, b);
        if (RowFormats.Find(GgmlType.Q8_0) is not { } format)
        {
            Assert.NotNull(TestGraph.Rejection(node));
            return;
        }

        TestGraph.Run(3, node);

        var deq = new float[192];
        fixed (float* d = deq)
        {
            format.ToFloat(a.DataPtr, d, 192);
        }
        float[] bias = ReadAll(b);
        float[] actual = ReadAll(node);
        for (int i = 0; i < 192; i++)
        {
            AssertSame(deq[i] + bias[i], actual[i], $"element {i}");
        }
    }

    [Fact]
    public void Binary_Src1NotRepeatable_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Mul, GgmlType.F32, [8, 4], tt.New(GgmlType.F32, 8, 4), tt.New(GgmlType.F32, 8, 3));
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Theory]
    [InlineData(GgmlType.F32, GgmlType.F16, GgmlType.F32)]
    [InlineData(GgmlType.F32, GgmlType.F32, GgmlType.F16)]
    [InlineData(GgmlType.I32, GgmlType.I32, GgmlType.I32)]
    public void Binary_TypeMixGgmlLacks_IsRejected(GgmlType ta, GgmlType tb, GgmlType td)
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Add, td, [8, 4], tt.New(ta, 8, 4), tt.New(tb, 8, 4));
        Assert.NotNull(TestGraph.Rejection(node));
    }
}
