namespace RpcWorker.Compute.Tests.Kernels;

/// <summary>
/// Element-level access to tensors of the plain types (F32, F16, BF16, I32) through their strides, for scalar test
/// references. Conversions here are written independently of the engine's formats (System.Half, bit arithmetic).
/// </summary>
internal static unsafe class ElementAccess
{
    public static float Get(Tensor t, long i0, long i1, long i2, long i3)
    {
        byte* p = t.ElementPtr(i0, i1, i2, i3);
        return t.Type switch
        {
            GgmlType.F32 => *(float*)p,
            GgmlType.F16 => (float)BitConverter.UInt16BitsToHalf(*(ushort*)p),
            GgmlType.BF16 => BitConverter.Int32BitsToSingle(*(ushort*)p << 16),
            GgmlType.I32 => *(int*)p,
            _ => throw new NotSupportedException(t.Type.ToString()),
        };
    }

    public static void Set(Tensor t, long i0, long i1, long i2, long i3, float v)
    {
        byte* p = t.ElementPtr(i0, i1, i2, i3);
        switch (t.Type)
        {
            case GgmlType.F32:
                *(float*)p = v;
                break;
            case GgmlType.F16:
                *(ushort*)p = BitConverter.HalfToUInt16Bits((Half)v);
                break;
            case GgmlType.BF16:
                *(ushort*)p = ToBf16(v);
                break;
            case GgmlType.I32:
                *(int*)p = ToInt32(v);
                break;
            default:
                throw new NotSupportedException(t.Type.ToString());
        }
    }

    /// <summary>The value <paramref name="v"/> becomes once stored as <paramref name="type"/> and read back as float.</summary>
    public static float Round(GgmlType type, float v) => type switch
    {
        GgmlType.F32 => v,
        GgmlType.F16 => (float)(Half)v,
        GgmlType.BF16 => BitConverter.Int32BitsToSingle(ToBf16(v) << 16),
        GgmlType.I32 => ToInt32(v),
        _ => throw new NotSupportedException(type.ToString()),
    };

    /// <summary>ggml's fp32→bf16: round to nearest even, NaN forced quiet.</summary>
    public static ushort ToBf16(float v)
    {
        uint u = BitConverter.SingleToUInt32Bits(v);
        if ((u & 0x7fffffff) > 0x7f800000)
        {
            return (ushort)((u >> 16) | 64);
        }
        return (ushort)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
    }

    /// <summary>x86 <c>cvttss2si</c>: truncate; NaN and out-of-range give int.MinValue.</summary>
    public static int ToInt32(float v) => !float.IsNaN(v) && v >= -2147483648f && v < 2147483648f ? (int)v : int.MinValue;

    /// <summary>All index tuples of <paramref name="t"/> in row-major order (i0 fastest).</summary>
    public static IEnumerable<(long I0, long I1, long I2, long I3)> Indices(Tensor t)
    {
        for (long i3 = 0; i3 < t.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < t.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < t.Ne[1]; i1++)
                {
                    for (long i0 = 0; i0 < t.Ne[0]; i0++)
                    {
                        yield return (i0, i1, i2, i3);
                    }
                }
            }
        }
    }

    /// <summary>The elements of <paramref name="t"/> as floats in row-major order.</summary>
    public static float[] ReadAll(Tensor t) => Indices(t).Select(i => Get(t, i.I0, i.I1, i.I2, i.I3)).ToArray();

    /// <summary>Fills every element of <paramref name="t"/> (view or not) with uniform values in [lo, hi).</summary>
    public static void FillRandom(Tensor t, Random rng, float lo = -1f, float hi = 1f)
    {
        foreach (var (i0, i1, i2, i3) in Indices(t))
        {
            Set(t, i0, i1, i2, i3, lo + (float)rng.NextDouble() * (hi - lo));
        }
    }

    /// <summary>A view of <paramref name="t"/> with dimensions <paramref name="a"/> and <paramref name="b"/> swapped.</summary>
    public static Tensor Permute(Tensor t, int a, int b)
    {
        long[] ne = [t.Ne[0], t.Ne[1], t.Ne[2], t.Ne[3]];
        long[] nb = [t.Nb[0], t.Nb[1], t.Nb[2], t.Nb[3]];
        (ne[a], ne[b]) = (ne[b], ne[a]);
        (nb[a], nb[b]) = (nb[b], nb[a]);
        return TestTensors.View(t, 0, ne, nb);
    }

    /// <summary>A view of the leading <paramref name="ne"/> elements of a larger tensor (rows keep the parent's strides).</summary>
    public static Tensor SubView(Tensor parent, params long[] ne) =>
        TestTensors.View(parent, 0, [.. ne, .. Enumerable.Repeat(1L, Tensor.MaxDims - ne.Length)],
            [parent.Nb[0], parent.Nb[1], parent.Nb[2], parent.Nb[3]]);

    /// <summary>Asserts two floats are the same value (NaN equals NaN; +0 and -0 differ only when <paramref name="signedZero"/>).</summary>
    public static void AssertSame(float expected, float actual, string where, bool signedZero = false)
    {
        if (float.IsNaN(expected) && float.IsNaN(actual))
        {
            return;
        }
        bool same = signedZero
            ? BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual)
            : expected == actual;
        Assert.True(same, $"{where}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>Asserts |expected-actual| is within <paramref name="ulps"/> units in the last place of float.</summary>
    public static void AssertUlps(float expected, float actual, int ulps, string where)
    {
        if (float.IsNaN(expected) && float.IsNaN(actual))
        {
            return;
        }
        if (expected == actual)
        {
            return;
        }
        int a = BitConverter.SingleToInt32Bits(expected);
        int b = BitConverter.SingleToInt32Bits(actual);
        long diff = (a < 0) == (b < 0) ? Math.Abs((long)a - b) : long.MaxValue;
        Assert.True(diff <= ulps, $"{where}: expected {expected:R}, got {actual:R} ({diff} ulps)");
    }
}
