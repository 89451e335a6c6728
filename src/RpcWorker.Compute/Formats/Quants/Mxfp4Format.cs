using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>MXFP4: blocks of 32 E2M1 values with an E8M0 shared exponent (17 bytes); dot with Q8_0.</summary>
internal sealed unsafe class Mxfp4Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 17;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.MXFP4;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        ReadOnlySpan<sbyte> values = QuantMath.Fp4Values;
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.E8M0ToFloatHalf(src[0]);
            byte* q = src + 1;
            for (int j = 0; j < 16; j++)
            {
                dst[j] = values[q[j] & 0x0F] * d;
                dst[j + 16] = values[q[j] >> 4] * d;
            }
        }
    }

    /// <summary><c>quantize_row_mxfp4_ref</c>: e = floor(log2(amax)) − 2 + 127, nearest FP4 code per value.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float amax = 0f;
            for (int j = 0; j < BlockSize; j++)
            {
                if (amax < MathF.Abs(src[j]))
                {
                    amax = MathF.Abs(src[j]);
                }
            }
            byte e = amax > 0.0f ? (byte)(int)(MathF.Floor(MathF.Log2(amax)) - 2 + 127) : (byte)0;
            float d = QuantMath.E8M0ToFloatHalf(e);
            dst[0] = e;
            for (int j = 0; j < 16; j++)
            {
                int x0 = QuantMath.BestIndexFp4(src[j], d);
                int x1 = QuantMath.BestIndexFp4(src[j + 16], d);
                dst[1 + j] = (byte)(x0 | (x1 << 4));
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
        ReadOnlySpan<sbyte> values = QuantMath.Fp4Values;
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            float d = QuantMath.Half(y) * QuantMath.E8M0ToFloatHalf(x[0]);
            sbyte* qy = (sbyte*)(y + 2);
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi += qy[j] * values[x[1 + j] & 0xF] + qy[j + 16] * values[x[1 + j] >> 4];
            }
            sum += d * sumi;
        }
        return sum;
    }

    internal static float DotVector128(long nb, byte* x, byte* y)
    {
        Vector128<sbyte> table = Vector128.Create(QuantMath.Fp4Values);
        Vector128<byte> mask = Vector128.Create((byte)0x0F);
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            Vector128<byte> q = Vector128.Load(x + 1);
            Vector128<sbyte> lo = Vector128.Shuffle(table, (q & mask).AsSByte());
            Vector128<sbyte> hi = Vector128.Shuffle(table, Vector128.ShiftRightLogical(q, 4).AsSByte());
            Vector128<int> acc = SimdOps.DotS8(lo, Vector128.Load((sbyte*)(y + 2))) + SimdOps.DotS8(hi, Vector128.Load((sbyte*)(y + 18)));
            sum += QuantMath.Half(y) * QuantMath.E8M0ToFloatHalf(x[0]) * Vector128.Sum(acc);
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector128<sbyte> table128 = Vector128.Create(QuantMath.Fp4Values);
        Vector256<sbyte> table = Vector256.Create(table128, table128);
        Vector256<float> acc = Vector256<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            Vector256<sbyte> qx = Avx2.Shuffle(table, SimdOps.Nibbles(x + 1).AsSByte());
            Vector256<int> p = SimdOps.DotS8(qx, Avx.LoadVector256((sbyte*)(y + 2)));
            float d = QuantMath.Half(y) * QuantMath.E8M0ToFloatHalf(x[0]);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }
}
