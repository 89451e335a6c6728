using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q5_K: Q4_K plus a fifth bit per value (176 bytes: d, dmin, scales[12], qh[32], qs[128]); dot with Q8_K.
/// </summary>
internal sealed unsafe class Q5_KFormat(SimdLevel simd) : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 176;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q5_K;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes)
        {
            float d = QuantMath.Half(src);
            float min = QuantMath.Half(src + 2);
            byte* qh = src + 16;
            byte* ql = src + 48;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < 4; j++, ql += 32, u1 <<= 2, u2 <<= 2)
            {
                QuantMath.ScaleMinK4(2 * j, src + 4, out int sc, out int m);
                float d1 = d * sc;
                float m1 = min * m;
                QuantMath.ScaleMinK4(2 * j + 1, src + 4, out sc, out m);
                float d2 = d * sc;
                float m2 = min * m;
                for (int l = 0; l < 32; l++)
                {
                    *dst++ = d1 * ((ql[l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++)
                {
                    *dst++ = d2 * ((ql[l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }

    /// <summary><c>quantize_row_q5_K_ref</c>.</summary>
    [SkipLocalsInit]
    public override void FromFloat(float* src, byte* dst, long n)
    {
        byte* l = stackalloc byte[BlockSize];
        byte* laux = stackalloc byte[32];
        float* weights = stackalloc float[32];
        float* mins = stackalloc float[8];
        float* scales = stackalloc float[8];
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; j++)
            {
                float* x = src + 32 * j;
                float sumX2 = 0;
                for (int k = 0; k < 32; k++)
                {
                    sumX2 += x[k] * x[k];
                }
                float avX = MathF.Sqrt(sumX2 / 32);
                for (int k = 0; k < 32; k++)
                {
                    weights[k] = avX + MathF.Abs(x[k]);
                }
                scales[j] = KQuantizer.MakeQkx2Quants(32, 31, x, weights, l + 32 * j, out mins[j], laux, -0.5f, 0.1f, 15, false);
                if (scales[j] > maxScale)
                {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin)
                {
                    maxMin = mins[j];
                }
            }
            KQuantScales.Pack(dst + 4, scales, mins, maxScale, maxMin);
            QuantMath.StoreHalf(dst, maxScale / 63f);
            QuantMath.StoreHalf(dst + 2, maxMin / 63f);
            KQuantScales.Requantize(src, dst, dst + 4, l, 31);
            byte* qh = dst + 16;
            byte* ql = dst + 48;
            new Span<byte>(qh, 32).Clear();
            int m1 = 1, m2 = 2;
            for (int j = 0; j < BlockSize; j += 64, ql += 32, m1 <<= 2, m2 <<= 2)
            {
                for (int k = 0; k < 32; k++)
                {
                    int l1 = l[j + k];
                    if (l1 > 15)
                    {
                        l1 -= 16;
                        qh[k] |= (byte)m1;
                    }
                    int l2 = l[j + k + 32];
                    if (l2 > 15)
                    {
                        l2 -= 16;
                        qh[k] |= (byte)m2;
                    }
                    ql[k] = (byte)(l1 | (l2 << 4));
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

    /// <summary>Register tiles at the AVX2 and AVX-512 tiers (the AVX2 tiles also run on AVX-512 machines), VecDot per element below.</summary>
    public override void DotTile(long n, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
    {
        if (Simd >= SimdLevel.Avx2 && cols == 1)
        {
            RowDots.Run(n / BlockSize, a, lda, rows, b[0], d[0] + rowOffset, &DotAvx2);
        }
        else if (Simd >= SimdLevel.Avx2)
        {
            K4Tiles<Q5_KLayout>.DotTile(n / BlockSize, a, lda, rows, b, cols, d, rowOffset);
        }
        else
        {
            base.DotTile(n, a, lda, rows, b, cols, d, rowOffset);
        }
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
            byte* qh = x + 16;
            byte* ql = x + 48;
            for (int j = 0; j < 4; j++, ql += 32)
            {
                for (int k = 0; k < 32; k++)
                {
                    a[64 * j + k] = (sbyte)((ql[k] & 0xF) + (((qh[k] >> (2 * j)) & 1) << 4));
                    a[64 * j + 32 + k] = (sbyte)((ql[k] >> 4) + (((qh[k] >> (2 * j + 1)) & 1) << 4));
                }
            }
            for (int j = 0; j < 8; j++)
            {
                QuantMath.ScaleMinK4(j, x + 4, out int sc, out int m);
                scales[2 * j] = scales[2 * j + 1] = sc;
                mins[2 * j] = mins[2 * j + 1] = m;
            }
            int sumi = KDot.Grouped(a, KDot.Quants(y), scales, vector);
            int summ = KDot.Bsums(y, mins);
            float dy = KDot.Scale(y);
            sum += QuantMath.Half(x) * dy * sumi - QuantMath.Half(x + 2) * dy * summ;
        }
        return sum;
    }

    /// <summary>
    /// <c>ggml_vec_dot_q5_K_q8_K</c> (AVX2) with the mins term in a float vector accumulator and zero-extending
    /// <c>vpshufb</c> scales, as in <see cref="Q4_KFormat.DotAvx2"/>.
    /// </summary>
    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        Vector256<float> accMin = Vector256<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector256<byte> sm = Vector256.Create(KQuantScales.Unpack(x + 4));
            float dy = KDot.Scale(y);
            accMin = Fma.MultiplyAdd(Avx.ConvertToVector256Single(KQuantScales.MinSums(sm, y)), Vector256.Create(QuantMath.Half(x + 2) * dy), accMin);
            sbyte* q8 = KDot.Quants(y);
            Vector256<byte> hbits = Avx.LoadVector256(x + 16);
            byte* q = x + 48;
            Vector256<int> sumi = Avx2.Add(Avx2.Add(Avx2Step(q, hbits, q8, sm, 0), Avx2Step(q, hbits, q8, sm, 1)),
                Avx2.Add(Avx2Step(q, hbits, q8, sm, 2), Avx2Step(q, hbits, q8, sm, 3)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sumi), Vector256.Create(QuantMath.Half(x) * dy), acc);
        }
        return SimdOps.Sum(Avx.Subtract(acc, accMin));
    }

    /// <summary><see cref="DotAvx2"/> with 64 values per <c>vpmaddubsw</c>.</summary>
    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        Vector256<float> accMin = Vector256<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector128<byte> unpacked = KQuantScales.Unpack(x + 4);
            float dy = KDot.Scale(y);
            accMin = Fma.MultiplyAdd(Avx.ConvertToVector256Single(KQuantScales.MinSums(Vector256.Create(unpacked), y)),
                Vector256.Create(QuantMath.Half(x + 2) * dy), accMin);
            Vector512<byte> sm = Vector512.Create(unpacked);
            sbyte* q8 = KDot.Quants(y);
            Vector256<byte> hbits = Avx.LoadVector256(x + 16);
            byte* q = x + 48;
            Vector512<int> sumi = (Avx512Step(q, hbits, q8, sm, 0) + Avx512Step(q, hbits, q8, sm, 1))
                + (Avx512Step(q, hbits, q8, sm, 2) + Avx512Step(q, hbits, q8, sm, 3));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(sumi), Vector512.Create(QuantMath.Half(x) * dy), acc);
        }
        return SimdOps.Sum(Avx.Subtract(Avx.Add(acc.GetLower(), acc.GetUpper()), accMin));
    }

    /// <summary>Values 64j..64j+63 (5-bit: nibble + 16 × qh bit 2j or 2j+1) as two unsigned byte vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte> Lo, Vector256<byte> Hi) Unpack(byte* q, Vector256<byte> hbits, int j)
    {
        Vector256<byte> low = Vector256.Create((byte)0x0F);
        Vector256<byte> bits = Avx.LoadVector256(q + 32 * j);
        Vector256<byte> lo = Avx2.Or(Avx2.And(bits, low), HighBit(hbits, 2 * j));
        Vector256<byte> hi = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte(), low), HighBit(hbits, 2 * j + 1));
        return (lo, hi);
    }

    /// <summary>
    /// Bit <paramref name="bit"/> of every byte moved to bit 4 (value 16) by one 16-bit shift (by the constant 4 − bit) and
    /// a mask: the bits that the shift carries across byte boundaries all land outside bit 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> HighBit(Vector256<byte> hbits, int bit)
    {
        Vector256<ushort> h = hbits.AsUInt16();
        Vector256<ushort> moved = bit < 4 ? Vector256.ShiftLeft(h, 4 - bit) : bit > 4 ? Vector256.ShiftRightLogical(h, bit - 4) : h;
        return Avx2.And(moved.AsByte(), Vector256.Create((byte)0x10));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Avx2Step(byte* q, Vector256<byte> hbits, sbyte* q8, Vector256<byte> sm, int j)
    {
        (Vector256<byte> lo, Vector256<byte> hi) = Unpack(q, hbits, j);
        Vector256<int> plo = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(lo, Avx.LoadVector256(q8 + 64 * j)), KQuantScales.ScaleWords(sm, 2 * j));
        Vector256<int> phi = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(hi, Avx.LoadVector256(q8 + 64 * j + 32)), KQuantScales.ScaleWords(sm, 2 * j + 1));
        return Avx2.Add(plo, phi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Avx512Step(byte* q, Vector256<byte> hbits, sbyte* q8, Vector512<byte> sm, int j)
    {
        (Vector256<byte> lo, Vector256<byte> hi) = Unpack(q, hbits, j);
        return SimdOps.MultiplyAddPairs(SimdOps.MultiplyAddPairs(Vector512.Create(lo, hi), Vector512.Load(q8 + 64 * j)), KQuantScales.ScaleWords(sm, j));
    }
}
