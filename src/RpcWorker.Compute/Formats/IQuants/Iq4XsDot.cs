using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ4_XS × Q8_K dot products (<c>ggml_vec_dot_iq4_xs_q8_K</c>) for each <see cref="SimdLevel"/>: levels by byte
/// shuffle, int8 products via the sign trick and <c>vpmaddubsw</c>, the 6-bit sub-scale via <c>vpmaddwd</c>, and one
/// float FMA per super-block of 256.
/// </summary>
internal static unsafe class Iq4XsDot
{
    private const int XBytes = 136;

    /// <summary>The kernel for <paramref name="level"/> (which must be available on this machine).</summary>
    public static delegate*<long, byte*, byte*, float> Select(SimdLevel level) => level switch
    {
        SimdLevel.Avx512 => &Avx512,
        SimdLevel.Avx2 => &Avx2Dot,
        SimdLevel.Vector128 => &V128,
        _ => &Scalar,
    };

    private static int SubScale(byte* x, int ib) =>
        (((x[4 + ib / 2] >> (4 * (ib % 2))) & 0xf) | (((*(ushort*)(x + 2) >> (2 * ib)) & 3) << 4)) - 32;

    /// <summary>ggml's generic loop (float accumulation per sub-block pair, in order).</summary>
    public static float Scalar(long n, byte* x, byte* y)
    {
        sbyte* values = KvaluesIq4nl;
        float sumf = 0;
        for (long ibl = 0; ibl < n / 256; ibl++, x += XBytes, y += Q8KBlock.Bytes)
        {
            float d4d8 = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* qs = x + 8;
            sbyte* q8 = Q8KBlock.Quants(y);
            for (int ib = 0; ib < 8; ib++, qs += 16, q8 += 32)
            {
                float dl = d4d8 * SubScale(x, ib);
                int sumi1 = 0;
                int sumi2 = 0;
                for (int j = 0; j < 16; j++)
                {
                    sumi1 += q8[j] * values[qs[j] & 0xf];
                    sumi2 += q8[j + 16] * values[qs[j] >> 4];
                }
                sumf += dl * (sumi1 + sumi2);
            }
        }
        return sumf;
    }

    public static float V128(long n, byte* x, byte* y)
    {
        Vector128<sbyte> values = Vector128.Load(KvaluesIq4nl);
        Vector128<byte> low = Vector128.Create((byte)0x0F);
        Vector128<float> acc = Vector128<float>.Zero;
        for (long ibl = 0; ibl < n / 256; ibl++, x += XBytes, y += Q8KBlock.Bytes)
        {
            float d4d8 = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* qs = x + 8;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector128<int> isum = Vector128<int>.Zero;
            for (int ib = 0; ib < 8; ib++, qs += 16, q8 += 32)
            {
                Vector128<byte> raw = Vector128.Load(qs);
                Vector128<sbyte> w0 = Vector128.Shuffle(values, (raw & low).AsSByte());
                Vector128<sbyte> w1 = Vector128.Shuffle(values, Vector128.ShiftRightLogical(raw, 4).AsSByte());
                Vector128<int> s = Iq4NlDot.Dot16(w0, Vector128.Load(q8)) + Iq4NlDot.Dot16(w1, Vector128.Load(q8 + 16));
                isum += s * SubScale(x, ib);
            }
            acc += Vector128.ConvertToSingle(isum) * Vector128.Create(d4d8);
        }
        return Vector128.Sum(acc);
    }

    public static float Avx2Dot(long n, byte* x, byte* y)
    {
        Vector128<sbyte> v = Vector128.Load(KvaluesIq4nl);
        Vector256<sbyte> values = Vector256.Create(v, v);
        Vector128<byte> low = Vector128.Create((byte)0x0F);
        Vector256<float> acc = Vector256<float>.Zero;
        for (long ibl = 0; ibl < n / 256; ibl++, x += XBytes, y += Q8KBlock.Bytes)
        {
            float d4d8 = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* qs = x + 8;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> isum = Vector256<int>.Zero;
            for (int ib = 0; ib < 8; ib++, qs += 16, q8 += 32)
            {
                Vector128<byte> raw = Vector128.Load(qs);
                Vector256<byte> idx = Vector256.Create(raw & low, Vector128.ShiftRightLogical(raw, 4));
                Vector256<sbyte> w = Avx2.Shuffle(values, idx.AsSByte());
                Vector256<sbyte> q = Vector256.Load(q8);
                Vector256<short> p = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(q, w));
                isum += Avx2.MultiplyAddAdjacent(p, Vector256.Create((short)SubScale(x, ib)));
            }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum), Vector256.Create(d4d8), acc);
        }
        return Vector256.Sum(acc);
    }

    public static float Avx512(long n, byte* x, byte* y)
    {
        Vector128<sbyte> v = Vector128.Load(KvaluesIq4nl);
        Vector256<sbyte> v256 = Vector256.Create(v, v);
        Vector512<sbyte> values = Vector512.Create(v256, v256);
        Vector256<byte> low = Vector256.Create((byte)0x0F);
        Vector512<float> acc = Vector512<float>.Zero;
        for (long ibl = 0; ibl < n / 256; ibl++, x += XBytes, y += Q8KBlock.Bytes)
        {
            float d4d8 = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* qs = x + 8;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector512<int> isum = Vector512<int>.Zero;
            for (int ib = 0; ib < 8; ib += 2, qs += 32, q8 += 64)
            {
                Vector256<byte> raw = Vector256.Load(qs);
                Vector512<int> halves = Vector512.Create(raw & low, Vector256.ShiftRightLogical(raw, 4)).AsInt32();
                Vector512<sbyte> idx = Avx512F.Shuffle4x128(halves, halves, 0xD8).AsSByte();
                Vector512<sbyte> w = Avx512BW.Shuffle(values, idx);
                Vector512<sbyte> q = Vector512.Load(q8);
                Vector512<sbyte> sq = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -q, q);
                Vector512<short> p = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), sq);
                Vector512<short> sc = Vector512.Create(
                    Vector256.Create((short)SubScale(x, ib)), Vector256.Create((short)SubScale(x, ib + 1)));
                isum += Avx512BW.MultiplyAddAdjacent(p, sc);
            }
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d4d8), acc);
        }
        return Vector512.Sum(acc);
    }
}
