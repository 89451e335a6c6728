using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q4_0: blocks of 32 4-bit values (q−8)·d with an fp16 scale (18 bytes); dot with Q8_0.</summary>
internal sealed unsafe class Q4_0Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q4_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            byte* q = src + 2;
            for (int j = 0; j < 16; j++)
            {
                dst[j] = ((q[j] & 0x0F) - 8) * d;
                dst[j + 16] = ((q[j] >> 4) - 8) * d;
            }
        }
    }

    /// <summary><c>quantize_row_q4_0_ref</c>: d = max/−8 of the value with the largest magnitude.</summary>
    public override void FromFloat(float* src, byte* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockSize, dst += BlockBytes)
        {
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < BlockSize; j++)
            {
                float v = src[j];
                if (amax < MathF.Abs(v))
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.StoreHalf(dst, d);
            for (int j = 0; j < 16; j++)
            {
                int x0 = Math.Min(15, QuantMath.TruncToInt8(src[j] * id + 8.5f));
                int x1 = Math.Min(15, QuantMath.TruncToInt8(src[j + 16] * id + 8.5f));
                dst[2 + j] = (byte)((x0 & 0xFF) | (x1 << 4));
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
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            byte* qx = x + 2;
            sbyte* qy = (sbyte*)(y + 2);
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi += ((qx[j] & 0x0F) - 8) * qy[j] + ((qx[j] >> 4) - 8) * qy[j + 16];
            }
            sum += sumi * QuantMath.Half(x) * QuantMath.Half(y);
        }
        return sum;
    }

    internal static float DotVector128(long nb, byte* x, byte* y)
    {
        float sum = 0;
        Vector128<byte> mask = Vector128.Create((byte)0x0F);
        Vector128<sbyte> eight = Vector128.Create((sbyte)8);
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            Vector128<byte> q = Vector128.Load(x + 2);
            Vector128<sbyte> lo = (q & mask).AsSByte() - eight;
            Vector128<sbyte> hi = Vector128.ShiftRightLogical(q, 4).AsSByte() - eight;
            Vector128<int> acc = SimdOps.DotS8(lo, Vector128.Load((sbyte*)(y + 2))) + SimdOps.DotS8(hi, Vector128.Load((sbyte*)(y + 18)));
            sum += Vector128.Sum(acc) * QuantMath.Half(x) * QuantMath.Half(y);
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        Vector256<sbyte> eight = Vector256.Create((sbyte)8);
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            Vector256<sbyte> qx = Avx2.Subtract(SimdOps.Nibbles(x + 2).AsSByte(), eight);
            Vector256<int> p = SimdOps.DotS8(qx, Avx.LoadVector256((sbyte*)(y + 2)));
            float d = QuantMath.Half(x) * QuantMath.Half(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }

    internal static float DotAvx512(long nb, byte* x, byte* y)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        Vector512<sbyte> eight = Vector512.Create((sbyte)8);
        long i = 0;
        for (; i + 1 < nb; i += 2, x += 2 * BlockBytes, y += 2 * Q8_0Format.BlockBytes)
        {
            Vector512<sbyte> qx = Vector512.Subtract(Vector512.Create(SimdOps.Nibbles(x + 2), SimdOps.Nibbles(x + BlockBytes + 2)).AsSByte(), eight);
            Vector512<sbyte> qy = Vector512.Create(Avx.LoadVector256((sbyte*)(y + 2)), Avx.LoadVector256((sbyte*)(y + Q8_0Format.BlockBytes + 2)));
            Vector512<int> p = SimdOps.DotS8(qx, qy);
            Vector512<float> d = Vector512.Create(
                Vector256.Create(QuantMath.Half(x) * QuantMath.Half(y)),
                Vector256.Create(QuantMath.Half(x + BlockBytes) * QuantMath.Half(y + Q8_0Format.BlockBytes)));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(p), d, acc);
        }
        float sum = Vector512.Sum(acc);
        return i < nb ? sum + DotAvx2(nb - i, x, y) : sum;
    }

    /// <summary>
    /// Q4_0 in the tiles: the unsigned nibbles go straight into <c>vpmaddubsw</c> and the −8 offset enters as the start
    /// value −8·Σy of the int16 sums: Σ(q−8)·y = Σq·y − 8·Σy. Per int16 lane a whole block ends within ±16·8·128.
    /// </summary>
    private struct TileWeights : Q8_0DotTile.IWeights
    {
        public static int BlockBytes => Q4_0Format.BlockBytes;

        public static int Offset => 8;

        public static int Int16Groups => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Row(byte* block) => SimdOps.Nibbles(block + 2);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Dot(long nb, byte* x, byte* y) => DotAvx2(nb, x, y);
    }
}
