using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q5_1: blocks of 32 5-bit values q·d + m, fp16 d and m, high bits in a 32-bit mask (24 bytes); dot with Q8_1.</summary>
internal sealed unsafe class Q5_1Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 24;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q5_1;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_1;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            float m = QuantMath.Half(src + 2);
            uint qh = Unsafe.ReadUnaligned<uint>(src + 4);
            byte* q = src + 8;
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10;
                int h1 = (int)(qh >> (j + 12)) & 0x10;
                dst[j] = ((q[j] & 0x0F) | h0) * d + m;
                dst[j + 16] = ((q[j] >> 4) | h1) * d + m;
            }
        }
    }

    /// <summary><c>quantize_row_q5_1_ref</c>.</summary>
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
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.StoreHalf(dst, d);
            QuantMath.StoreHalf(dst + 2, min);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int x0 = (byte)(int)((src[j] - min) * id + 0.5f);
                int x1 = (byte)(int)((src[j + 16] - min) * id + 0.5f);
                dst[8 + j] = (byte)((x0 & 0x0F) | ((x1 & 0x0F) << 4));
                qh |= (uint)((x0 & 0x10) >> 4) << j;
                qh |= (uint)((x1 & 0x10) >> 4) << (j + 16);
            }
            Unsafe.WriteUnaligned(dst + 4, qh);
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
            uint qh = Unsafe.ReadUnaligned<uint>(x + 4);
            byte* qx = x + 8;
            sbyte* qy = (sbyte*)(y + 4);
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10;
                int h1 = (int)(qh >> (j + 12)) & 0x10;
                sumi += ((qx[j] & 0x0F) | h0) * qy[j] + ((qx[j] >> 4) | h1) * qy[j + 16];
            }
            sum += QuantMath.Half(x) * QuantMath.Half(y) * sumi + QuantMath.Half(x + 2) * QuantMath.Half(y + 2);
        }
        return sum;
    }

    internal static float DotVector128(long nb, byte* x, byte* y)
    {
        float sum = 0;
        Vector128<byte> mask = Vector128.Create((byte)0x0F);
        Vector128<byte> bit4 = Vector128.Create((byte)0x10);
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_1Format.BlockBytes)
        {
            uint qh = Unsafe.ReadUnaligned<uint>(x + 4);
            Vector128<byte> q = Vector128.Load(x + 8);
            Vector128<sbyte> lo = ((q & mask) | (SimdOps.BytesFromBits((ushort)qh) & bit4)).AsSByte();
            Vector128<sbyte> hi = (Vector128.ShiftRightLogical(q, 4) | (SimdOps.BytesFromBits((ushort)(qh >> 16)) & bit4)).AsSByte();
            Vector128<int> acc = SimdOps.DotS8(lo, Vector128.Load((sbyte*)(y + 4))) + SimdOps.DotS8(hi, Vector128.Load((sbyte*)(y + 20)));
            sum += QuantMath.Half(x) * QuantMath.Half(y) * Vector128.Sum(acc) + QuantMath.Half(x + 2) * QuantMath.Half(y + 2);
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        Vector256<byte> bit4 = Vector256.Create((byte)0x10);
        float summs = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_1Format.BlockBytes)
        {
            Vector256<byte> bits = SimdOps.BytesFromBits(Unsafe.ReadUnaligned<uint>(x + 4));
            Vector256<byte> qx = Avx2.Or(SimdOps.Nibbles(x + 8), Avx2.And(bits, bit4));
            Vector256<int> p = SimdOps.DotU8(qx, Avx.LoadVector256((sbyte*)(y + 4)));
            summs += QuantMath.Half(x + 2) * QuantMath.Half(y + 2);
            float d = QuantMath.Half(x) * QuantMath.Half(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc) + summs;
    }
}
