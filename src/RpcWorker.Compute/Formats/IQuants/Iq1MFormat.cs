using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ1_M rows (1.75 bpw): per 256, 32 low grid-index bytes, 16 bytes of 3-bit high index parts and shift signs (one
/// nibble per 8 elements), and 8 bytes of 3-bit sub-scales whose top nibbles together form the fp16 block scale.
/// </summary>
internal sealed unsafe class Iq1MFormat : RowFormat
{
    public const int BlockBytes = 56;

    private const float Delta = 0.125f;

    private readonly bool _avx2;

    public Iq1MFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq1MFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ1_M;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    private static float BlockScale(ushort* sc) =>
        Fp16.ToSingle((ushort)((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000)));

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            byte* qs = x;
            byte* qh = x + 32;
            ushort* sc = (ushort*)(x + 48);
            float d = BlockScale(sc);
            for (int ib = 0; ib < 8; ib++, qs += 4, qh += 2)
            {
                float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1);
                float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
                for (int l = 0; l < 4; l++)
                {
                    int h = qh[l / 2];
                    int idx = qs[l] | ((l % 2 == 0 ? h << 8 : h << 4) & 0x700);
                    float delta = (h & (l % 2 == 0 ? 0x08 : 0x80)) != 0 ? -Delta : Delta;
                    float dl = l < 2 ? dl1 : dl2;
                    sbyte* grid = (sbyte*)(Iq1sGrid + idx);
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
            byte* qs = x;
            byte* qh = x + 32;
            ushort* sc = (ushort*)(x + 48);
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> acc1 = Vector256<int>.Zero;
            Vector256<int> acc2 = Vector256<int>.Zero;
            for (int ib = 0; ib < 8; ib++, qs += 4, qh += 2, q8 += 32)
            {
                short ls1 = (short)(2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1);
                short ls2 = (short)(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
                int h0 = qh[0];
                int h1 = qh[1];
                acc1 += IQuantDot.Dot32(
                    Iq1sGrid[qs[0] | ((h0 << 8) & 0x700)],
                    Iq1sGrid[qs[1] | ((h0 << 4) & 0x700)],
                    Iq1sGrid[qs[2] | ((h1 << 8) & 0x700)],
                    Iq1sGrid[qs[3] | ((h1 << 4) & 0x700)],
                    q8, ls1, ls2);
                acc2 += IQuantDot.Dot32(Shift(h0 & 0x08), Shift(h0 & 0x80), Shift(h1 & 0x08), Shift(h1 & 0x80), q8, ls1, ls2);
            }
            sumf += BlockScale(sc) * Q8KBlock.Scale(y) * (Vector256.Sum(acc1) + Delta * Vector256.Sum(acc2));
        }
        return sumf;
    }

    /// <summary>Eight bytes of the ±1 shift sign: −1 when the flag bit is set.</summary>
    private static ulong Shift(int flag) => flag != 0 ? ulong.MaxValue : 0x0101010101010101;

    private static float VecDotScalar(long n, byte* x, byte* y)
    {
        float sumf = 0;
        for (long i = 0; i < n / 256; i++, x += BlockBytes, y += Q8KBlock.Bytes)
        {
            byte* qs = x;
            byte* qh = x + 32;
            ushort* sc = (ushort*)(x + 48);
            sbyte* q8 = Q8KBlock.Quants(y);
            int sumi1 = 0;
            int sumi2 = 0;
            for (int ib = 0; ib < 8; ib++, qs += 4, qh += 2)
            {
                int sum1a = 0;
                int sum1b = 0;
                int sum2a = 0;
                int sum2b = 0;
                for (int l = 0; l < 4; l++, q8 += 8)
                {
                    int h = qh[l / 2];
                    int idx = qs[l] | ((h << (8 - 4 * (l % 2))) & 0x700);
                    int delta = (h & (l % 2 == 0 ? 0x08 : 0x80)) != 0 ? -1 : 1;
                    int lsum1 = IQuantDot.GridDot8((sbyte*)(Iq1sGrid + idx), q8);
                    int lsum2 = 0;
                    for (int j = 0; j < 8; j++)
                    {
                        lsum2 += q8[j];
                    }
                    if (l < 2)
                    {
                        sum1a += lsum1;
                        sum2a += lsum2 * delta;
                    }
                    else
                    {
                        sum1b += lsum1;
                        sum2b += lsum2 * delta;
                    }
                }
                int ls1 = 2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1;
                int ls2 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1;
                sumi1 += sum1a * ls1 + sum1b * ls2;
                sumi2 += sum2a * ls1 + sum2b * ls2;
            }
            sumf += BlockScale(sc) * Q8KBlock.Scale(y) * (sumi1 + Delta * sumi2);
        }
        return sumf;
    }
}
