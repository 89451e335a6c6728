using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q4_1: blocks of 32 4-bit values q·d + m with fp16 d and m (20 bytes); dot with Q8_1.</summary>
internal sealed unsafe class Q4_1Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 20;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q4_1;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_1;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            float m = QuantMath.Half(src + 2);
            byte* q = src + 4;
            for (int j = 0; j < 16; j++)
            {
                dst[j] = (q[j] & 0x0F) * d + m;
                dst[j + 16] = (q[j] >> 4) * d + m;
            }
        }
    }

    /// <summary><c>quantize_row_q4_1_ref</c>.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float min = float.MaxValue;
            float max = -float.MaxValue;
            for (int j = 0; j < BlockSize; j++)
            {
                float v = src[j];
                if (v < min)
                {
                    min = v;
                }
                if (v > max)
                {
                    max = v;
                }
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.StoreHalf(dst, d);
            QuantMath.StoreHalf(dst + 2, min);
            for (int j = 0; j < 16; j++)
            {
                int x0 = Math.Min(15, QuantMath.TruncToInt8((src[j] - min) * id + 0.5f));
                int x1 = Math.Min(15, QuantMath.TruncToInt8((src[j + 16] - min) * id + 0.5f));
                dst[4 + j] = (byte)((x0 & 0xFF) | (x1 << 4));
            }
        }
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        long nb = n / BlockSize;
        return Simd switch
        {
            SimdLevel.Avx2 or SimdLevel.Avx512 => DotAvx2(nb, x, y),
            SimdLevel.Vector128 => DotVector128(nb, x, y),
            _ => DotScalar(nb, x, y),
        };
    }

    internal static float DotScalar(long nb, byte* x, byte* y)
    {
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_1Format.BlockBytes)
        {
            byte* qx = x + 4;
            sbyte* qy = (sbyte*)(y + 4);
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi += (qx[j] & 0x0F) * qy[j] + (qx[j] >> 4) * qy[j + 16];
            }
            sum += QuantMath.Half(x) * QuantMath.Half(y) * sumi + QuantMath.Half(x + 2) * QuantMath.Half(y + 2);
        }
        return sum;
    }

    internal static float DotVector128(long nb, byte* x, byte* y)
    {
        float sum = 0;
        Vector128<byte> mask = Vector128.Create((byte)0x0F);
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_1Format.BlockBytes)
        {
            Vector128<byte> q = Vector128.Load(x + 4);
            Vector128<int> acc = SimdOps.DotS8((q & mask).AsSByte(), Vector128.Load((sbyte*)(y + 4)))
                + SimdOps.DotS8(Vector128.ShiftRightLogical(q, 4).AsSByte(), Vector128.Load((sbyte*)(y + 20)));
            sum += QuantMath.Half(x) * QuantMath.Half(y) * Vector128.Sum(acc) + QuantMath.Half(x + 2) * QuantMath.Half(y + 2);
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        float summs = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_1Format.BlockBytes)
        {
            Vector256<int> p = SimdOps.DotU8(SimdOps.Nibbles(x + 4), Avx.LoadVector256((sbyte*)(y + 4)));
            summs += QuantMath.Half(x + 2) * QuantMath.Half(y + 2);
            float d = QuantMath.Half(x) * QuantMath.Half(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc) + summs;
    }
}
