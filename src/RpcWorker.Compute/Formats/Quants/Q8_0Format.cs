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
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            QuantizeBlock(src, dst, out _);
        }
    }

    /// <summary>Quantizes one block like ggml's AVX path; <paramref name="sum"/> is the sum of the int8 values (for Q8_1).</summary>
    public static void QuantizeBlock(float* x, byte* block, out int sum)
    {
        float amax = 0f;
        for (int j = 0; j < BlockSize; j++)
        {
            float a = MathF.Abs(x[j]);
            amax = amax > a ? amax : a;
        }
        float d = amax / 127f;
        QuantMath.StoreHalf(block, d);
        float id = amax != 0f ? 127f / amax : 0f;
        sbyte* q = (sbyte*)(block + 2);
        int s = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            float r = MathF.Round(x[j] * id);
            int v = r >= 127f ? 127 : r > -128f ? (int)r : -128;
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
