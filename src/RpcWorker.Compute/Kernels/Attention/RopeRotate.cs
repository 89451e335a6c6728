using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// The rotation step of RoPE (ggml's <c>rotate_pairs</c>) on float rows at a chosen <see cref="SimdLevel"/>.
/// Pair i is rotated by (cos[i], sin[i]); for adjacent pairs the caller passes the expanded tables described below.
/// </summary>
internal static unsafe class RopeRotate
{
    /// <summary>
    /// Pairs (i, i + <paramref name="offset"/>) for i in [0, <paramref name="count"/>) (NeoX, multi-section and vision):
    /// d[i] = x0·cos − x1·sin, d[i+offset] = x0·sin + x1·cos. <paramref name="dst"/> may equal <paramref name="src"/>.
    /// </summary>
    public static void Split(float* src, float* dst, float* cos, float* sin, int count, int offset, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512<float> x0 = Vector512.Load(src + i), x1 = Vector512.Load(src + i + offset);
                Vector512<float> c = Vector512.Load(cos + i), s = Vector512.Load(sin + i);
                (x0 * c - x1 * s).Store(dst + i);
                (x0 * s + x1 * c).Store(dst + i + offset);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector256<float> x0 = Vector256.Load(src + i), x1 = Vector256.Load(src + i + offset);
                Vector256<float> c = Vector256.Load(cos + i), s = Vector256.Load(sin + i);
                (x0 * c - x1 * s).Store(dst + i);
                (x0 * s + x1 * c).Store(dst + i + offset);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; i + 4 <= count; i += 4)
            {
                Vector128<float> x0 = Vector128.Load(src + i), x1 = Vector128.Load(src + i + offset);
                Vector128<float> c = Vector128.Load(cos + i), s = Vector128.Load(sin + i);
                (x0 * c - x1 * s).Store(dst + i);
                (x0 * s + x1 * c).Store(dst + i + offset);
            }
        }
        for (; i < count; i++)
        {
            float x0 = src[i], x1 = src[i + offset];
            dst[i] = x0 * cos[i] - x1 * sin[i];
            dst[i + offset] = x0 * sin[i] + x1 * cos[i];
        }
    }

    /// <summary>
    /// Adjacent pairs (2i, 2i+1) for <paramref name="n"/> elements (normal mode) with expanded tables:
    /// <paramref name="cos2"/>[2i] = <paramref name="cos2"/>[2i+1] = cos_i, <paramref name="sin2"/>[2i] = −sin_i,
    /// <paramref name="sin2"/>[2i+1] = sin_i; then d = x·cos2 + swap(x)·sin2.
    /// </summary>
    public static void Adjacent(float* src, float* dst, float* cos2, float* sin2, int n, SimdLevel level)
    {
        int i = 0;
        if (level >= SimdLevel.Avx512)
        {
            Vector512<int> swap = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> x = Vector512.Load(src + i);
                (x * Vector512.Load(cos2 + i) + Vector512.Shuffle(x, swap) * Vector512.Load(sin2 + i)).Store(dst + i);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> x = Vector256.Load(src + i);
                (x * Vector256.Load(cos2 + i) + Vector256.Shuffle(x, swap) * Vector256.Load(sin2 + i)).Store(dst + i);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            Vector128<int> swap = Vector128.Create(1, 0, 3, 2);
            for (; i + 4 <= n; i += 4)
            {
                Vector128<float> x = Vector128.Load(src + i);
                (x * Vector128.Load(cos2 + i) + Vector128.Shuffle(x, swap) * Vector128.Load(sin2 + i)).Store(dst + i);
            }
        }
        for (; i < n; i += 2)
        {
            float x0 = src[i], x1 = src[i + 1];
            dst[i] = x0 * cos2[i] + x1 * sin2[i];
            dst[i + 1] = x1 * cos2[i + 1] + x0 * sin2[i + 1];
        }
    }
}
