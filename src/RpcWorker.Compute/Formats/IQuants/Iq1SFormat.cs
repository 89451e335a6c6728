using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ1_S rows (1.56 bpw): per 256 a fp16 scale, 32 low grid-index bytes and 8 u16 each holding four 3-bit high index
/// parts, a 3-bit sub-scale and the sign of the ±1/8 shift for 32 elements.
/// </summary>
internal sealed unsafe class Iq1SFormat : RowFormat
{
    public const int BlockBytes = 50;

    private const float Delta = 0.125f;

    private readonly bool _avx2;

    public Iq1SFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq1SFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ1_S;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            float d = Fp16.ToSingle(*(ushort*)x);
            byte* qs = x + 2;
            ushort* qh = (ushort*)(x + 34);
            for (int ib = 0; ib < 8; ib++, qs += 4)
            {
                float dl = d * (2 * ((qh[ib] >> 12) & 7) + 1);
                float delta = (qh[ib] & 0x8000) != 0 ? -Delta : Delta;
                for (int l = 0; l < 4; l++)
                {
                    sbyte* grid = (sbyte*)(Iq1sGrid + (qs[l] | (((qh[ib] >> (3 * l)) & 7) << 8)));
                    for (int j = 0; j < 8; j++)
                    {
                        dst[j] = dl * (grid[j] + delta);
                    }
                    dst += 8;
                }
            }
        }
    }

    public override float VecDot(long n, byte* x, byte* y) => _avx2 ? VecDotAvx2(n, x, y) : VecDotScalar(n, x, y);

    private static float VecDotAvx2(long n, byte* x, byte* y)
    {
        float sumf = 0;
        for (long i = 0; i < n / 256; i++, x += BlockBytes, y += Q8KBlock.Bytes)
        {
            byte* qs = x + 2;
            ushort* qh = (ushort*)(x + 34);
            sbyte* q8 = Q8KBlock.Quants(y);
            short* bsums = Q8KBlock.Sums(y);
            Vector256<int> acc = Vector256<int>.Zero;
            int sumi1 = 0;
            for (int ib = 0; ib < 8; ib++, qs += 4, q8 += 32)
            {
                int h = qh[ib];
                short ls = (short)(2 * ((h >> 12) & 7) + 1);
                int delta = (h & 0x8000) != 0 ? -1 : 1;
                acc += IQuantDot.Dot32(
                    Iq1sGrid[qs[0] | ((h & 7) << 8)],
                    Iq1sGrid[qs[1] | (((h >> 3) & 7) << 8)],
                    Iq1sGrid[qs[2] | (((h >> 6) & 7) << 8)],
                    Iq1sGrid[qs[3] | (((h >> 9) & 7) << 8)],
                    q8, ls, ls);
                sumi1 += ls * delta * (bsums[2 * ib] + bsums[2 * ib + 1]);
            }
            sumf += Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y) * (Vector256.Sum(acc) + Delta * sumi1);
        }
        return sumf;
    }

    private static float VecDotScalar(long n, byte* x, byte* y)
    {
        float sumf = 0;
        for (long i = 0; i < n / 256; i++, x += BlockBytes, y += Q8KBlock.Bytes)
        {
            byte* qs = x + 2;
            ushort* qh = (ushort*)(x + 34);
            sbyte* q8 = Q8KBlock.Quants(y);
            short* bsums = Q8KBlock.Sums(y);
            int sumi = 0;
            int sumi1 = 0;
            for (int ib = 0; ib < 8; ib++, qs += 4)
            {
                int ls = 2 * ((qh[ib] >> 12) & 7) + 1;
                int delta = (qh[ib] & 0x8000) != 0 ? -1 : 1;
                int lsum = 0;
                for (int l = 0; l < 4; l++, q8 += 8)
                {
                    lsum += IQuantDot.GridDot8((sbyte*)(Iq1sGrid + (qs[l] | (((qh[ib] >> (3 * l)) & 7) << 8))), q8);
                }
                sumi += ls * lsum;
                sumi1 += ls * delta * (bsums[2 * ib] + bsums[2 * ib + 1]);
            }
            sumf += Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y) * (sumi + Delta * sumi1);
        }
        return sumf;
    }
}
