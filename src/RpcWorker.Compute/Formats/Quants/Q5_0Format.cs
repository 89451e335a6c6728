using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q5_0: blocks of 32 5-bit values (q−16)·d, fp16 d, high bits in a 32-bit mask (22 bytes); dot with Q8_0.</summary>
internal sealed unsafe class Q5_0Format(SimdLevel simd) : RowFormat
{
    public const int BlockSize = 32;
    public const int BlockBytes = 22;

    public SimdLevel Simd { get; } = simd;

    public override GgmlType Type => GgmlType.Q5_0;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / BlockSize; i++, src += BlockBytes, dst += BlockSize)
        {
            float d = QuantMath.Half(src);
            uint qh = Unsafe.ReadUnaligned<uint>(src + 2);
            byte* q = src + 6;
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10;
                int h1 = (int)(qh >> (j + 12)) & 0x10;
                dst[j] = (((q[j] & 0x0F) | h0) - 16) * d;
                dst[j + 16] = (((q[j] >> 4) | h1) - 16) * d;
            }
        }
    }

    /// <summary><c>quantize_row_q5_0_ref</c>.</summary>
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
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.StoreHalf(dst, d);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int x0 = Math.Min(31, QuantMath.TruncToInt8(src[j] * id + 16.5f)) & 0xFF;
                int x1 = Math.Min(31, QuantMath.TruncToInt8(src[j + 16] * id + 16.5f)) & 0xFF;
                dst[6 + j] = (byte)((x0 & 0x0F) | ((x1 & 0x0F) << 4));
                qh |= (uint)((x0 & 0x10) >> 4) << j;
                qh |= (uint)((x1 & 0x10) >> 4) << (j + 16);
            }
            Unsafe.WriteUnaligned(dst + 2, qh);
        }
    }

    public override float VecDot(long n, byte* x, byte* y)
    {
        long nb = n / BlockSize;
        return Simd switch
        {
            SimdLevel.Avx2 or SimdLevel.Avx512 => DotAvx2(nb, x, y),
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
            uint qh = Unsafe.ReadUnaligned<uint>(x + 2);
            byte* qx = x + 6;
            sbyte* qy = (sbyte*)(y + 2);
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10;
                int h1 = (int)(qh >> (j + 12)) & 0x10;
                sumi += (((qx[j] & 0x0F) | h0) - 16) * qy[j] + (((qx[j] >> 4) | h1) - 16) * qy[j + 16];
            }
            sum += QuantMath.Half(x) * QuantMath.Half(y) * sumi;
        }
        return sum;
    }

    internal static float DotVector128(long nb, byte* x, byte* y)
    {
        float sum = 0;
        Vector128<byte> mask = Vector128.Create((byte)0x0F);
        Vector128<byte> high = Vector128.Create((byte)0xF0);
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            uint qh = Unsafe.ReadUnaligned<uint>(x + 2);
            Vector128<byte> q = Vector128.Load(x + 6);
            // (nibble | (bit ? 0 : 0xF0)) read as int8 is nibble + 16·bit − 16.
            Vector128<byte> b0 = SimdOps.BytesFromBits((ushort)qh);
            Vector128<byte> b1 = SimdOps.BytesFromBits((ushort)(qh >> 16));
            Vector128<sbyte> lo = ((q & mask) | Vector128.AndNot(high, b0)).AsSByte();
            Vector128<sbyte> hi = (Vector128.ShiftRightLogical(q, 4) | Vector128.AndNot(high, b1)).AsSByte();
            Vector128<int> acc = SimdOps.DotS8(lo, Vector128.Load((sbyte*)(y + 2))) + SimdOps.DotS8(hi, Vector128.Load((sbyte*)(y + 18)));
            sum += QuantMath.Half(x) * QuantMath.Half(y) * Vector128.Sum(acc);
        }
        return sum;
    }

    internal static float DotAvx2(long nb, byte* x, byte* y)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        Vector256<byte> high = Vector256.Create((byte)0xF0);
        for (long i = 0; i < nb; i++, x += BlockBytes, y += Q8_0Format.BlockBytes)
        {
            Vector256<byte> bits = SimdOps.BytesFromBits(Unsafe.ReadUnaligned<uint>(x + 2));
            Vector256<sbyte> qx = Avx2.Or(SimdOps.Nibbles(x + 6), Avx2.AndNot(bits, high)).AsSByte();
            Vector256<int> p = SimdOps.DotS8(qx, Avx.LoadVector256((sbyte*)(y + 2)));
            float d = QuantMath.Half(x) * QuantMath.Half(y);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>
    /// Q5_0 in the tiles: the unsigned 5-bit values (nibble | high bit·16) go straight into <c>vpmaddubsw</c> and the −16
    /// offset enters as the start value −16·Σy of the int16 sums. Per int16 lane four groups end within ±8·16·128.
    /// </summary>
    private struct TileWeights : Q8_0DotTile.IWeights
    {
        public static int BlockBytes => Q5_0Format.BlockBytes;

        public static int Offset => 16;

        public static int Int16Groups => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Row(byte* block) =>
            Avx2.Or(SimdOps.Nibbles(block + 6), Avx2.And(SimdOps.BytesFromBits(Unsafe.ReadUnaligned<uint>(block + 2)), Vector256.Create((byte)0x10)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Dot(long nb, byte* x, byte* y) => DotAvx2(nb, x, y);
    }
}
