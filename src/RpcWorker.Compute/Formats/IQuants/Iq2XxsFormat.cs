using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ2_XXS rows (2.06 bpw): per 256 a fp16 scale and 32 little-endian u16; each 32 elements take two u32 of which the
/// first holds four 8-bit grid indices and the second four 7-bit sign indices plus a 4-bit sub-scale.
/// </summary>
internal sealed unsafe class Iq2XxsFormat : RowFormat
{
    public const int BlockBytes = 66;

    private readonly bool _avx2;

    public Iq2XxsFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq2XxsFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ2_XXS;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            float d = Fp16.ToSingle(*(ushort*)x);
            byte* qs = x + 2;
            for (int ib32 = 0; ib32 < 8; ib32++)
            {
                byte* aux8 = qs + 8 * ib32;
                uint aux1 = *(uint*)(aux8 + 4);
                float db = d * (0.5f + (aux1 >> 28)) * 0.25f;
                for (int l = 0; l < 4; l++)
                {
                    byte* grid = (byte*)(Iq2xxsGrid + aux8[l]);
                    byte signs = KsignsIq2xs[(aux1 >> (7 * l)) & 127];
                    for (int j = 0; j < 8; j++)
                    {
                        float v = db * grid[j];
                        dst[j] = (signs & (1 << j)) != 0 ? -v : v;
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
            float d = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* q2 = x + 2;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> acc = Vector256<int>.Zero;
            for (int ib32 = 0; ib32 < 8; ib32++, q2 += 8, q8 += 32)
            {
                uint aux1 = *(uint*)(q2 + 4);
                short ls = (short)(2 * (aux1 >> 28) + 1);
                acc += IQuantDot.Dot32(
                    IQuantDot.ApplySigns(Iq2xxsGrid[q2[0]], KsignsIq2xs[aux1 & 127]),
                    IQuantDot.ApplySigns(Iq2xxsGrid[q2[1]], KsignsIq2xs[(aux1 >> 7) & 127]),
                    IQuantDot.ApplySigns(Iq2xxsGrid[q2[2]], KsignsIq2xs[(aux1 >> 14) & 127]),
                    IQuantDot.ApplySigns(Iq2xxsGrid[q2[3]], KsignsIq2xs[(aux1 >> 21) & 127]),
                    q8, ls, ls);
            }
            sumf += d * Vector256.Sum(acc);
        }
        return 0.125f * sumf;
    }

    private static float VecDotScalar(long n, byte* x, byte* y)
    {
        float sumf = 0;
        for (long i = 0; i < n / 256; i++, x += BlockBytes, y += Q8KBlock.Bytes)
        {
            float d = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* q2 = x + 2;
            sbyte* q8 = Q8KBlock.Quants(y);
            int bsum = 0;
            for (int ib32 = 0; ib32 < 8; ib32++, q2 += 8)
            {
                uint aux1 = *(uint*)(q2 + 4);
                int ls = (int)(2 * (aux1 >> 28) + 1);
                int sumi = 0;
                for (int l = 0; l < 4; l++, q8 += 8)
                {
                    sumi += IQuantDot.SignedGridDot8((byte*)(Iq2xxsGrid + q2[l]), KsignsIq2xs[(aux1 >> (7 * l)) & 127], q8);
                }
                bsum += sumi * ls;
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }
}
