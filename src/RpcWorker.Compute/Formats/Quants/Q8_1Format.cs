using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q8_1: Q8_0 plus the fp16 of d·Σq (36 bytes); the activation format of Q4_1 and Q5_1. No dot product of its own.</summary>
internal sealed unsafe class Q8_1Format : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 36;

    public override GgmlType Type => GgmlType.Q8_1;

    public override bool CanFromFloat => true;

    /// <summary>ggml has no <c>to_float</c> for Q8_1; the values are d·q like Q8_0 (the stored sum is ignored).</summary>
    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            sbyte* q = (sbyte*)(src + 4);
            for (int j = 0; j < BlockSize; j++)
            {
                dst[j] = q[j] * d;
            }
        }
    }

    /// <summary>ggml-cpu's x86 <c>quantize_row_q8_1</c>: Q8_0's AVX rounding, s = fp16(d·Σq) with the unrounded d.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        if (Avx2.IsSupported)
        {
            FromFloatAvx2(src, dst, n);
        }
        else
        {
            FromFloatScalar(src, dst, n);
        }
    }

    internal static void FromFloatScalar(float* src, byte* dst, long n)
    {
        byte* tmp = stackalloc byte[Q8_0Format.BlockBytes];
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            Q8_0Format.QuantizeBlock(src, tmp, out int sum, out float amax);
            float d = amax / 127f;
            dst[0] = tmp[0];
            dst[1] = tmp[1];
            QuantMath.StoreHalf(dst + 2, d * sum);
            new ReadOnlySpan<byte>(tmp + 2, BlockSize).CopyTo(new Span<byte>(dst + 4, BlockSize));
        }
    }

    internal static void FromFloatAvx2(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            Vector256<sbyte> q = Q8_0Format.QuantizeAvx2(src, out float amax);
            float d = amax / 127f;
            QuantMath.StoreHalf(dst, d);
            QuantMath.StoreHalf(dst + 2, d * Vector256.Sum(SimdOps.DotU8(Vector256.Create((byte)1), q)));
            Avx.Store((sbyte*)(dst + 4), q);
        }
    }
}
