using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ3_XXS rows (3.06 bpw): per 256 a fp16 scale, 64 grid-index bytes (4 elements each) and 8 u32 holding four
/// 7-bit sign indices and a 4-bit sub-scale per 32 elements.
/// </summary>
internal sealed unsafe class Iq3XxsFormat : RowFormat
{
    public const int BlockBytes = 98;

    private readonly bool _avx2;

    public Iq3XxsFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq3XxsFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ3_XXS;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            float d = Fp16.ToSingle(*(ushort*)x);
            byte* qs = x + 2;
            byte* scalesAndSigns = qs + 64;
            for (int ib32 = 0; ib32 < 8; ib32++, qs += 8)
            {
                uint aux32 = *(uint*)(scalesAndSigns + 4 * ib32);
                float db = d * (0.5f + (aux32 >> 28)) * 0.5f;
                for (int l = 0; l < 4; l++)
                {
                    byte signs = KsignsIq2xs[(aux32 >> (7 * l)) & 127];
                    byte* grid1 = (byte*)(Iq3xxsGrid + qs[2 * l]);
                    byte* grid2 = (byte*)(Iq3xxsGrid + qs[2 * l + 1]);
                    for (int j = 0; j < 4; j++)
                    {
                        float v1 = db * grid1[j];
                        float v2 = db * grid2[j];
                        dst[j] = (signs & (1 << j)) != 0 ? -v1 : v1;
                        dst[j + 4] = (signs & (1 << (j + 4))) != 0 ? -v2 : v2;
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
            byte* q3 = x + 2;
            byte* gas = q3 + 64;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> acc = Vector256<int>.Zero;
            for (int ib32 = 0; ib32 < 8; ib32++, q3 += 8, gas += 4, q8 += 32)
            {
                uint aux32 = *(uint*)gas;
                short ls = (short)(2 * (aux32 >> 28) + 1);
                acc += IQuantDot.Dot32(
                    IQuantDot.ApplySigns(Pair(q3[0], q3[1]), KsignsIq2xs[aux32 & 127]),
                    IQuantDot.ApplySigns(Pair(q3[2], q3[3]), KsignsIq2xs[(aux32 >> 7) & 127]),
                    IQuantDot.ApplySigns(Pair(q3[4], q3[5]), KsignsIq2xs[(aux32 >> 14) & 127]),
                    IQuantDot.ApplySigns(Pair(q3[6], q3[7]), KsignsIq2xs[(aux32 >> 21) & 127]),
                    q8, ls, ls);
            }
            sumf += d * Vector256.Sum(acc);
        }
        return 0.25f * sumf;
    }

    private static ulong Pair(byte i1, byte i2) => Iq3xxsGrid[i1] | ((ulong)Iq3xxsGrid[i2] << 32);

    private static float VecDotScalar(long n, byte* x, byte* y)
    {
        float sumf = 0;
        for (long i = 0; i < n / 256; i++, x += BlockBytes, y += Q8KBlock.Bytes)
        {
            float d = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* q3 = x + 2;
            byte* gas = q3 + 64;
            sbyte* q8 = Q8KBlock.Quants(y);
            int bsum = 0;
            for (int ib32 = 0; ib32 < 8; ib32++, q3 += 8, gas += 4)
            {
                uint aux32 = *(uint*)gas;
                int ls = (int)(2 * (aux32 >> 28) + 1);
                int sumi = 0;
                for (int l = 0; l < 4; l++, q8 += 8)
                {
                    int signs = KsignsIq2xs[(aux32 >> (7 * l)) & 127];
                    sumi += IQuantDot.SignedGridDot4((byte*)(Iq3xxsGrid + q3[2 * l]), signs, 0, q8);
                    sumi += IQuantDot.SignedGridDot4((byte*)(Iq3xxsGrid + q3[2 * l + 1]), signs, 4, q8 + 4);
                }
                bsum += sumi * ls;
            }
            sumf += d * bsum;
        }
        return 0.25f * sumf;
    }
}
