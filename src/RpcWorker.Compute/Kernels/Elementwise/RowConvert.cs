using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// Moves runs of elements of the plain element types (F32, F16, BF16, I32) between tensor memory and float buffers,
/// converting as ggml-cpu's <c>type_conversion_table</c> does (round to nearest even for F16/BF16, truncation for I32).
/// Strides are in bytes; a stride equal to the element size takes the vectorized path.
/// </summary>
internal static unsafe class RowConvert
{
    /// <summary>Elements per chunk the kernels stage through stack buffers.</summary>
    public const int Chunk = 512;

    /// <summary>True for the types <see cref="Load"/>/<see cref="Store"/> handle.</summary>
    public static bool IsPlain(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.I32;

    /// <summary>True for F32, F16 and BF16.</summary>
    public static bool IsFloat(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;

    /// <summary>Reads <paramref name="n"/> elements of <paramref name="type"/> from <paramref name="src"/> (byte stride <paramref name="stride"/>) as floats.</summary>
    public static void Load(GgmlType type, byte* src, long stride, float* dst, int n)
    {
        switch (type)
        {
            case GgmlType.F32:
                if (stride == sizeof(float))
                {
                    Buffer.MemoryCopy(src, dst, (long)n * sizeof(float), (long)n * sizeof(float));
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = *(float*)(src + i * stride);
                    }
                }
                break;
            case GgmlType.F16:
                if (stride == sizeof(ushort))
                {
                    Fp16.ToSingle((ushort*)src, dst, n);
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = Fp16.ToSingle(*(ushort*)(src + i * stride));
                    }
                }
                break;
            case GgmlType.BF16:
                for (int i = 0; i < n; i++)
                {
                    dst[i] = Bf16.ToSingle(*(ushort*)(src + i * stride));
                }
                break;
            case GgmlType.I32:
                for (int i = 0; i < n; i++)
                {
                    dst[i] = *(int*)(src + i * stride);
                }
                break;
            default:
                throw new NotSupportedException($"no element conversion for {type}");
        }
    }

    /// <summary>Writes <paramref name="n"/> floats to <paramref name="dst"/> (byte stride <paramref name="stride"/>) as <paramref name="type"/>.</summary>
    public static void Store(GgmlType type, float* src, byte* dst, long stride, int n)
    {
        switch (type)
        {
            case GgmlType.F32:
                if (stride == sizeof(float))
                {
                    Buffer.MemoryCopy(src, dst, (long)n * sizeof(float), (long)n * sizeof(float));
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        *(float*)(dst + i * stride) = src[i];
                    }
                }
                break;
            case GgmlType.F16:
                if (stride == sizeof(ushort))
                {
                    Fp16.FromSingle(src, (ushort*)dst, n);
                }
                else
                {
                    StoreHalfStrided(src, dst, stride, n);
                }
                break;
            case GgmlType.BF16:
                for (int i = 0; i < n; i++)
                {
                    *(ushort*)(dst + i * stride) = Bf16.FromSingle(src[i]);
                }
                break;
            case GgmlType.I32:
                for (int i = 0; i < n; i++)
                {
                    *(int*)(dst + i * stride) = ToInt32(src[i]);
                }
                break;
            default:
                throw new NotSupportedException($"no element conversion for {type}");
        }
    }

    /// <summary>Reads one element of <paramref name="type"/> as a float.</summary>
    public static float LoadOne(GgmlType type, byte* src) => type switch
    {
        GgmlType.F32 => *(float*)src,
        GgmlType.F16 => Fp16.ToSingle(*(ushort*)src),
        GgmlType.BF16 => Bf16.ToSingle(*(ushort*)src),
        GgmlType.I32 => *(int*)src,
        _ => throw new NotSupportedException($"no element conversion for {type}"),
    };

    /// <summary>C's float-to-int32 conversion as x86 performs it (<c>cvttss2si</c>): truncation, and int.MinValue for NaN and out-of-range values.</summary>
    public static int ToInt32(float value) =>
        value >= -2147483648f && value < 2147483648f ? (int)value : int.MinValue;

    [System.Runtime.CompilerServices.SkipLocalsInit]
    private static void StoreHalfStrided(float* src, byte* dst, long stride, int n)
    {
        ushort* tmp = stackalloc ushort[Chunk];
        for (int i0 = 0; i0 < n; i0 += Chunk)
        {
            int len = Math.Min(Chunk, n - i0);
            Fp16.FromSingle(src + i0, tmp, len);
            for (int i = 0; i < len; i++)
            {
                *(ushort*)(dst + (i0 + i) * stride) = tmp[i];
            }
        }
    }
}
