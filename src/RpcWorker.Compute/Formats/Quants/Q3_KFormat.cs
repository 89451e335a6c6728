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
                    int bit = 4 * half + j;
                    for (int k = 0; k < 32; k++)
                    {
                        a[128 * half + 32 * j + k] = (sbyte)(((q[k] >> (2 * j)) & 3) + 4 * ((hm[k] >> bit) & 1) - 4);
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
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<sbyte> scales16 = Scales16(x + 96);
            int offset = SimdOps.ScaleBsums(scales16, (short*)(y + Q8_KFormat.BsumsOffset)) * 4;
            Vector256<byte> sc = Vector256.Create(scales16.AsByte());
            sbyte* q8 = KDot.Quants(y);
            Vector256<byte> hbits = Avx.LoadVector256(x);
            Vector256<int> sumi = Avx2.Add(Avx2Half(x + 32, hbits, q8, sc, 0), Avx2Half(x + 32, hbits, q8, sc, 1));
            float d = QuantMath.Half(x + 108) * KDot.Scale(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.Subtract(sumi, Vector256.CreateScalar(offset))), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }

    [SkipLocalsInit]
    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<sbyte> scales16 = Scales16(x + 96);
            int offset = SimdOps.ScaleBsums(scales16, (short*)(y + Q8_KFormat.BsumsOffset)) * 4;
            Vector512<byte> sc = Vector512.Create(scales16.AsByte());
            sbyte* q8 = KDot.Quants(y);
            Vector256<byte> hbits = Avx.LoadVector256(x);
            Vector512<int> sumi = Avx512Half(x + 32, hbits, q8, sc, 0) + Avx512Half(x + 32, hbits, q8, sc, 1);
            float d = QuantMath.Half(x + 108) * KDot.Scale(y);
            Vector512<int> total = Vector512.Subtract(sumi, Vector512.CreateScalar(offset));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(total), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc);
    }

    /// <summary>The 16 signed 6-bit group scales in element order (ggml's kmask unpacking of the 12 bytes, minus 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Scales16(byte* s)
    {
        const uint kmask1 = 0x03030303;
        const uint kmask2 = 0x0f0f0f0f;
        uint a0 = Unsafe.ReadUnaligned<uint>(s);
        uint a1 = Unsafe.ReadUnaligned<uint>(s + 4);
        uint tmp = Unsafe.ReadUnaligned<uint>(s + 8);
        uint r0 = (a0 & kmask2) | ((tmp & kmask1) << 4);
        uint r1 = (a1 & kmask2) | (((tmp >> 2) & kmask1) << 4);
        uint r2 = ((a0 >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
        uint r3 = ((a1 >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
        return Vector128.Create(r0, r1, r2, r3).AsSByte() - Vector128.Create((sbyte)32);
    }

    /// <summary>The unsigned 3-bit values (2 low bits + 4 × hmask bit) 128·half + 32c + l, c = 0..3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Unpack(byte* q, Vector256<byte> hbits, int half)
    {
        Vector256<byte> three = Vector256.Create((byte)3);
        Vector256<byte> four = Vector256.Create((byte)4);
        Vector256<ushort> bits = Avx.LoadVector256(q + 32 * half).AsUInt16();
        Vector256<byte> m0 = Vector256.Create((byte)(1 << (4 * half)));
        Vector256<byte> m1 = Vector256.Create((byte)(2 << (4 * half)));
        Vector256<byte> m2 = Vector256.Create((byte)(4 << (4 * half)));
        Vector256<byte> m3 = Vector256.Create((byte)(8 << (4 * half)));
        return (Avx2.Or(Avx2.And(bits.AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m0), m0), four)),
            Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits, 2).AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m1), m1), four)),
            Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits, 4).AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m2), m2), four)),
            Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits, 6).AsByte(), three), Avx2.And(Avx2.CompareEqual(Avx2.And(hbits, m3), m3), four)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Avx2Half(byte* q, Vector256<byte> hbits, sbyte* q8, Vector256<byte> sc, int half)
    {
        (Vector256<byte> u0, Vector256<byte> u1, Vector256<byte> u2, Vector256<byte> u3) = Unpack(q, hbits, half);
        q8 += 128 * half;
        return Avx2.Add(Avx2.Add(SimdOps.ScaledDotU8(u0, Avx.LoadVector256(q8), sc, 4 * half), SimdOps.ScaledDotU8(u1, Avx.LoadVector256(q8 + 32), sc, 4 * half + 1)),
            Avx2.Add(SimdOps.ScaledDotU8(u2, Avx.LoadVector256(q8 + 64), sc, 4 * half + 2), SimdOps.ScaledDotU8(u3, Avx.LoadVector256(q8 + 96), sc, 4 * half + 3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Avx512Half(byte* q, Vector256<byte> hbits, sbyte* q8, Vector512<byte> sc, int half)
    {
        (Vector256<byte> u0, Vector256<byte> u1, Vector256<byte> u2, Vector256<byte> u3) = Unpack(q, hbits, half);
        q8 += 128 * half;
        return SimdOps.ScaledDotU8(Vector512.Create(u0, u1), Vector512.Load(q8), sc, 2 * half)
            + SimdOps.ScaledDotU8(Vector512.Create(u2, u3), Vector512.Load(q8 + 64), sc, 2 * half + 1);
    }
}
