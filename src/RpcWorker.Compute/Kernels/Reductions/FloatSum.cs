using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// Sums of packed float rows accumulated in double, as ggml's <c>ggml_vec_sum_f32</c> (<c>ggml_float</c> = double) and
/// the squared sums of RMS_NORM / L2_NORM (each square is rounded to float first, then added in double). The vector
/// tiers keep several double lanes; the order of double additions differs from ggml's sequential loop only far below
/// float precision.
/// </summary>
internal static unsafe class FloatSum
{
    /// <summary>Σ x[i] in double.</summary>
    public static double Sum(float* x, long n, SimdLevel level)
    {
        long i = 0;
        double sum = 0;
        if (level >= SimdLevel.Avx512 && n >= 16)
        {
            Vector512<double> a0 = Vector512<double>.Zero, a1 = Vector512<double>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                (Vector512<double> lo, Vector512<double> hi) = Vector512.Widen(Vector512.Load(x + i));
                a0 += lo;
                a1 += hi;
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Avx2 && n >= 8)
        {
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.Load(x + i));
                a0 += lo;
                a1 += hi;
            }
            sum = Vector256.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Vector128 && n >= 4)
        {
            Vector128<double> a0 = Vector128<double>.Zero, a1 = Vector128<double>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                (Vector128<double> lo, Vector128<double> hi) = Vector128.Widen(Vector128.Load(x + i));
                a0 += lo;
                a1 += hi;
            }
            sum = Vector128.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            sum += x[i];
        }
        return sum;
    }

    /// <summary>Σ (double)(x[i]·x[i]) with each product rounded to float, as RMS_NORM and L2_NORM accumulate.</summary>
    public static double SumOfSquares(float* x, long n, SimdLevel level)
    {
        long i = 0;
        double sum = 0;
        if (level >= SimdLevel.Avx512 && n >= 16)
        {
            Vector512<double> a0 = Vector512<double>.Zero, a1 = Vector512<double>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> v = Vector512.Load(x + i);
                (Vector512<double> lo, Vector512<double> hi) = Vector512.Widen(v * v);
                a0 += lo;
                a1 += hi;
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Avx2 && n >= 8)
        {
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> v = Vector256.Load(x + i);
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(v * v);
                a0 += lo;
                a1 += hi;
            }
            sum = Vector256.Sum(a0 + a1);
        }
        else if (level >= SimdLevel.Vector128 && n >= 4)
        {
            Vector128<double> a0 = Vector128<double>.Zero, a1 = Vector128<double>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                Vector128<float> v = Vector128.Load(x + i);
                (Vector128<double> lo, Vector128<double> hi) = Vector128.Widen(v * v);
                a0 += lo;
                a1 += hi;
            }
            sum = Vector128.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            sum += Square(x[i]);
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Square(float v) => v * v;
}
