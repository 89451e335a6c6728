namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// TQ1_0: ternary super-blocks of 256 packed five trits per byte (48 bytes) plus four per byte (4 bytes) and an fp16 d
/// (54 bytes); dot with Q8_K.
/// </summary>
internal sealed unsafe class Tq1_0Format : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 54;
    private const int QsBytes = 48;
    private const int QhBytes = 4;

    public override GgmlType Type => GgmlType.TQ1_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    private static ReadOnlySpan<byte> Pow3 => [1, 3, 9, 27, 81, 243];

    /// <summary>The trit (−1, 0, 1) at position <paramref name="n"/> of a packed byte.</summary>
    private static int Trit(byte packed, int n) => ((byte)(packed * Pow3[n]) * 3 >> 8) - 1;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes)
        {
            float d = QuantMath.Half(src + QsBytes + QhBytes);
            for (int j = 0; j < 32; j += 32)
            {
                for (int t = 0; t < 5; t++)
                {
                    for (int m = 0; m < 32; m++)
                    {
                        *dst++ = Trit(src[j + m], t) * d;
                    }
                }
            }
            for (int j = 32; j < QsBytes; j += 16)
            {
                for (int t = 0; t < 5; t++)
                {
                    for (int m = 0; m < 16; m++)
                    {
                        *dst++ = Trit(src[j + m], t) * d;
                    }
                }
            }
            for (int t = 0; t < 4; t++)
            {
                for (int j = 0; j < QhBytes; j++)
                {
                    *dst++ = Trit(src[QsBytes + j], t) * d;
                }
            }
        }
    }

    /// <summary><c>quantize_row_tq1_0_ref</c>.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, dst += BlockBytes)
        {
            float amax = 0f;
            for (int j = 0; j < BlockSize; j++)
            {
                float a = MathF.Abs(src[j]);
                amax = amax > a ? amax : a;
            }
            float id = amax != 0 ? 1.0f / amax : 0.0f;
            QuantMath.StoreHalf(dst + QsBytes + QhBytes, amax);
            for (int m = 0; m < 32; m++)
            {
                dst[m] = Pack(src + m, 32, 5, id, false);
            }
            src += 5 * 32;
            for (int m = 0; m < 16; m++)
            {
                dst[32 + m] = Pack(src + m, 16, 5, id, false);
            }
            src += 5 * 16;
            for (int j = 0; j < QhBytes; j++)
            {
                dst[QsBytes + j] = Pack(src + j, QhBytes, 4, id, true);
            }
            src += 4 * QhBytes;
        }
    }

    private static byte Pack(float* x, int stride, int count, float id, bool shiftLast)
    {
        int q = 0;
        for (int k = 0; k < count; k++)
        {
            int xi = (int)QuantMath.RoundAway(x[k * stride] * id) + 1;
            q = (byte)(q * 3 + xi);
        }
        if (shiftLast)
        {
            q = (byte)(q * 3);
        }
        return (byte)((q * 256 + 242) / 243);
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        float sum = 0f;
        for (long i = 0; i < n / BlockSize; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            sbyte* q8 = KDot.Quants(y);
            int sumi = 0;
            for (int t = 0; t < 5; t++)
            {
                for (int m = 0; m < 32; m++)
                {
                    sumi += Trit(x[m], t) * q8[t * 32 + m];
                }
            }
            for (int t = 0; t < 5; t++)
            {
                for (int m = 0; m < 16; m++)
                {
                    sumi += Trit(x[32 + m], t) * q8[160 + t * 16 + m];
                }
            }
            for (int t = 0; t < 4; t++)
            {
                for (int j = 0; j < QhBytes; j++)
                {
                    sumi += Trit(x[QsBytes + j], t) * q8[240 + t * QhBytes + j];
                }
            }
            sum += sumi * (QuantMath.Half(x + QsBytes + QhBytes) * KDot.Scale(y));
        }
        return sum;
    }
}
