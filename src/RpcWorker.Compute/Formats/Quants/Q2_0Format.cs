namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q2_0: blocks of 64 2-bit values (q−1)·d with an fp16 d = max |x| (18 bytes); dot with Q8_0 (two blocks).</summary>
internal sealed unsafe class Q2_0Format : RowFormat
{
    public const int BlockSize = 64;
    public const int BlockBytes = 18;

    public override GgmlType Type => GgmlType.Q2_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            byte* q = src + 2;
            for (int j = 0; j < BlockSize; j++)
            {
                dst[j] = (((q[j >> 2] >> (2 * (j & 3))) & 3) - 1) * d;
            }
        }
    }

    /// <summary><c>quantize_row_q2_0_ref</c>: d = max |x|, q = clamp(round(x/d) + 1, 0, 3).</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float amax = 0f;
            for (int j = 0; j < BlockSize; j++)
            {
                float a = MathF.Abs(src[j]);
                if (a > amax)
                {
                    amax = a;
                }
            }
            float id = amax > 0.0f ? 1.0f / amax : 0.0f;
            QuantMath.StoreHalf(dst, amax);
            byte* q = dst + 2;
            for (int b = 0; b < BlockSize / 4; b++)
            {
                int bits = 0;
                for (int k = 0; k < 4; k++)
                {
                    int v = (int)QuantMath.RoundAway(src[4 * b + k] * id) + 1;
                    v = Math.Clamp(v, 0, 3);
                    bits |= v << (2 * k);
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
            for (int k = 0; k < 2; k++, y += Q8_0Format.BlockBytes)
            {
                float d1 = QuantMath.Half(y);
                sbyte* qy = (sbyte*)(y + 2);
                byte* qs = x + 2 + 8 * k;
                int block = 0;
                for (int j = 0; j < 32; j++)
                {
                    block += (((qs[j >> 2] >> (2 * (j & 3))) & 3) - 1) * qy[j];
                }
                sumi += d1 * block;
            }
            sum += d0 * sumi;
        }
        return sum;
    }
}
