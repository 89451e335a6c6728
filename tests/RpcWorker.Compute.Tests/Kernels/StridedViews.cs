using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Kernels;

/// <summary>
/// Non-contiguous inputs for kernel tests (permuted axes, padded rows) and element access through any strides, so the
/// scalar references read exactly the elements a kernel must read.
/// </summary>
public static unsafe class StridedViews
{
    /// <summary>The layouts every strided test runs over.</summary>
    public enum Strides
    {
        Contiguous,
        PaddedRows,
        Permuted,
    }

    /// <summary>
    /// A tensor of logical shape <paramref name="ne"/> filled with random values in [lo, hi): contiguous, with rows padded
    /// by 3 elements (nb1 &gt; ne0·size), or stored with dims 1 and 2 swapped (ggml_permute(0, 2, 1, 3) of a packed base).
    /// </summary>
    public static Tensor Create(TestTensors tt, GgmlType type, long[] ne, Strides layout, Random rng, float lo = -1f, float hi = 1f)
    {
        long[] full = [ne[0], ne.Length > 1 ? ne[1] : 1, ne.Length > 2 ? ne[2] : 1, ne.Length > 3 ? ne[3] : 1];
        switch (layout)
        {
            case Strides.PaddedRows:
            {
                Tensor b = tt.New(type, full[0] + 3, full[1], full[2], full[3]);
                TestTensors.FillRandom(b, rng, lo, hi);
                return TestTensors.View(b, 0, full, [b.Nb[0], b.Nb[1], b.Nb[2], b.Nb[3]]);
            }
            case Strides.Permuted:
            {
                Tensor b = tt.New(type, full[0], full[2], full[1], full[3]);
                TestTensors.FillRandom(b, rng, lo, hi);
                return TestTensors.View(b, 0, full, [b.Nb[0], b.Nb[2], b.Nb[1], b.Nb[3]]);
            }
            default:
            {
                Tensor t = tt.New(type, full);
                TestTensors.FillRandom(t, rng, lo, hi);
                return t;
            }
        }
    }

    /// <summary>A view of <paramref name="t"/> with its axes permuted as <c>ggml_permute(t, p0, p1, p2, p3)</c>.</summary>
    public static Tensor Permute(Tensor t, int p0, int p1, int p2, int p3)
    {
        int[] p = [p0, p1, p2, p3];
        var ne = new long[4];
        var nb = new long[4];
        for (int i = 0; i < 4; i++)
        {
            ne[p[i]] = t.Ne[i];
            nb[p[i]] = t.Nb[i];
        }
        return TestTensors.View(t, 0, ne, nb);
    }

    /// <summary>Element (i0..i3) of an F32/F16/BF16 tensor as float.</summary>
    public static float Get(Tensor t, long i0, long i1 = 0, long i2 = 0, long i3 = 0)
    {
        byte* at = t.ElementPtr(i0, i1, i2, i3);
        return t.Type switch
        {
            GgmlType.F32 => *(float*)at,
            GgmlType.F16 => Fp16.ToSingle(*(ushort*)at),
            GgmlType.BF16 => Bf16.ToSingle(*(ushort*)at),
            _ => throw new NotSupportedException(t.Type.ToString()),
        };
    }

    public static int GetI32(Tensor t, long i0, long i1 = 0, long i2 = 0, long i3 = 0) => *(int*)t.ElementPtr(i0, i1, i2, i3);

    public static void SetI32(Tensor t, int value, long i0, long i1 = 0, long i2 = 0, long i3 = 0) =>
        *(int*)t.ElementPtr(i0, i1, i2, i3) = value;

    public static void SetF32(Tensor t, float value, long i0, long i1 = 0, long i2 = 0, long i3 = 0) =>
        *(float*)t.ElementPtr(i0, i1, i2, i3) = value;

    /// <summary>Asserts two floats are the same bits (NaNs of any payload count as equal).</summary>
    public static void AssertSame(float expected, float actual, string where)
    {
        if (float.IsNaN(expected) && float.IsNaN(actual))
        {
            return;
        }
        Assert.True(
            BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{where}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>Asserts |expected - actual| ≤ tol·max(1, |expected|).</summary>
    public static void AssertClose(float expected, float actual, float tol, string where)
    {
        float bound = tol * Math.Max(1f, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= bound, $"{where}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>Runs <paramref name="check"/> for every index (i0..i3) of <paramref name="shape"/>.</summary>
    public static void ForEach(Tensor shape, Action<long, long, long, long> check)
    {
        for (long i3 = 0; i3 < shape.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < shape.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < shape.Ne[1]; i1++)
                {
                    for (long i0 = 0; i0 < shape.Ne[0]; i0++)
                    {
                        check(i0, i1, i2, i3);
                    }
                }
            }
        }
    }
}
