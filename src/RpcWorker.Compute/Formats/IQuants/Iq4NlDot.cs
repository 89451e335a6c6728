using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ4_NL × Q8_0 dot products (<c>ggml_vec_dot_iq4_nl_q8_0</c>) for each <see cref="SimdLevel"/>: nibbles pick levels
/// with a byte shuffle, products go through the sign trick and <c>vpmaddubsw</c>, one float FMA per block.
/// </summary>
internal static unsafe class Iq4NlDot
{
    private const int XBytes = 18;
    private const int YBytes = 34;

    /// <summary>The kernel for <paramref name="level"/> (which must be available on this machine).</summary>
    public static delegate*<long, byte*, byte*, float> Select(SimdLevel level) => level switch
    {
        SimdLevel.Avx512 => &Avx512,
        SimdLevel.Avx2 => &Avx2Dot,
        SimdLevel.Vector128 => &V128,
        _ => &Scalar,
    };

    /// <summary>ggml's generic loop: per block d_y·d_x·Σ, summed in order.</summary>
    public static float Scalar(long n, byte* x, byte* y)
    {
        sbyte* values = KvaluesIq4nl;
        float sumf = 0;
        for (long ib = 0; ib < n / 32; ib++, x += XBytes, y += YBytes)
        {
            float d = Fp16.ToSingle(*(ushort*)y) * Fp16.ToSingle(*(ushort*)x);
            byte* qs = x + 2;
            sbyte* q8 = (sbyte*)(y + 2);
            int sumi1 = 0;
            int sumi2 = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi1 += q8[j] * values[qs[j] & 0xf];
                sumi2 += q8[j + 16] * values[qs[j] >> 4];
            }
            sumf += d * (sumi1 + sumi2);
        }
        return sumf;
    }

    public static float V128(long n, byte* x, byte* y)
    {
        Vector128<sbyte> values = Vector128.Load(KvaluesIq4nl);
        Vector128<byte> low = Vector128.Create((byte)0x0F);
        Vector128<float> acc = Vector128<float>.Zero;
        for (long ib = 0; ib < n / 32; ib++, x += XBytes, y += YBytes)
        {
            float d = Fp16.ToSingle(*(ushort*)y) * Fp16.ToSingle(*(ushort*)x);
            Vector128<byte> raw = Vector128.Load(x + 2);
            Vector128<sbyte> w0 = Vector128.Shuffle(values, (raw & low).AsSByte());
            Vector128<sbyte> w1 = Vector128.Shuffle(values, Vector128.ShiftRightLogical(raw, 4).AsSByte());
            Vector128<int> sum = Dot16(w0, Vector128.Load((sbyte*)(y + 2))) + Dot16(w1, Vector128.Load((sbyte*)(y + 18)));
            acc += Vector128.ConvertToSingle(sum) * Vector128.Create(d);
        }
        return Vector128.Sum(acc);
    }

    /// <summary>Four int32 partial sums of 16 int8 × int8 products (portable widening).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<int> Dot16(Vector128<sbyte> a, Vector128<sbyte> b)
    {
        (Vector128<short> a0, Vector128<short> a1) = Vector128.Widen(a);
        (Vector128<short> b0, Vector128<short> b1) = Vector128.Widen(b);
        (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(a0 * b0);
        (Vector128<int> p2, Vector128<int> p3) = Vector128.Widen(a1 * b1);
        return (p0 + p1) + (p2 + p3);
    }

    public static float Avx2Dot(long n, byte* x, byte* y)
    {
        Vector128<sbyte> v = Vector128.Load(KvaluesIq4nl);
        Vector256<sbyte> values = Vector256.Create(v, v);
        Vector256<float> acc = Vector256<float>.Zero;
        for (long ib = 0; ib < n / 32; ib++, x += XBytes, y += YBytes)
        {
            acc = Block256(x, y, values, acc);
        }
        return Vector256.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block256(byte* x, byte* y, Vector256<sbyte> values, Vector256<float> acc)
    {
        float d = Fp16.ToSingle(*(ushort*)y) * Fp16.ToSingle(*(ushort*)x);
        Vector128<byte> raw = Vector128.Load(x + 2);
        Vector128<byte> low = Vector128.Create((byte)0x0F);
        Vector256<byte> idx = Vector256.Create(raw & low, Vector128.ShiftRightLogical(raw, 4));
        Vector256<sbyte> w = Avx2.Shuffle(values, idx.AsSByte());
        Vector256<sbyte> q = Vector256.Load((sbyte*)(y + 2));
        Vector256<short> p = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(q, w));
        Vector256<int> s = Avx2.MultiplyAddAdjacent(p, Vector256.Create((short)1));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(s), Vector256.Create(d), acc);
    }

    public static float Avx512(long n, byte* x, byte* y)
    {
        Vector128<sbyte> v = Vector128.Load(KvaluesIq4nl);
        Vector256<sbyte> v256 = Vector256.Create(v, v);
        Vector512<sbyte> values = Vector512.Create(v256, v256);
        Vector128<byte> low = Vector128.Create((byte)0x0F);
        Vector512<float> acc = Vector512<float>.Zero;
        long nb = n / 32;
        long ib = 0;
        for (; ib + 1 < nb; ib += 2, x += 2 * XBytes, y += 2 * YBytes)
        {
            float d0 = Fp16.ToSingle(*(ushort*)y) * Fp16.ToSingle(*(ushort*)x);
            float d1 = Fp16.ToSingle(*(ushort*)(y + YBytes)) * Fp16.ToSingle(*(ushort*)(x + XBytes));
            Vector128<byte> raw0 = Vector128.Load(x + 2);
            Vector128<byte> raw1 = Vector128.Load(x + XBytes + 2);
            Vector512<byte> idx = Vector512.Create(
                Vector256.Create(raw0 & low, Vector128.ShiftRightLogical(raw0, 4)),
                Vector256.Create(raw1 & low, Vector128.ShiftRightLogical(raw1, 4)));
            Vector512<sbyte> w = Avx512BW.Shuffle(values, idx.AsSByte());
            Vector512<sbyte> q = Vector512.Create(Vector256.Load((sbyte*)(y + 2)), Vector256.Load((sbyte*)(y + YBytes + 2)));
            Vector512<sbyte> sq = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -q, q);
            Vector512<short> p = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), sq);
            Vector512<int> s = Avx512BW.MultiplyAddAdjacent(p, Vector512.Create((short)1));
            Vector512<float> d = Vector512.Create(Vector256.Create(d0), Vector256.Create(d1));
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(s), d, acc);
        }
        float sum = Vector512.Sum(acc);
        if (ib < nb)
        {
            sum += Vector256.Sum(Block256(x, y, v256, Vector256<float>.Zero));
        }
        return sum;
    }
}
