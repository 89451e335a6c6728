using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q3_K: super-blocks of 256 = 16 groups of 16 3-bit values with signed 6-bit group scales under an fp16 d
/// (110 bytes: hmask[32], qs[64], scales[12], d); dot with Q8_K.
/// </summary>
internal sealed unsafe class Q3_KFormat(SimdLevel simd) : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 110;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q3_K;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    [SkipLocalsInit]
    public override void ToFloat(byte* src, float* dst, long n)
    {
        int* scales = stackalloc int[16];
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes)
        {
            float dAll = QuantMath.Half(src + 108);
            QuantMath.Q3KScales(src + 96, scales);
            byte* q = src + 32;
            byte* hm = src;
            int m = 1;
            int g = 0;
            for (int half = 0; half < 2; half++, q += 32)
            {
                for (int shift = 0; shift < 8; shift += 2, m <<= 1)
                {
                    float dl = dAll * scales[g++];
                    for (int l = 0; l < 16; l++)
                    {
                        *dst++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & m) != 0 ? 0 : 4));
                    }
                    dl = dAll * scales[g++];
                    for (int l = 16; l < 32; l++)
                    {
                        *dst++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & m) != 0 ? 0 : 4));
                    }
                }
            }
        }
    }

    /// <summary><c>quantize_row_q3_K_ref</c>.</summary>
    [SkipLocalsInit]
    public override void FromFloat(float* src, byte* dst, long n)
    {
        sbyte* l = stackalloc sbyte[BlockSize];
        float* scales = stackalloc float[16];
        int* sc = stackalloc int[16];
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float maxScale = 0;
            float amax = 0;
            for (int j = 0; j < 16; j++)
            {
                scales[j] = KQuantizer.MakeQ3Quants(16, 4, src + 16 * j, l + 16 * j);
                float scale = MathF.Abs(scales[j]);
                if (scale > amax)
                {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            byte* s = dst + 96;
            new Span<byte>(s, 12).Clear();
            if (maxScale != 0)
            {
                float iscale = -32f / maxScale;
                for (int j = 0; j < 16; j++)
                {
                    int v = (sbyte)QuantMath.NearestInt(iscale * scales[j]);
                    v = Math.Max(-32, Math.Min(31, v)) + 32;
                    if (j < 8)
                    {
                        s[j] = (byte)(v & 0xF);
                    }
                    else
                    {
                        s[j - 8] |= (byte)((v & 0xF) << 4);
                    }
                    v >>= 4;
                    s[j % 4 + 8] |= (byte)(v << (2 * (j / 4)));
                }
                QuantMath.StoreHalf(dst + 108, 1 / iscale);
            }
            else
            {
                QuantMath.StoreHalf(dst + 108, 0f);
            }
            QuantMath.Q3KScales(s, sc);
            float dAll = QuantMath.Half(dst + 108);
            for (int j = 0; j < 16; j++)
            {
                float d = dAll * sc[j];
                if (d == 0)
                {
                    continue;
                }
                for (int k = 0; k < 16; k++)
                {
                    int v = QuantMath.NearestInt(src[16 * j + k] / d);
                    l[16 * j + k] = (sbyte)(Math.Max(-4, Math.Min(3, v)) + 4);
                }
            }
            byte* hmask = dst;
            new Span<byte>(hmask, 32).Clear();
            int mi = 0;
            int hb = 1;
            for (int j = 0; j < BlockSize; j++)
            {
                if (l[j] > 3)
                {
                    hmask[mi] |= (byte)hb;
                    l[j] -= 4;
                }
                if (++mi == 32)
                {
                    mi = 0;
                    hb <<= 1;
                }
            }
            byte* q = dst + 32;
            for (int j = 0; j < BlockSize; j += 128)
            {
                for (int k = 0; k < 32; k++)
                {
                    q[j / 4 + k] = (byte)((l[j + k] & 3) | ((l[j + k + 32] & 3) << 2) | ((l[j + k + 64] & 3) << 4) | ((l[j + k + 96] & 3) << 6));
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
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            byte* q = x + 32;
            byte* hm = x;
            for (int half = 0; half < 2; half++, q += 32)
            {
                for (int j = 0; j < 4; j++)
                {
                    int m = 1 << (4 * half + j);
                    for (int k = 0; k < 32; k++)
                    {
                        a[128 * half + 32 * j + k] = (sbyte)(((q[k] >> (2 * j)) & 3) - ((hm[k] & m) != 0 ? 0 : 4));
                    }
                }
            }
            QuantMath.Q3KScales(x + 96, scales);
            int sumi = KDot.Grouped(a, KDot.Quants(y), scales, vector);
            sum += QuantMath.Half(x + 108) * KDot.Scale(y) * sumi;
        }
        return sum;
    }

    [SkipLocalsInit]
    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        Vector256<byte> three = Vector256.Create((byte)3);
        Vector256<byte> four = Vector256.Create((byte)4);
        int* scales = stackalloc int[16];
        sbyte* scaleBytes = stackalloc sbyte[16];
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<sbyte> scales16 = Scales16(x + 96, scales, scaleBytes);
            int offset = SimdOps.ScaleBsums(scales16, (short*)(y + Q8_KFormat.BsumsOffset)) * 4;
            Vector256<byte> sc = Vector256.Create(scales16.AsByte());
            sbyte* q8 = KDot.Quants(y);
            byte* q = x + 32;
            Vector256<byte> hbits = Avx.LoadVector256(x);
            Vector256<byte> m = Vector256.Create((byte)1);
            Vector256<int> sumi = Vector256<int>.Zero;
            for (int half = 0; half < 2; half++, q += 32)
            {
                Vector256<ushort> bits = Avx.LoadVector256(q).AsUInt16();
                for (int j = 0; j < 4; j++, q8 += 32)
                {
                    Vector256<byte> low = j switch
                    {
                        0 => bits.AsByte(),
                        1 => Avx2.ShiftRightLogical(bits, 2).AsByte(),
                        2 => Avx2.ShiftRightLogical(bits, 4).AsByte(),
                        _ => Avx2.ShiftRightLogical(bits, 6).AsByte(),
                    };
                    Vector256<byte> u = Avx2.Or(Avx2.And(low, three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m), m), four));
                    sumi = Avx2.Add(sumi, SimdOps.ScaledDotU8(u, Avx.LoadVector256(q8), sc, 4 * half + j));
                    m = Avx2.Add(m, m);
                }
            }
            float d = QuantMath.Half(x + 108) * KDot.Scale(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.Subtract(sumi, Vector256.CreateScalar(offset))), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }

    [SkipLocalsInit]
    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        Vector256<byte> three = Vector256.Create((byte)3);
        Vector256<byte> four = Vector256.Create((byte)4);
        int* scales = stackalloc int[16];
        sbyte* scaleBytes = stackalloc sbyte[16];
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<sbyte> scales16 = Scales16(x + 96, scales, scaleBytes);
            int offset = SimdOps.ScaleBsums(scales16, (short*)(y + Q8_KFormat.BsumsOffset)) * 4;
            Vector512<byte> sc = Vector512.Create(scales16.AsByte());
            sbyte* q8 = KDot.Quants(y);
            byte* q = x + 32;
            Vector256<byte> hbits = Avx.LoadVector256(x);
            Vector256<byte> m0 = Vector256.Create((byte)1);
            Vector512<int> sumi = Vector512<int>.Zero;
            for (int half = 0; half < 2; half++, q += 32, q8 += 128)
            {
                Vector256<ushort> bits = Avx.LoadVector256(q).AsUInt16();
                Vector256<byte> m1 = Avx2.Add(m0, m0);
                Vector256<byte> m2 = Avx2.Add(m1, m1);
                Vector256<byte> m3 = Avx2.Add(m2, m2);
                Vector256<byte> u0 = Avx2.Or(Avx2.And(bits.AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m0), m0), four));
                Vector256<byte> u1 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits, 2).AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m1), m1), four));
                Vector256<byte> u2 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits, 4).AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m2), m2), four));
                Vector256<byte> u3 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits, 6).AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m3), m3), four));
                sumi = Avx512F.Add(sumi, SimdOps.ScaledDotU8(Vector512.Create(u0, u1), Vector512.Load(q8), sc, 2 * half));
                sumi = Avx512F.Add(sumi, SimdOps.ScaledDotU8(Vector512.Create(u2, u3), Vector512.Load(q8 + 64), sc, 2 * half + 1));
                m0 = Avx2.Add(m3, m3);
            }
            float d = QuantMath.Half(x + 108) * KDot.Scale(y);
            Vector512<int> total = Avx512F.Subtract(sumi, Vector512.CreateScalar(offset));
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(total), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Scales16(byte* s, int* scales, sbyte* bytes)
    {
        QuantMath.Q3KScales(s, scales);
        for (int g = 0; g < 16; g++)
        {
            bytes[g] = (sbyte)scales[g];
        }
        return Sse2.LoadVector128(bytes);
    }
}
