using static RpcWorker.Compute.Tests.Kernels.ElementAccess;

namespace RpcWorker.Compute.Tests.Kernels.Elementwise;

/// <summary>ADD1, SCALE, FILL, ARANGE, CLAMP and LEAKY_RELU: ops driven by a scalar or by op_params.</summary>
public class ScalarParamKernelTests
{
    [Theory]
    [InlineData(GgmlType.F32, GgmlType.F32, 1)]
    [InlineData(GgmlType.F16, GgmlType.F16, 3)]
    [InlineData(GgmlType.F16, GgmlType.F32, 3)]
    [InlineData(GgmlType.BF16, GgmlType.BF16, 1)]
    [InlineData(GgmlType.BF16, GgmlType.F32, 3)]
    public void Add1_AddsTheScalarInSrc0Type(GgmlType ta, GgmlType tb, int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(ta, 515, 3, 2);
        Tensor b = tt.New(tb, 1);
        FillRandom(a, new Random(1), -3f, 3f);
        Set(b, 0, 0, 0, 0, 0.3125f);
        Tensor node = tt.Node(GgmlOp.Add1, ta, [515, 3, 2], a, b);

        TestGraph.Run(threads, node);

        float v = Get(b, 0, 0, 0, 0);
        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            AssertSame(Round(ta, Get(a, i0, i1, i2, i3) + v), Get(node, i0, i1, i2, i3), $"[{i0},{i1},{i2}]");
        }
    }

    [Fact]
    public void Add1_NonScalarSrc1_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Add1, GgmlType.F32, [8], tt.New(GgmlType.F32, 8), tt.New(GgmlType.F32, 2));
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Theory]
    [InlineData(2.5f, 0f, 1)]
    [InlineData(-0.75f, 1.25f, 3)]
    public void Scale_MultipliesAndAddsBias(float s, float bias, int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 77, 5);
        FillRandom(a, new Random(2), -10f, 10f);
        Tensor node = tt.Node(GgmlOp.Scale, GgmlType.F32, [77, 5], a);
        node.Params[0] = BitConverter.SingleToInt32Bits(s);
        node.Params[1] = BitConverter.SingleToInt32Bits(bias);

        TestGraph.Run(threads, node);

        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x = Get(a, i0, i1, i2, i3);
            float expected = bias == 0f ? x * s : MathF.FusedMultiplyAdd(x, s, bias);
            AssertSame(expected, Get(node, i0, i1, i2, i3), $"[{i0},{i1}]");
        }
    }

    [Fact]
    public void Scale_NonContiguousSource_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Scale, GgmlType.F32, [4, 8], Permute(tt.New(GgmlType.F32, 8, 4), 0, 1));
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Theory]
    [InlineData(GgmlType.F32, 1)]
    [InlineData(GgmlType.F16, 3)]
    public void Fill_WritesTheValueEverywhere(GgmlType type, int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(type, 33, 4, 3);
        Tensor node = tt.Node(GgmlOp.Fill, type, [33, 4, 3], a);
        node.Params[0] = BitConverter.SingleToInt32Bits(-1.1f);

        TestGraph.Run(threads, node);

        foreach (float v in ReadAll(node))
        {
            AssertSame(Round(type, -1.1f), v, "element");
        }
    }

    [Theory]
    [InlineData(0f, 10f, 1f, 1)]
    [InlineData(-3f, 7.5f, 0.25f, 3)]
    [InlineData(5f, -5f, -0.5f, 3)]
    public void Arange_WritesStartPlusStepTimesIndex(float start, float stop, float step, int threads)
    {
        using var tt = new TestTensors();
        long n = (long)MathF.Ceiling((stop - start) / step);
        Tensor node = tt.Node(GgmlOp.Arange, GgmlType.F32, [n]);
        node.Params[0] = BitConverter.SingleToInt32Bits(start);
        node.Params[1] = BitConverter.SingleToInt32Bits(stop);
        node.Params[2] = BitConverter.SingleToInt32Bits(step);

        TestGraph.Run(threads, node);

        for (long i = 0; i < n; i++)
        {
            AssertSame(start + step * i, Get(node, i, 0, 0, 0), $"element {i}");
        }
    }

    [Fact]
    public void Arange_WrongElementCount_IsRejected()
    {
        using var tt = new TestTensors();
        Tensor node = tt.Node(GgmlOp.Arange, GgmlType.F32, [5]);
        node.Params[0] = BitConverter.SingleToInt32Bits(0f);
        node.Params[1] = BitConverter.SingleToInt32Bits(10f);
        node.Params[2] = BitConverter.SingleToInt32Bits(1f);
        Assert.NotNull(TestGraph.Rejection(node));
    }

    [Theory]
    [InlineData(GgmlType.F32, 1)]
    [InlineData(GgmlType.F16, 3)]
    public void Clamp_UsesGgmlMinMaxMacros(GgmlType type, int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(type, 45, 3, 2);
        FillRandom(a, new Random(3), -4f, 4f);
        Set(a, 0, 0, 0, 0, float.NaN);
        Tensor node = tt.Node(GgmlOp.Clamp, type, [45, 3, 2], a);
        node.Params[0] = BitConverter.SingleToInt32Bits(-1.5f);
        node.Params[1] = BitConverter.SingleToInt32Bits(2f);

        TestGraph.Run(threads, node);

        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x = Get(a, i0, i1, i2, i3);
            float t = x < 2f ? x : 2f;
            AssertSame(Round(type, t > -1.5f ? t : -1.5f), Get(node, i0, i1, i2, i3), $"clamp({x})");
        }
    }

    [Theory]
    [InlineData(GgmlType.F32, 1)]
    [InlineData(GgmlType.F16, 3)]
    public void LeakyRelu_ScalesNegativeValues(GgmlType type, int threads)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(type, 600, 3);
        FillRandom(a, new Random(4), -4f, 4f);
        Tensor node = tt.Node(GgmlOp.LeakyRelu, type, [600, 3], a);
        node.Params[0] = BitConverter.SingleToInt32Bits(0.1f);

        TestGraph.Run(threads, node);

        foreach (var (i0, i1, i2, i3) in Indices(node))
        {
            float x = Get(a, i0, i1, i2, i3);
            AssertSame(Round(type, (x > 0 ? x : 0) + 0.1f * (x < 0 ? x : 0)), Get(node, i0, i1, i2, i3), $"leaky({x})");
        }
    }
}
