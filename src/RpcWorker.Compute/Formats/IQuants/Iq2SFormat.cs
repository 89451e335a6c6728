using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ2_S rows (2.56 bpw): per 256 a fp16 scale, 32 low grid-index bytes, 32 explicit sign bytes, 8 bytes of high
/// index bits (2 per 8 elements) and 8 bytes of two 4-bit sub-scales.
/// </summary>
internal sealed unsafe class Iq2SFormat : RowFormat
{
    public const int BlockBytes = 82;

    private readonly bool _avx2;

    public Iq2SFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq2SFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ2_S;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            float d = Fp16.ToSingle(*(ushort*)x);
            byte* qs = x + 2;
            byte* signs = qs + 32;
            byte* qh = x + 66;
            byte* scales = x + 74;
            for (int ib32 = 0; ib32 < 8; ib32++, qs += 4, signs += 4)
            {
                float db0 = d * (0.5f + (scales[ib32] & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (scales[ib32] >> 4)) * 0.25f;
                for (int l = 0; l < 4; l++)
                {
                    float dl = l < 2 ? db0 : db1;
                    byte* grid = (byte*)(Iq2sGrid + (qs[l] | ((qh[ib32] << (8 - 2 * l)) & 0x300)));
                    for (int j = 0; j < 8; j++)
                    {
                        float v = dl * grid[j];
                        dst[j] = (signs[l] & (1 << j)) != 0 ? -v : v;
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
            byte* qs = x + 2;
            byte* signs = qs + 32;
            byte* qh = x + 66;
            byte* scales = x + 74;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> acc = Vector256<int>.Zero;
            for (int ib32 = 0; ib32 < 8; ib32++, qs += 4, signs += 4, q8 += 32)
            {
                int h = qh[ib32];
                acc += IQuantDot.Dot32(
                    IQuantDot.ApplySigns(Iq2sGrid[qs[0] | ((h << 8) & 0x300)], signs[0]),
                    IQuantDot.ApplySigns(Iq2sGrid[qs[1] | ((h << 6) & 0x300)], signs[1]),
                    IQuantDot.ApplySigns(Iq2sGrid[qs[2] | ((h << 4) & 0x300)], signs[2]),
                    IQuantDot.ApplySigns(Iq2sGrid[qs[3] | ((h << 2) & 0x300)], signs[3]),
                    q8, (short)(1 + 2 * (scales[ib32] & 0xf)), (short)(1 + 2 * (scales[ib32] >> 4)));
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
            byte* qs = x + 2;
            byte* signs = qs + 32;
            byte* qh = x + 66;
            byte* scales = x + 74;
            sbyte* q8 = Q8KBlock.Quants(y);
            int bsum = 0;
            for (int ib32 = 0; ib32 < 8; ib32++, qs += 4, signs += 4)
            {
                int ls1 = 1 + 2 * (scales[ib32] & 0xf);
                int ls2 = 1 + 2 * (scales[ib32] >> 4);
                int sumi1 = 0;
                int sumi2 = 0;
                for (int l = 0; l < 4; l++, q8 += 8)
                {
                    byte* grid = (byte*)(Iq2sGrid + (qs[l] | ((qh[ib32] << (8 - 2 * l)) & 0x300)));
                    int s = IQuantDot.SignedGridDot8(grid, signs[l], q8);
                    if (l < 2)
                    {
                        sumi1 += s;
                    }
                    else
                    {
                        sumi2 += s;
                    }
                }
                bsum += ls1 * sumi1 + ls2 * sumi2;
            }
            sumf += d * bsum;
        }
        return 0.125f * sumf;
    }
}
