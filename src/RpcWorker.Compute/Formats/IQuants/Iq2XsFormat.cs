using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ2_XS rows (2.31 bpw): per 256 a fp16 scale, 32 u16 (9-bit grid index + 7-bit sign index per 8 elements) and
/// 8 bytes of two 4-bit sub-scales (one per 16 elements).
/// </summary>
internal sealed unsafe class Iq2XsFormat : RowFormat
{
    public const int BlockBytes = 74;

    private readonly bool _avx2;

    public Iq2XsFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq2XsFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ2_XS;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            float d = Fp16.ToSingle(*(ushort*)x);
            ushort* qs = (ushort*)(x + 2);
            byte* scales = x + 66;
            for (int ib32 = 0; ib32 < 8; ib32++)
            {
                float db0 = d * (0.5f + (scales[ib32] & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (scales[ib32] >> 4)) * 0.25f;
                for (int l = 0; l < 4; l++)
                {
                    int q = qs[4 * ib32 + l];
                    byte* grid = (byte*)(Iq2xsGrid + (q & 511));
                    byte signs = KsignsIq2xs[q >> 9];
                    float db = l < 2 ? db0 : db1;
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
            ushort* q2 = (ushort*)(x + 2);
            byte* sc = x + 66;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> acc = Vector256<int>.Zero;
            for (int ib32 = 0; ib32 < 8; ib32++, q2 += 4, q8 += 32)
            {
                acc += IQuantDot.Dot32(
                    IQuantDot.ApplySigns(Iq2xsGrid[q2[0] & 511], KsignsIq2xs[q2[0] >> 9]),
                    IQuantDot.ApplySigns(Iq2xsGrid[q2[1] & 511], KsignsIq2xs[q2[1] >> 9]),
                    IQuantDot.ApplySigns(Iq2xsGrid[q2[2] & 511], KsignsIq2xs[q2[2] >> 9]),
                    IQuantDot.ApplySigns(Iq2xsGrid[q2[3] & 511], KsignsIq2xs[q2[3] >> 9]),
                    q8, (short)(2 * (sc[ib32] & 0xf) + 1), (short)(2 * (sc[ib32] >> 4) + 1));
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
            ushort* q2 = (ushort*)(x + 2);
            byte* sc = x + 66;
            sbyte* q8 = Q8KBlock.Quants(y);
            int bsum = 0;
            for (int ib32 = 0; ib32 < 8; ib32++, q2 += 4)
            {
                int ls1 = 2 * (sc[ib32] & 0xf) + 1;
                int ls2 = 2 * (sc[ib32] >> 4) + 1;
                int sumi1 = 0;
                int sumi2 = 0;
                for (int l = 0; l < 4; l++, q8 += 8)
                {
                    int s = IQuantDot.SignedGridDot8((byte*)(Iq2xsGrid + (q2[l] & 511)), KsignsIq2xs[q2[l] >> 9], q8);
                    if (l < 2)
                    {
                        sumi1 += s;
                    }
                    else
                    {
                        sumi2 += s;
                    }
                }
                bsum += sumi1 * ls1 + sumi2 * ls2;
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }
}
