using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q8_0: blocks of 32 int8 with an fp16 scale (34 bytes); the activation format of the 32-block types.</summary>
internal sealed unsafe class Q8_0Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q8_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            sbyte* q = (sbyte*)(src + 2);
            for (int j = 0; j < BlockSize; j++)
            {
                dst[j] = q[j] * d;
            }
        }
    }

    /// <summary>ggml-cpu's x86 <c>quantize_row_q8_0</c>: d = amax/127, values × (127/amax) rounded half to even.</summary>
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

    internal static void FromFloatScalar(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            QuantizeBlock(src, dst, out _, out _);
        }
    }

    /// <summary>ggml's AVX2 <c>quantize_row_q8_0</c>: see <see cref="QuantizeAvx2"/>.</summary>
    internal static void FromFloatAvx2(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            Vector256<sbyte> q = QuantizeAvx2(src, out float amax);
            QuantMath.StoreHalf(dst, amax / 127f);
            Avx.Store((sbyte*)(dst + 2), q);
        }
    }

    /// <summary>
    /// One block's 32 quants and its largest |x|, instruction for instruction ggml's AVX2 code (<c>vmaxps</c> tree,
    /// <c>vroundps</c>, saturating packs), so the bytes equal <see cref="QuantizeBlock"/>'s for every input, NaN included.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<sbyte> QuantizeAvx2(float* src, out float amax)
    {
        Vector256<float> sign = Vector256.Create(-0.0f);
        Vector256<float> v0 = Avx.LoadVector256(src);
        Vector256<float> v1 = Avx.LoadVector256(src + 8);
        Vector256<float> v2 = Avx.LoadVector256(src + 16);
        Vector256<float> v3 = Avx.LoadVector256(src + 24);
        Vector256<float> maxAbs = Avx.AndNot(sign, v0);
        maxAbs = Avx.Max(maxAbs, Avx.AndNot(sign, v1));
        maxAbs = Avx.Max(maxAbs, Avx.AndNot(sign, v2));
        maxAbs = Avx.Max(maxAbs, Avx.AndNot(sign, v3));
        Vector128<float> max4 = Sse.Max(maxAbs.GetUpper(), maxAbs.GetLower());
        max4 = Sse.Max(max4, Sse.MoveHighToLow(max4, max4));
        amax = Sse.MaxScalar(max4, Sse3.MoveHighAndDuplicate(max4)).ToScalar();
        Vector256<float> id = Vector256.Create(amax != 0f ? 127f / amax : 0f);
        Vector256<int> i0 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v0, id)));
        Vector256<int> i1 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v1, id)));
        Vector256<int> i2 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v2, id)));
        Vector256<int> i3 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v3, id)));
        Vector256<sbyte> q = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
        return Avx2.PermuteVar8x32(q.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte();
    }

    /// <summary>
    /// The largest |x| of a block as ggml's AVX2 code finds it: <c>vmaxps</c> (the second operand unless the first is
    /// greater, so NaN handling depends on the order) over 8 lanes of 4 vectors, then across the lanes.
    /// </summary>
    private static float MaxAbs(float* x)
    {
        float* lanes = stackalloc float[8];
        for (int l = 0; l < 8; l++)
        {
            float m = MathF.Abs(x[l]);
            for (int v = 1; v < 4; v++)
            {
                m = Max(m, MathF.Abs(x[(8 * v) + l]));
            }
            lanes[l] = m;
        }
        float m0 = Max(lanes[4], lanes[0]), m1 = Max(lanes[5], lanes[1]), m2 = Max(lanes[6], lanes[2]), m3 = Max(lanes[7], lanes[3]);
        return Max(Max(m0, m2), Max(m1, m3));

        static float Max(float a, float b) => a > b ? a : b;
    }

    /// <summary>
    /// Quantizes one block like ggml's AVX path; <paramref name="sum"/> is the sum of the int8 values and
    /// <paramref name="amax"/> the largest |x| (for Q8_1).
    /// </summary>
    public static void QuantizeBlock(float* x, byte* block, out int sum, out float amax)
    {
        amax = MaxAbs(x);
        float d = amax / 127f;
        QuantMath.StoreHalf(block, d);
        float id = amax != 0f ? 127f / amax : 0f;
        sbyte* q = (sbyte*)(block + 2);
        int s = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            // vcvtps2dq (NaN and values outside int32 give INT_MIN), then the saturating packs to int8.
            float r = MathF.Round(x[j] * id);
            int v = r < 2147483648f && r >= -2147483648f ? (int)Math.Clamp(r, -128f, 127f) : -128;
            q[j] = (sbyte)v;
            s += v;
        }
        sum = s;
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        long nb = n / BlockSize;
        return Simd switch
        {
            SimdLevel.Avx512 => DotAvx512(nb, x, y),
            SimdLevel.Avx2 => DotAvx2(nb, x, y),
            SimdLevel.Vector128 => DotVector128(nb, x, y),
            _ => DotScalar(nb, x, y),
        };
    }

    public override void DotTile(long n, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
    {
        if (Simd >= SimdLevel.Avx2)
        {
            Q8_0DotTile.Run<TileWeights>(n, a, lda, rows, b, cols, d, rowOffset);
        }
        else
        {
            base.DotTile(n, a, lda, rows, b, cols, d, rowOffset);
        }
    }

    internal static float DotScalar(long nb, byte* x, byte* y)
    {
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += BlockBytes)
        {
            sbyte* qx = (sbyte*)(x + 2);
            sbyte* qy = (sbyte*)(y + 2);
            int sumi = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                sumi += qx[j] * qy[j];
            }
            sum += sumi * (QuantMath.Half(x) * QuantMath.Half(y));
        }
        return sum;
    }

    internal static float DotVector128(long nb, byte* x, byte* y)
    {
        float sum = 0;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += BlockBytes)
        {
            Vector128<int> acc = SimdOps.DotS8(Vector128.Load((sbyte*)(x + 2)), Vector128.Load((sbyte*)(y + 2)))
                + SimdOps.DotS8(Vector128.Load((sbyte*)(x + 18)), Vector128.Load((sbyte*)(y + 18)));
            sum += Vector128.Sum(acc) * (QuantMath.Half(x) * QuantMath.Half(y));
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        for (long i = 0; i < nb; i++, x += BlockBytes, y += BlockBytes)
        {
            Vector256<int> p = SimdOps.DotS8(Avx.LoadVector256((sbyte*)(x + 2)), Avx.LoadVector256((sbyte*)(y + 2)));
            float d = QuantMath.Half(x) * QuantMath.Half(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }

    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        long i = 0;
        for (; i + 1 < nb; i += 2, x += 2 * BlockBytes, y += 2 * BlockBytes)
        {
            Vector512<sbyte> qx = Vector512.Create(Avx.LoadVector256((sbyte*)(x + 2)), Avx.LoadVector256((sbyte*)(x + BlockBytes + 2)));
            Vector512<sbyte> qy = Vector512.Create(Avx.LoadVector256((sbyte*)(y + 2)), Avx.LoadVector256((sbyte*)(y + BlockBytes + 2)));
            Vector512<int> p = SimdOps.DotS8(qx, qy);
            Vector512<float> d = Vector512.Create(
                Vector256.Create(QuantMath.Half(x) * QuantMath.Half(y)),
                Vector256.Create(QuantMath.Half(x + BlockBytes) * QuantMath.Half(y + BlockBytes)));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(p), d, acc);
        }
        float sum = Vector512.Sum(acc);
        return i < nb ? sum + DotAvx2(nb - i, x, y) : sum;
    }

    /// <summary>Q8_0 in the tiles: signed quants, multiplied with the sign trick Σx·y = Σ|x|·(y·sign x).</summary>
    private struct TileWeights : Q8_0DotTile.IWeights
    {
        public static int BlockBytes => Q8_0Format.BlockBytes;

        public static int Offset => 0;

        public static int Int16Groups => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Row(byte* block) => Avx.LoadVector256(block + 2);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Dot(long nb, byte* x, byte* y) => DotAvx2(nb, x, y);
    }
}
