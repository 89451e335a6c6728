using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Formats.Quants;

/// <summary>Inputs and helpers shared by the quantized-format tests.</summary>
internal static unsafe class QuantTestData
{
    /// <summary>ggml's test-quantize-fns <c>generate_data</c>: 0.1 + 2·cos(i + offset).</summary>
    public static float[] Cosine(float offset, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(0.1 + 2 * MathF.Cos(i + offset));
        }
        return a;
    }

    /// <summary>Deterministic pseudo-random floats in [−scale, scale].</summary>
    public static float[] Random(int seed, int n, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        }
        return a;
    }

    /// <summary>Quantizes <paramref name="values"/> with <paramref name="format"/>.</summary>
    public static byte[] Quantize(RowFormat format, float[] values)
    {
        var q = new byte[TypeTraits.RowSize(format.Type, values.Length)];
        fixed (float* s = values)
        fixed (byte* d = q)
        {
            format.FromFloat(s, d, values.Length);
        }
        return q;
    }

    /// <summary>Dequantizes <paramref name="n"/> values.</summary>
    public static float[] Dequantize(RowFormat format, byte[] q, int n)
    {
        var f = new float[n];
        fixed (byte* s = q)
        fixed (float* d = f)
        {
            format.ToFloat(s, d, n);
        }
        return f;
    }

    /// <summary>Dot product through <see cref="RowFormat.VecDot"/>.</summary>
    public static float Dot(RowFormat format, byte[] x, byte[] y, int n)
    {
        fixed (byte* px = x)
        fixed (byte* py = y)
        {
            return format.VecDot(n, px, py);
        }
    }

    /// <summary>test-quantize-fns <c>array_rmse</c>: sqrt(Σ diff²)/n.</summary>
    public static float Rmse(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double diff = a[i] - b[i];
            sum += diff * diff;
        }
        return (float)(Math.Sqrt(sum) / a.Length);
    }
}
