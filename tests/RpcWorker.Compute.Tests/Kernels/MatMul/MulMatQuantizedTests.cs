using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

/// <summary>
/// MUL_MAT over every registered quantized row format with a quantizer (to build weights). Where the format has a dot
/// product and its <c>vec_dot_type</c> a quantizer, each output must equal the dot product of the dequantized weights
/// with the activations after their round trip through the <c>vec_dot_type</c>; otherwise validation must refuse the node.
/// </summary>
public class MulMatQuantizedTests
{
    public static TheoryData<GgmlType> QuantizedTypes()
    {
        var data = new TheoryData<GgmlType>();
        foreach (GgmlType t in Enum.GetValues<GgmlType>())
        {
            if (TypeTraits.TryGet((uint)t, out TypeInfo? info) && info.Value.IsQuantized && RowFormats.Find(t) is { CanFromFloat: true })
            {
                data.Add(t);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(QuantizedTypes))]
    public void MulMat_MatchesDequantizedReference(GgmlType type)
    {
        if (!IsTestable(type))
        {
            using var tt = new TestTensors();
            long n = TypeTraits.BlockSize(type) * 256L;
            Tensor node = tt.Node(GgmlOp.MulMat, GgmlType.F32, [2, 1], tt.New(type, n, 2), tt.New(GgmlType.F32, n, 1));
            Assert.NotNull(new MulMatKernel().Validate(node));
            return;
        }
        long bs = Math.Max(TypeTraits.BlockSize(type), TypeTraits.BlockSize(RowFormats.Get(type).VecDotType));
        var rng = new Random(17);
        Check(type, bs * 2, 9, 5, [2, 1], 2, rng);
        Check(type, bs, 3, 1, [1, 2], 3, rng);
        Check(type, bs * 3, 20, 17, [1, 1], 2, rng);
    }

    /// <summary>True when MUL_MAT can run the type: a dot product, and a quantizer for its <c>vec_dot_type</c>.</summary>
    private static bool IsTestable(GgmlType t) =>
        RowFormats.Find(t) is { CanVecDot: true } f && RowFormats.Find(f.VecDotType) is { CanFromFloat: true };

    private static unsafe float[] RoundTrip(RowFormat format, float[] values, long rowLength)
    {
        long rows = values.Length / rowLength;
        var q = new byte[TypeTraits.RowSize(format.Type, rowLength) * rows];
        var back = new float[values.Length];
        fixed (float* src = values)
        fixed (byte* mid = q)
        fixed (float* dst = back)
        {
            format.FromFloat(src, mid, values.Length);
            format.ToFloat(mid, dst, values.Length);
        }
        return back;
    }

    private static void Check(GgmlType type, long k, long m, long n, long[] nr, int threads, Random rng)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(type, k, m, 2);
        Tensor b = tt.New(GgmlType.F32, k, n, 2 * nr[0], nr[1]);
        var av = new float[a.NElements];
        var bv = new float[b.NElements];
        for (int i = 0; i < av.Length; i++)
        {
            av[i] = (float)((rng.NextDouble() * 2) - 1);
        }
        for (int i = 0; i < bv.Length; i++)
        {
            bv[i] = (float)((rng.NextDouble() * 2) - 1);
        }
        TestTensors.Write(a, av);
        TestTensors.Write(b, bv);
        float[] w = TestTensors.Read(a);
        float[] x = RoundTrip(RowFormats.Get(RowFormats.Get(type).VecDotType), bv, k);
        Tensor node = tt.Node(GgmlOp.MulMat, GgmlType.F32, [m, n, 2 * nr[0], nr[1]], a, b);
        KernelRunner.Run(new MulMatKernel(), node, threads);
        float[] got = TestTensors.Read(node);
        // Q8_1 keeps each block's d·Σq as fp16, so the min term of Q4_1/Q5_1 carries that rounding too.
        double relative = RowFormats.Get(type).VecDotType == GgmlType.Q8_1 ? 3e-3 : 1e-4;
        for (long i3 = 0; i3 < nr[1]; i3++)
        {
            for (long i2 = 0; i2 < 2 * nr[0]; i2++)
            {
                for (long i1 = 0; i1 < n; i1++)
                {
                    for (long i0 = 0; i0 < m; i0++)
                    {
                        long wOff = (i0 + (m * (i2 / nr[0]))) * k;
                        long xOff = (i1 + (n * (i2 + (2 * nr[0] * i3)))) * k;
                        double sum = 0;
                        double mag = 0;
                        for (long i = 0; i < k; i++)
                        {
                            double v = (double)w[wOff + i] * x[xOff + i];
                            sum += v;
                            mag += Math.Abs(v);
                        }
                        long idx = i0 + (m * (i1 + (n * (i2 + (2 * nr[0] * i3)))));
                        Reference.AssertClose(sum, mag, got[idx], $"{type} k={k} at [{i0},{i1},{i2},{i3}]", relative);
                    }
                }
            }
        }
    }
}
