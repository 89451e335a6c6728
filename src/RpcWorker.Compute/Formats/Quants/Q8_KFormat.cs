using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q8_K: 256 int8 with an fp32 scale and 16 int16 group sums (292 bytes); the activation format of the K-quants.
/// ggml-cpu has no dot product for it.
/// </summary>
internal sealed unsafe class Q8_KFormat : RowFormat
{
    public const int BlockSize = QuantMath.QK;
    public const int BlockBytes = 292;
    public const int QsOffset = 4;
    public const int BsumsOffset = 260;

    public override GgmlType Type => GgmlType.Q8_K;

    public override bool CanFromFloat => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = Unsafe.ReadUnaligned<float>(src);
            sbyte* q = (sbyte*)(src + QsOffset);
            for (int j = 0; j < BlockSize; j++)
            {
                dst[j] = d * q[j];
            }
        }
    }

    /// <summary><c>quantize_row_q8_K_ref</c> (what ggml-cpu uses on x86), vectorized with AVX2 where available (same bytes).</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        if (Avx2.IsSupported)
        {
            FromFloatAvx2(src, dst, n);
        }
        else
        {
            FromFloatScalar(src, dst, n);
        }
    }

    /// <summary><c>quantize_row_q8_K_ref</c>: scale −127/max (max = the first value of largest magnitude), nearest_int, group sums.</summary>
    internal static void FromFloatScalar(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float max = 0;
            float amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float ax = MathF.Abs(src[j]);
                if (ax > amax)
                {
                    amax = ax;
                    max = src[j];
                }
            }
            sbyte* q = (sbyte*)(dst + QsOffset);
            short* bsums = (short*)(dst + BsumsOffset);
            if (amax == 0)
            {
                new Span<byte>(dst, BlockBytes).Clear();
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < BlockSize; j++)
            {
                q[j] = (sbyte)Math.Min(127, QuantMath.NearestInt(iscale * src[j]));
            }
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int k = 0; k < 16; k++)
                {
                    sum += q[g * 16 + k];
                }
                Unsafe.WriteUnaligned(bsums + g, (short)sum);
            }
            Unsafe.WriteUnaligned(dst, 1 / iscale);
        }
    }

    /// <summary>
    /// <see cref="FromFloatScalar"/> with AVX2, byte for byte: <c>vmaxps</c> ignores NaN like the scalar <c>&gt;</c>, the
    /// first value of largest magnitude is found by compare + movemask, <c>vcvtps2dq</c> rounds to nearest even like
    /// nearest_int (NaN products are zeroed first and a block whose scale overflows is all zeros, as nearest_int and the
    /// int8 cast map NaN and ±inf to 0), and the group sums come from the int32
    /// values through a <c>vphaddd</c> tree.
    /// </summary>
    internal static void FromFloatAvx2(float* src, byte* dst, long n)
    {
        Vector256<float> absMask = Vector256.Create(0x7FFFFFFF).AsSingle();
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            Vector256<float> m0 = Vector256<float>.Zero;
            Vector256<float> m1 = Vector256<float>.Zero;
            for (int j = 0; j < BlockSize; j += 16)
            {
                m0 = Avx.Max(Avx.And(Avx.LoadVector256(src + j), absMask), m0);
                m1 = Avx.Max(Avx.And(Avx.LoadVector256(src + j + 8), absMask), m1);
            }
            Vector128<float> m = Sse.Max(Avx.Max(m0, m1).GetLower(), Avx.Max(m0, m1).GetUpper());
            m = Sse.Max(m, Sse.MoveHighToLow(m, m));
            float amax = Sse.MaxScalar(m, Sse3.MoveHighAndDuplicate(m)).ToScalar();
            if (amax == 0)
            {
                new Span<byte>(dst, BlockBytes).Clear();
                continue;
            }
            Vector256<float> target = Vector256.Create(amax);
            int first = 0;
            for (int j = 0; j < BlockSize; j += 8)
            {
                int mask = Avx.MoveMask(Avx.CompareEqual(Avx.And(Avx.LoadVector256(src + j), absMask), target));
                if (mask != 0)
                {
                    first = j + BitOperations.TrailingZeroCount(mask);
                    break;
                }
            }
            float iscale = -127f / src[first];
            if (!float.IsFinite(iscale))
            {
                // A subnormal-sized max: every product is ±inf or NaN, which nearest_int and the int8 cast turn into 0.
                new Span<byte>(dst, BlockBytes).Clear();
                Unsafe.WriteUnaligned(dst, 1 / iscale);
                continue;
            }
            Vector256<float> scale = Vector256.Create(iscale);
            sbyte* q = (sbyte*)(dst + QsOffset);
            Vector256<int> h0 = Quarter(src, q, scale);
            Vector256<int> h1 = Quarter(src + 64, q + 64, scale);
            Vector256<int> h2 = Quarter(src + 128, q + 128, scale);
            Vector256<int> h3 = Quarter(src + 192, q + 192, scale);
            Vector256<int> sums0 = Avx2.Add(Avx2.Permute2x128(h0, h1, 0x20), Avx2.Permute2x128(h0, h1, 0x31));
            Vector256<int> sums1 = Avx2.Add(Avx2.Permute2x128(h2, h3, 0x20), Avx2.Permute2x128(h2, h3, 0x31));
            Vector256<short> bsums = Avx2.Permute4x64(Avx2.PackSignedSaturate(sums0, sums1).AsInt64(), 0xD8).AsInt16();
            Avx.Store((short*)(dst + BsumsOffset), bsums);
            Unsafe.WriteUnaligned(dst, 1 / iscale);
        }
    }

    /// <summary>
    /// Quantizes 64 values (groups 4k..4k+3 of a block) to <paramref name="q"/>; returns their group sums as
    /// [low-half sums of the 4 groups | high-half sums of the 4 groups].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quarter(float* src, sbyte* q, Vector256<float> scale)
    {
        Vector256<int> a = Round(src, scale);
        Vector256<int> b = Round(src + 8, scale);
        Vector256<int> c = Round(src + 16, scale);
        Vector256<int> d = Round(src + 24, scale);
        Vector256<int> e = Round(src + 32, scale);
        Vector256<int> f = Round(src + 40, scale);
        Vector256<int> g = Round(src + 48, scale);
        Vector256<int> h = Round(src + 56, scale);
        Vector256<int> order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        Vector256<sbyte> lo = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(a, b), Avx2.PackSignedSaturate(c, d));
        Vector256<sbyte> hi = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(e, f), Avx2.PackSignedSaturate(g, h));
        Avx.Store(q, Avx2.PermuteVar8x32(lo.AsInt32(), order).AsSByte());
        Avx.Store(q + 32, Avx2.PermuteVar8x32(hi.AsInt32(), order).AsSByte());
        return Avx2.HorizontalAdd(Avx2.HorizontalAdd(Avx2.Add(a, b), Avx2.Add(c, d)), Avx2.HorizontalAdd(Avx2.Add(e, f), Avx2.Add(g, h)));
    }

    /// <summary>nearest_int(scale·x) for 8 values, NaN products as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Round(float* src, Vector256<float> scale)
    {
        Vector256<float> p = Avx.Multiply(scale, Avx.LoadVector256(src));
        return Avx.ConvertToVector256Int32(Avx.And(p, Avx.CompareOrdered(p, p)));
    }
}
