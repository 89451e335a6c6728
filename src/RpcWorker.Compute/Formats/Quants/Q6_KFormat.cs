using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q6_K: super-blocks of 256 = 16 groups of 16 6-bit values (q−32)·d·scale with int8 group scales
/// (210 bytes: ql[128], qh[64], scales[16], d); dot with Q8_K.
/// </summary>
internal sealed unsafe class Q6_KFormat(SimdLevel simd) : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 210;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q6_K;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes)
        {
            float d = QuantMath.Half(src + 208);
            byte* ql = src;
            byte* qh = src + 128;
            sbyte* sc = (sbyte*)(src + 192);
            for (int half = 0; half < 2; half++, dst += 128, ql += 64, qh += 32, sc += 8)
            {
                for (int l = 0; l < 32; l++)
                {
                    int g = l / 16;
                    int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    dst[l] = d * sc[g] * q1;
                    dst[l + 32] = d * sc[g + 2] * q2;
                    dst[l + 64] = d * sc[g + 4] * q3;
                    dst[l + 96] = d * sc[g + 6] * q4;
                }
            }
        }
    }

    /// <summary><c>quantize_row_q6_K_ref</c>.</summary>
    [SkipLocalsInit]
    public override void FromFloat(float* src, byte* dst, long n)
    {
        sbyte* l = stackalloc sbyte[BlockSize];
        float* scales = stackalloc float[16];
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int g = 0; g < 16; g++)
            {
                float scale = KQuantizer.MakeQxQuants(16, 32, src + 16 * g, l + 16 * g);
                scales[g] = scale;
                float abs = MathF.Abs(scale);
                if (abs > maxAbsScale)
                {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < QuantMath.GroupMaxEps)
            {
                new Span<byte>(dst, BlockBytes).Clear();
                continue;
            }
            float iscale = -128f / maxScale;
            QuantMath.StoreHalf(dst + 208, 1 / iscale);
            sbyte* sc = (sbyte*)(dst + 192);
            for (int g = 0; g < 16; g++)
            {
                sc[g] = (sbyte)Math.Min(127, QuantMath.NearestInt(iscale * scales[g]));
            }
            float d0 = QuantMath.Half(dst + 208);
            for (int g = 0; g < 16; g++)
            {
                float d = d0 * sc[g];
                if (d == 0)
                {
                    continue;
                }
                for (int k = 0; k < 16; k++)
                {
                    int v = QuantMath.NearestInt(src[16 * g + k] / d);
                    l[16 * g + k] = (sbyte)(Math.Max(-32, Math.Min(31, v)) + 32);
                }
            }
            byte* ql = dst;
            byte* qh = dst + 128;
            for (int j = 0; j < BlockSize; j += 128, ql += 64, qh += 32)
            {
                for (int k = 0; k < 32; k++)
                {
                    int q1 = l[j + k] & 0xF;
                    int q2 = l[j + k + 32] & 0xF;
                    int q3 = l[j + k + 64] & 0xF;
                    int q4 = l[j + k + 96] & 0xF;
                    ql[k] = (byte)(q1 | (q3 << 4));
                    ql[k + 32] = (byte)(q2 | (q4 << 4));
                    qh[k] = (byte)((l[j + k] >> 4) | ((l[j + k + 32] >> 4) << 2) | ((l[j + k + 64] >> 4) << 4) | ((l[j + k + 96] >> 4) << 6));
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

    /// <summary>
    /// Register tiles for groups of 4 columns at the AVX2 and AVX-512 tiers (the AVX2 tiles also run on AVX-512 machines);
    /// the remaining columns and every column below AVX2 go through VecDot per element.
    /// </summary>
    public override void DotTile(long n, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
    {
        if (Simd >= SimdLevel.Avx2 && cols == 1)
        {
            RowDots.Run(n / BlockSize, a, lda, rows, b[0], d[0] + rowOffset, &DotAvx2);
            return;
        }
        int done = Simd >= SimdLevel.Avx2 ? Q6_KTiles.DotTile(n / BlockSize, a, lda, rows, b, cols, d, rowOffset) : 0;
        if (done < cols)
        {
            base.DotTile(n, a, lda, rows, b + done, cols - done, d + done, rowOffset);
        }
    }

    [SkipLocalsInit]
    internal static float DotUnpacked(long nb, byte* x, byte* y, bool vector)
    {
        sbyte* a = stackalloc sbyte[BlockSize];
        int* scales = stackalloc int[16];
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            byte* ql = x;
            byte* qh = x + 128;
            for (int j = 0; j < BlockSize; j += 128, ql += 64, qh += 32)
            {
                for (int l = 0; l < 32; l++)
                {
                    a[j + l] = (sbyte)(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
                    a[j + l + 32] = (sbyte)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                    a[j + l + 64] = (sbyte)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                    a[j + l + 96] = (sbyte)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
                }
            }
            sbyte* sc = (sbyte*)(x + 192);
            for (int g = 0; g < 16; g++)
            {
                scales[g] = sc[g];
            }
            int sumi = KDot.Grouped(a, KDot.Quants(y), scales, vector);
            sum += QuantMath.Half(x + 208) * KDot.Scale(y) * sumi;
        }
        return sum;
    }

    /// <summary>
    /// <c>ggml_vec_dot_q6_K_q8_K</c> (AVX2): the −32 offset is removed as a vector (Σ scale·bsums per lane, shifted by 5)
    /// and the group scales are sign-extended once per super-block, so each <c>vpmaddwd</c> operand is one <c>vpshufb</c>.
    /// </summary>
    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector256<byte> paired = KTileOps.ScalesK6((sbyte*)(x + 192), out Vector256<short> inOrder);
            Vector256<int> offset = Avx2.ShiftLeftLogical(KTileOps.Bsums(inOrder, y), 5);
            sbyte* q8 = KDot.Quants(y);
            Vector256<int> sumi = Avx2.Add(Avx2Half(x, q8, paired, 0), Avx2Half(x, q8, paired, 1));
            float d = QuantMath.Half(x + 208) * KDot.Scale(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.Subtract(sumi, offset)), Vector256.Create(d), acc);
        }
        return SimdOps.Sum(acc);
    }

    /// <summary><see cref="DotAvx2"/> with 64 values per <c>vpmaddubsw</c>.</summary>
    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_KFormat.BlockBytes)
        {
            Vector256<byte> paired = KTileOps.ScalesK6((sbyte*)(x + 192), out Vector256<short> inOrder);
            Vector256<int> offset = Avx2.ShiftLeftLogical(KTileOps.Bsums(inOrder, y), 5);
            Vector512<byte> sc = Vector512.Create(paired, paired);
            sbyte* q8 = KDot.Quants(y);
            Vector512<int> sumi = Avx512Half(x, q8, sc, 0) + Avx512Half(x, q8, sc, 1);
            float d = QuantMath.Half(x + 208) * KDot.Scale(y);
            Vector512<int> total = Vector512.Subtract(sumi, Vector512.Create(offset, Vector256<int>.Zero));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(total), Vector512.Create(d), acc);
        }
        return SimdOps.Sum(Avx.Add(acc.GetLower(), acc.GetUpper()));
    }

    /// <summary>The unsigned 6-bit values 128·half + 32c + l, c = 0..3, of a block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Unpack(byte* x, int half)
    {
        Vector256<byte> low = Vector256.Create((byte)0x0F);
        Vector256<byte> three = Vector256.Create((byte)0x30);
        Vector256<byte> l0 = Avx.LoadVector256(x + 64 * half);
        Vector256<byte> l1 = Avx.LoadVector256(x + 64 * half + 32);
        Vector256<ushort> h = Avx.LoadVector256(x + 128 + 32 * half).AsUInt16();
        return (Avx2.Or(Avx2.And(l0, low), Avx2.And(Avx2.ShiftLeftLogical(h, 4).AsByte(), three)),
            Avx2.Or(Avx2.And(l1, low), Avx2.And(Avx2.ShiftLeftLogical(h, 2).AsByte(), three)),
            Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(l0.AsUInt16(), 4).AsByte(), low), Avx2.And(h.AsByte(), three)),
            Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(l1.AsUInt16(), 4).AsByte(), low), Avx2.And(Avx2.ShiftRightLogical(h, 2).AsByte(), three)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Avx2Half(byte* x, sbyte* q8, Vector256<byte> paired, int half)
    {
        (Vector256<byte> u0, Vector256<byte> u1, Vector256<byte> u2, Vector256<byte> u3) = Unpack(x, half);
        q8 += 128 * half;
        return Avx2.Add(Avx2.Add(Scaled(u0, q8, paired, 4 * half), Scaled(u1, q8 + 32, paired, (4 * half) + 1)),
            Avx2.Add(Scaled(u2, q8 + 64, paired, (4 * half) + 2), Scaled(u3, q8 + 96, paired, (4 * half) + 3)));
    }

    /// <summary>Σ u·q8 over 32 values, groups 2p and 2p+1 weighted by their int16 scales from <see cref="KTileOps.ScalesK6(sbyte*, out Vector256{short})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Scaled(Vector256<byte> u, sbyte* q8, Vector256<byte> paired, int p) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(q8)), KTileOps.Word(paired, p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Avx512Half(byte* x, sbyte* q8, Vector512<byte> sc, int half)
    {
        (Vector256<byte> u0, Vector256<byte> u1, Vector256<byte> u2, Vector256<byte> u3) = Unpack(x, half);
        q8 += 128 * half;
        return Scaled(Vector512.Create(u0, u1), q8, sc, 2 * half) + Scaled(Vector512.Create(u2, u3), q8 + 64, sc, (2 * half) + 1);
    }

    /// <summary>512-bit <see cref="Scaled(Vector256{byte}, sbyte*, Vector256{byte}, int)"/>: groups 4q..4q+3 in the four 128-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Scaled(Vector512<byte> u, sbyte* q8, Vector512<byte> sc, int q)
    {
        return SimdOps.MultiplyAddPairs(SimdOps.MultiplyAddPairs(u, Vector512.Load(q8)), KTileOps.WordPair(sc, q));
    }
}
