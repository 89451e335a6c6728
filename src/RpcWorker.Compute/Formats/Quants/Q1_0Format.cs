namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q1_0: blocks of 128 signs ±d with an fp16 d = mean |x| (18 bytes); dot with Q8_0 (four Q8_0 blocks per block).</summary>
internal sealed unsafe class Q1_0Format : RowFormat
{
    public const int BlockSize = 128;
    public const int BlockBytes = 18;

    public override GgmlType Type => GgmlType.Q1_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            float negD = -d;
            byte* q = src + 2;
            for (int j = 0; j < BlockSize; j++)
            {
                dst[j] = ((q[j >> 3] >> (j & 7)) & 1) != 0 ? d : negD;
            }
        }
    }

    /// <summary><c>quantize_row_q1_0_ref</c>: d = Σ|x|/128, bit set where x ≥ 0.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float sumAbs = 0f;
            for (int j = 0; j < BlockSize; j++)
            {
                sumAbs += MathF.Abs(src[j]);
            }
            QuantMath.StoreHalf(dst, sumAbs / BlockSize);
            byte* q = dst + 2;
            for (int b = 0; b < BlockSize / 8; b++)
            {
                int bits = 0;
                for (int k = 0; k < 8; k++)
                {
                    if (src[8 * b + k] >= 0.0f)
                    {
                        bits |= 1 << k;
                    }
                }
                q[b] = (byte)bits;
            }
        }
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        float sum = 0f;
        for (long i = 0; i < n / BlockSize; i++, x += BlockBytes)
        {
            float d0 = QuantMath.Half(x);
            float sumi = 0f;
            for (int k = 0; k < 4; k++, y += Q8_0Format.BlockBytes)
            {
                float d1 = QuantMath.Half(y);
                sbyte* qy = (sbyte*)(y + 2);
                byte* bits = x + 2 + 4 * k;
                int block = 0;
                for (int j = 0; j < 32; j++)
                {
                    block += ((bits[j >> 3] >> (j & 7)) & 1) != 0 ? qy[j] : -qy[j];
                }
                sumi += d1 * block;
            }
            sum += d0 * sumi;
        }
        return sum;
    }
}
