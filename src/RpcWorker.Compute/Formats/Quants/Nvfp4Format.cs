namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// NVFP4: blocks of 64 E2M1 values in four 16-element sub-blocks, each with a UE4M3 scale (36 bytes: d[4], qs[32]);
/// dot with Q8_0 (two Q8_0 blocks per block).
/// </summary>
internal sealed unsafe class Nvfp4Format : RowFormat
{
    public const int BlockSize = 64;
    public const int BlockBytes = 36;

    public override GgmlType Type => GgmlType.NVFP4;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        ReadOnlySpan<sbyte> values = QuantMath.Fp4Values;
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            for (int s = 0; s < 4; s++)
            {
                float d = QuantMath.UE4M3ToFloat(src[s]);
                byte* q = src + 4 + 8 * s;
                float* y = dst + 16 * s;
                for (int j = 0; j < 8; j++)
                {
                    y[j] = values[q[j] & 0x0F] * d;
                    y[j + 8] = values[q[j] >> 4] * d;
                }
            }
        }
    }

    /// <summary><c>quantize_row_nvfp4_ref</c>: per 16 values a UE4M3 scale of amax/6 and the nearest FP4 codes.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            for (int s = 0; s < 4; s++)
            {
                float* xb = src + 16 * s;
                float amax = 0f;
                for (int j = 0; j < 16; j++)
                {
                    if (amax < MathF.Abs(xb[j]))
                    {
                        amax = MathF.Abs(xb[j]);
                    }
                }
                byte ue = QuantMath.FloatToUE4M3(amax / 6.0f);
                dst[s] = ue;
                float d = QuantMath.UE4M3ToFloat(ue);
                for (int j = 0; j < 8; j++)
                {
                    int x0 = QuantMath.BestIndexFp4(xb[j], d);
                    int x1 = QuantMath.BestIndexFp4(xb[j + 8], d);
                    dst[4 + 8 * s + j] = (byte)(x0 | (x1 << 4));
                }
            }
        }
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        ReadOnlySpan<sbyte> values = QuantMath.Fp4Values;
        float sum = 0;
        for (long i = 0; i < n / BlockSize; i++, x += BlockBytes, y += 2 * Q8_0Format.BlockBytes)
        {
            for (int s = 0; s < 4; s++)
            {
                float d = QuantMath.UE4M3ToFloat(x[s]);
                byte* yb = y + (s / 2) * Q8_0Format.BlockBytes;
                sbyte* qy = (sbyte*)(yb + 2) + (s % 2) * 16;
                float dy = QuantMath.Half(yb);
                int sumi = 0;
                for (int j = 0; j < 8; j++)
                {
                    byte qv = x[4 + 8 * s + j];
                    sumi += qy[j] * values[qv & 0xF] + qy[j + 8] * values[qv >> 4];
                }
                sum += dy * d * sumi;
            }
        }
        return sum;
    }
}
