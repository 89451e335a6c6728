using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>TQ2_0: ternary super-blocks of 256 2-bit values (q−1)·d with an fp16 d (66 bytes); dot with Q8_K.</summary>
internal sealed unsafe class Tq2_0Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 66;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.TQ2_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes)
        {
            float d = QuantMath.Half(src + 64);
            for (int j = 0; j < 64; j += 32)
            {
                for (int l = 0; l < 4; l++)
                {
                    for (int m = 0; m < 32; m++)
                    {
                        *dst++ = (((src[j + m] >> (2 * l)) & 3) - 1) * d;
                    }
                }
            }
        }
    }

    /// <summary><c>quantize_row_tq2_0_ref</c>.</summary>
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
            QuantMath.StoreHalf(dst + 64, amax);
            for (int j = 0; j < 64; j += 32, src += 128)
            {
                for (int m = 0; m < 32; m++)
                {
                    int q = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        int xi = (int)QuantMath.RoundAway(src[m + 32 * k] * id) + 1;
                        q += (xi & 3) << (2 * k);
                    }
                    dst[j + m] = (byte)q;
                }
            }
        }
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        long nb = n / BlockSize;
        return Simd >= SimdLevel.Avx2 ? DotAvx2(nb, x, y) : DotScalar(nb, x, y);
    }

    internal static float DotScalar(long nb, byte* x, byte* y)
    {
        float sum = 0f;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            sbyte* q8 = KDot.Quants(y);
            int sumi = 0;
            for (int j = 0; j < 64; j += 32)
            {
                for (int l = 0; l < 4; l++)
                {
                    for (int m = 0; m < 32; m++)
                    {
                        sumi += q8[4 * j + 32 * l + m] * (((x[j + m] >> (2 * l)) & 3) - 1);
                    }
                }
            }
            sum += sumi * (KDot.Scale(y) * QuantMath.Half(x + 64));
        }
        return sum;
    }

    /// <summary>Σ u·q8 with u = the unsigned 2-bit codes, minus Σ q8 (from the block's group sums).</summary>
    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<byte> three = Vector256.Create((byte)3);
        Vector256<float> acc = Vector256<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            sbyte* q8 = KDot.Quants(y);
            Vector256<int> sumi = Vector256<int>.Zero;
            for (int j = 0; j < 64; j += 32, q8 += 128)
            {
                Vector256<ushort> bits = Avx.LoadVector256(x + j).AsUInt16();
                sumi = Avx2.Add(sumi, SimdOps.DotU8(Avx2.And(bits.AsByte(), three), Avx.LoadVector256(q8)));
                sumi = Avx2.Add(sumi, SimdOps.DotU8(Avx2.And(Avx2.ShiftRightLogical(bits, 2).AsByte(), three), Avx.LoadVector256(q8 + 32)));
                sumi = Avx2.Add(sumi, SimdOps.DotU8(Avx2.And(Avx2.ShiftRightLogical(bits, 4).AsByte(), three), Avx.LoadVector256(q8 + 64)));
                sumi = Avx2.Add(sumi, SimdOps.DotU8(Avx2.And(Avx2.ShiftRightLogical(bits, 6).AsByte(), three), Avx.LoadVector256(q8 + 96)));
            }
            Vector256<short> bsums = Avx.LoadVector256((short*)(y + Q8_KFormat.BsumsOffset));
            Vector256<int> total = Avx2.Subtract(sumi, Avx2.MultiplyAddAdjacent(bsums, Vector256.Create((short)1)));
            float d = KDot.Scale(y) * QuantMath.Half(x + 64);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }
}
