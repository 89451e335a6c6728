using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q2_K: super-blocks of 256 = 16 groups of 16 2-bit values with 4-bit scales and mins under fp16 d and dmin
/// (84 bytes: scales[16], qs[64], d, dmin); dot with Q8_K.
/// </summary>
internal sealed unsafe class Q2_KFormat(SimdLevel simd) : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 84;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q2_K;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes)
        {
            float d = QuantMath.Half(src + 80);
            float min = QuantMath.Half(src + 82);
            byte* q = src + 16;
            int g = 0;
            for (int half = 0; half < 2; half++, q += 32)
            {
                for (int shift = 0; shift < 8; shift += 2)
                {
                    int sc = src[g++];
                    float dl = d * (sc & 0xF);
                    float ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++)
                    {
                        *dst++ = dl * ((q[l] >> shift) & 3) - ml;
                    }
                    sc = src[g++];
                    dl = d * (sc & 0xF);
                    ml = min * (sc >> 4);
                    for (int l = 16; l < 32; l++)
                    {
                        *dst++ = dl * ((q[l] >> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    /// <summary><c>quantize_row_q2_K_ref</c>.</summary>
    [SkipLocalsInit]
    public override void FromFloat(float* src, byte* dst, long n)
    {
        byte* l = stackalloc byte[BlockSize];
        byte* laux = stackalloc byte[16];
        float* weights = stackalloc float[16];
        float* mins = stackalloc float[16];
        float* scales = stackalloc float[16];
        const float q4scale = 15f;
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 16; j++)
            {
                for (int k = 0; k < 16; k++)
                {
                    weights[k] = MathF.Abs(src[16 * j + k]);
                }
                scales[j] = KQuantizer.MakeQkx2Quants(16, 3, src + 16 * j, weights, l + 16 * j, out mins[j], laux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale)
                {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin)
                {
                    maxMin = mins[j];
                }
            }
            if (maxScale > 0)
            {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < 16; j++)
                {
                    dst[j] = (byte)QuantMath.NearestInt(iscale * scales[j]);
                }
                QuantMath.StoreHalf(dst + 80, maxScale / q4scale);
            }
            else
            {
                new Span<byte>(dst, 16).Clear();
                QuantMath.StoreHalf(dst + 80, 0f);
            }
            if (maxMin > 0)
            {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < 16; j++)
                {
                    dst[j] |= (byte)(QuantMath.NearestInt(iscale * mins[j]) << 4);
                }
                QuantMath.StoreHalf(dst + 82, maxMin / q4scale);
            }
            else
            {
                QuantMath.StoreHalf(dst + 82, 0f);
            }
            float dAll = QuantMath.Half(dst + 80);
            float dMin = QuantMath.Half(dst + 82);
            for (int j = 0; j < 16; j++)
            {
                float d = dAll * (dst[j] & 0xF);
                if (d == 0)
                {
                    continue;
                }
                float dm = dMin * (dst[j] >> 4);
                for (int k = 0; k < 16; k++)
                {
                    int v = QuantMath.NearestInt((src[16 * j + k] + dm) / d);
                    l[16 * j + k] = (byte)Math.Max(0, Math.Min(3, v));
                }
            }
            byte* q = dst + 16;
            for (int j = 0; j < BlockSize; j += 128)
            {
                for (int k = 0; k < 32; k++)
                {
                    q[j / 4 + k] = (byte)(l[j + k] | (l[j + k + 32] << 2) | (l[j + k + 64] << 4) | (l[j + k + 96] << 6));
                }
            }
        }
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        long nb = n / BlockSize;
        return Simd switch
        {
            SimdLevel.Avx512 => DotAvx512(nb, x, y),
            SimdLevel.Avx2 => DotAvx2(nb, x, y),
            _ => DotUnpacked(nb, x, y, Simd == SimdLevel.Vector128),
        };
    }

    [SkipLocalsInit]
    internal static float DotUnpacked(long nb, byte* x, byte* y, bool vector)
    {
        sbyte* a = stackalloc sbyte[BlockSize];
        int* scales = stackalloc int[16];
        int* mins = stackalloc int[16];
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            byte* q = x + 16;
            for (int half = 0; half < 2; half++, q += 32)
            {
                for (int j = 0; j < 4; j++)
                {
                    for (int k = 0; k < 32; k++)
                    {
                        a[128 * half + 32 * j + k] = (sbyte)((q[k] >> (2 * j)) & 3);
                    }
                }
            }
            for (int g = 0; g < 16; g++)
            {
                scales[g] = x[g] & 0xF;
                mins[g] = x[g] >> 4;
            }
            int sumi = KDot.Grouped(a, KDot.Quants(y), scales, vector);
            int summ = KDot.Bsums(y, mins);
            float dy = KDot.Scale(y);
            sum += dy * QuantMath.Half(x + 80) * sumi - dy * QuantMath.Half(x + 82) * summ;
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        float summ = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<byte> raw = Sse2.LoadVector128(x);
            Vector128<sbyte> scales16 = Sse2.And(raw, Vector128.Create((byte)0x0F)).AsSByte();
            Vector128<sbyte> mins16 = Sse2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte().AsSByte() & Vector128.Create((sbyte)0x0F);
            float dy = KDot.Scale(y);
            summ += dy * QuantMath.Half(x + 82) * SimdOps.ScaleBsums(mins16, (short*)(y + Q8_KFormat.BsumsOffset));
            Vector256<byte> sc = Vector256.Create(scales16.AsByte());
            sbyte* q8 = KDot.Quants(y);
            byte* q = x + 16;
            Vector256<int> sumi = Avx2.Add(Avx2Half(q, q8, sc, 0), Avx2Half(q, q8, sc, 1));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sumi), Vector256.Create(dy * QuantMath.Half(x + 80)), acc);
        }
        return Vector256.Sum(acc) - summ;
    }

    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        float summ = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<byte> raw = Sse2.LoadVector128(x);
            Vector128<sbyte> scales16 = Sse2.And(raw, Vector128.Create((byte)0x0F)).AsSByte();
            Vector128<sbyte> mins16 = Sse2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte().AsSByte() & Vector128.Create((sbyte)0x0F);
            float dy = KDot.Scale(y);
            summ += dy * QuantMath.Half(x + 82) * SimdOps.ScaleBsums(mins16, (short*)(y + Q8_KFormat.BsumsOffset));
            Vector512<byte> sc = Vector512.Create(scales16.AsByte());
            sbyte* q8 = KDot.Quants(y);
            byte* q = x + 16;
            Vector512<int> sumi = Avx512Half(q, q8, sc, 0) + Avx512Half(q, q8, sc, 1);
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(sumi), Vector512.Create(dy * QuantMath.Half(x + 80)), acc);
        }
        return Vector512.Sum(acc) - summ;
    }

    /// <summary>The four 2-bit planes of the 32 bytes of half <paramref name="half"/> (values 128·half + 32c + l).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Planes(byte* q, int half)
    {
        Vector256<byte> three = Vector256.Create((byte)3);
        Vector256<ushort> bits = Avx.LoadVector256(q + 32 * half).AsUInt16();
        return (Avx2.And(bits.AsByte(), three), Avx2.And(Avx2.ShiftRightLogical(bits, 2).AsByte(), three),
            Avx2.And(Avx2.ShiftRightLogical(bits, 4).AsByte(), three), Avx2.And(Avx2.ShiftRightLogical(bits, 6).AsByte(), three));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Avx2Half(byte* q, sbyte* q8, Vector256<byte> sc, int half)
    {
        (Vector256<byte> u0, Vector256<byte> u1, Vector256<byte> u2, Vector256<byte> u3) = Planes(q, half);
        q8 += 128 * half;
        return Avx2.Add(Avx2.Add(SimdOps.ScaledDotU8(u0, Avx.LoadVector256(q8), sc, 4 * half), SimdOps.ScaledDotU8(u1, Avx.LoadVector256(q8 + 32), sc, 4 * half + 1)),
            Avx2.Add(SimdOps.ScaledDotU8(u2, Avx.LoadVector256(q8 + 64), sc, 4 * half + 2), SimdOps.ScaledDotU8(u3, Avx.LoadVector256(q8 + 96), sc, 4 * half + 3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Avx512Half(byte* q, sbyte* q8, Vector512<byte> sc, int half)
    {
        (Vector256<byte> u0, Vector256<byte> u1, Vector256<byte> u2, Vector256<byte> u3) = Planes(q, half);
        q8 += 128 * half;
        return SimdOps.ScaledDotU8(Vector512.Create(u0, u1), Vector512.Load(q8), sc, 2 * half)
            + SimdOps.ScaledDotU8(Vector512.Create(u2, u3), Vector512.Load(q8 + 64), sc, 2 * half + 1);
    }
}
