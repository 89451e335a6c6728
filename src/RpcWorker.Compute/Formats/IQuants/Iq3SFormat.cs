using System.Runtime.Intrinsics;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ3_S rows (3.44 bpw): per 256 a fp16 scale, 64 low grid-index bytes, 8 bytes of ninth index bits, 32 explicit
/// sign bytes and 4 bytes of two 4-bit sub-scales (one per 32 elements).
/// </summary>
internal sealed unsafe class Iq3SFormat : RowFormat
{
    public const int BlockBytes = 110;

    private readonly bool _avx2;

    public Iq3SFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (AVX2 and up take the vector path).</summary>
    public Iq3SFormat(SimdLevel level) => _avx2 = level >= SimdLevel.Avx2;

    public override GgmlType Type => GgmlType.IQ3_S;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        for (long i = 0; i < n / 256; i++)
        {
            byte* x = src + i * BlockBytes;
            float d = Fp16.ToSingle(*(ushort*)x);
            byte* qs = x + 2;
            byte* qh = x + 66;
            byte* signs = x + 74;
            byte* scales = x + 106;
            for (int ib32 = 0; ib32 < 8; ib32 += 2)
            {
                float db1 = d * (1 + 2 * (scales[ib32 / 2] & 0xf));
                float db2 = d * (1 + 2 * (scales[ib32 / 2] >> 4));
                Decode32(qs, qh[0], signs, db1, dst);
                Decode32(qs + 8, qh[1], signs + 4, db2, dst + 32);
                dst += 64;
                qh += 2;
                qs += 16;
                signs += 8;
            }
        }
    }

    private static void Decode32(byte* qs, int qh, byte* signs, float db, float* dst)
    {
        for (int l = 0; l < 4; l++)
        {
            byte* grid1 = (byte*)(Iq3sGrid + (qs[2 * l] | ((qh << (8 - 2 * l)) & 256)));
            byte* grid2 = (byte*)(Iq3sGrid + (qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256)));
            for (int j = 0; j < 4; j++)
            {
                float v1 = db * grid1[j];
                float v2 = db * grid2[j];
                dst[j] = (signs[l] & (1 << j)) != 0 ? -v1 : v1;
                dst[j + 4] = (signs[l] & (1 << (j + 4))) != 0 ? -v2 : v2;
            }
            dst += 8;
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
            byte* qh = x + 66;
            byte* signs = x + 74;
            byte* scales = x + 106;
            sbyte* q8 = Q8KBlock.Quants(y);
            Vector256<int> acc = Vector256<int>.Zero;
            for (int ib32 = 0; ib32 < 8; ib32++, qs += 8, signs += 4, q8 += 32)
            {
                int h = qh[ib32];
                short ls = (short)(2 * ((scales[ib32 / 2] >> (4 * (ib32 % 2))) & 0xf) + 1);
                acc += IQuantDot.Dot32(
                    IQuantDot.ApplySigns(Pair(qs, h, 0), signs[0]),
                    IQuantDot.ApplySigns(Pair(qs, h, 1), signs[1]),
                    IQuantDot.ApplySigns(Pair(qs, h, 2), signs[2]),
                    IQuantDot.ApplySigns(Pair(qs, h, 3), signs[3]),
                    q8, ls, ls);
            }
            sumf += d * Vector256.Sum(acc);
        }
        return sumf;
    }

    /// <summary>Grid points of qs[2l] and qs[2l+1] with their ninth index bits from <paramref name="qh"/>.</summary>
    private static ulong Pair(byte* qs, int qh, int l) =>
        Iq3sGrid[qs[2 * l] | ((qh << (8 - 2 * l)) & 256)] | ((ulong)Iq3sGrid[qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256)] << 32);

    private static float VecDotScalar(long n, byte* x, byte* y)
    {
        float sumf = 0;
        for (long i = 0; i < n / 256; i++, x += BlockBytes, y += Q8KBlock.Bytes)
        {
            float d = Fp16.ToSingle(*(ushort*)x) * Q8KBlock.Scale(y);
            byte* qs = x + 2;
            byte* qh = x + 66;
            byte* signs = x + 74;
            byte* scales = x + 106;
            sbyte* q8 = Q8KBlock.Quants(y);
            int bsum = 0;
            for (int ib32 = 0; ib32 < 8; ib32 += 2)
            {
                int ls1 = 2 * (scales[ib32 / 2] & 0xf) + 1;
                int ls2 = 2 * (scales[ib32 / 2] >> 4) + 1;
                bsum += Dot32(qs, qh[ib32], signs, q8) * ls1;
                bsum += Dot32(qs + 8, qh[ib32 + 1], signs + 4, q8 + 32) * ls2;
                qs += 16;
                signs += 8;
                q8 += 64;
            }
            sumf += d * bsum;
        }
        return sumf;
    }

    private static int Dot32(byte* qs, int qh, byte* signs, sbyte* q8)
    {
        int sumi = 0;
        for (int l = 0; l < 4; l++, q8 += 8)
        {
            byte* grid1 = (byte*)(Iq3sGrid + (qs[2 * l] | ((qh << (8 - 2 * l)) & 256)));
            byte* grid2 = (byte*)(Iq3sGrid + (qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256)));
            sumi += IQuantDot.SignedGridDot4(grid1, signs[l], 0, q8);
            sumi += IQuantDot.SignedGridDot4(grid2, signs[l], 4, q8 + 4);
        }
        return sumi;
    }
}
