using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.Norms;

/// <summary>Row arithmetic shared by the norm kernels, bit-exact with ggml-cpu's AVX-512 build at every SIMD tier.</summary>
internal static unsafe class NormMath
{
    /// <summary>
    /// <c>ggml_vec_cvar_f32</c>: writes y = x - mean and returns Σ(x - mean)² / n. ggml adds each 16-element block's
    /// squares in float with <c>_mm512_reduce_add_ps</c> (halves folded 16→8→4, then (s0+s2)+(s1+s3)) and that block sum
    /// in double; the tail is squared in float and added in double. Every tier here performs those same float operations.
    /// </summary>
    public static double CenteredVariance(float* y, float* x, long n, float mean, SimdLevel level)
    {
        long i = 0;
        double sum = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<float> m = Vector512.Create(mean);
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> v = Vector512.Load(x + i) - m;
                v.Store(y + i);
                v *= v;
                sum += Fold(v.GetLower() + v.GetUpper());
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<float> m = Vector256.Create(mean);
            for (; i + 16 <= n; i += 16)
            {
                Vector256<float> lo = Vector256.Load(x + i) - m;
                Vector256<float> hi = Vector256.Load(x + i + 8) - m;
                lo.Store(y + i);
                hi.Store(y + i + 8);
                sum += Fold((lo * lo) + (hi * hi));
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<float> m = Vector128.Create(mean);
            for (; i + 16 <= n; i += 16)
            {
                Vector128<float> a0 = Vector128.Load(x + i) - m;
                Vector128<float> a1 = Vector128.Load(x + i + 4) - m;
                Vector128<float> a2 = Vector128.Load(x + i + 8) - m;
                Vector128<float> a3 = Vector128.Load(x + i + 12) - m;
                a0.Store(y + i);
                a1.Store(y + i + 4);
                a2.Store(y + i + 8);
                a3.Store(y + i + 12);
                Vector128<float> t3lo = (a0 * a0) + (a2 * a2);
                Vector128<float> t3hi = (a1 * a1) + (a3 * a3);
                sum += Fold(t3lo + t3hi);
            }
        }
        else
        {
            float* sq = stackalloc float[16];
            for (; i + 16 <= n; i += 16)
            {
                for (int j = 0; j < 16; j++)
                {
                    float v = x[i + j] - mean;
                    y[i + j] = v;
                    sq[j] = v * v;
                }
                for (int j = 0; j < 8; j++)
                {
                    sq[j] += sq[j + 8];
                }
                for (int j = 0; j < 4; j++)
                {
                    sq[j] += sq[j + 4];
                }
                sum += (sq[0] + sq[2]) + (sq[1] + sq[3]);
            }
        }
        for (; i < n; i++)
        {
            float v = x[i] - mean;
            y[i] = v;
            sum += v * v;
        }
        return sum / n;
    }

    private static float Fold(Vector256<float> t8) => Fold(t8.GetLower() + t8.GetUpper());

    private static float Fold(Vector128<float> t4) =>
        (t4.GetElement(0) + t4.GetElement(2)) + (t4.GetElement(1) + t4.GetElement(3));

    /// <summary>y[i] = x[i]·s for packed rows (x and y may be the same row).</summary>
    public static void Scale(float* x, float* y, long n, float s)
    {
        while (n > 0)
        {
            int chunk = (int)Math.Min(n, 1 << 30);
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(x, chunk), s, new Span<float>(y, chunk));
            x += chunk;
            y += chunk;
            n -= chunk;
        }
    }
}
