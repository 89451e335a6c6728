using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q8_K: 256 int8 with an fp32 scale and 16 int16 group sums (292 bytes); the activation format of the K-quants.
/// ggml-cpu has no dot product for it.
/// </summary>
internal sealed unsafe class Q8_KFormat : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 292;
    public const int QsOffset = 4;
    public const int BsumsOffset = 260;

    public override GgmlType Type => GgmlType.Q8_K;

    public override bool CanFromFloat => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = Unsafe.ReadUnaligned<float>(src);
            sbyte* q = (sbyte*)(src + QsOffset);
            for (int j = 0; j < BlockSize; j++)
            {
                dst[j] = d * q[j];
            }
        }
    }

    /// <summary><c>quantize_row_q8_K_ref</c> (what ggml-cpu uses on x86): scale −127/max, nearest_int, group sums.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float max = 0;
            float amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float ax = MathF.Abs(src[j]);
                if (ax > amax)
                {
                    amax = ax;
                    max = src[j];
                }
            }
            sbyte* q = (sbyte*)(dst + QsOffset);
            short* bsums = (short*)(dst + BsumsOffset);
            if (amax == 0)
            {
                new Span<byte>(dst, BlockBytes).Clear();
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < BlockSize; j++)
            {
                q[j] = (sbyte)Math.Min(127, QuantMath.NearestInt(iscale * src[j]));
            }
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int k = 0; k < 16; k++)
                {
                    sum += q[g * 16 + k];
                }
                Unsafe.WriteUnaligned(bsums + g, (short)sum);
            }
            Unsafe.WriteUnaligned(dst, 1 / iscale);
        }
    }
}
