using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// IQ4_XS rows: per 256 a fp16 scale, 6-bit sub-scales for each 32 (high 2 bits in a u16, low 4 bits in 4 bytes) and
/// 128 bytes of nibbles indexing the non-linear levels.
/// </summary>
internal sealed unsafe class Iq4XsFormat : RowFormat
{
    public const int BlockBytes = 136;

    private readonly delegate*<long, byte*, byte*, float> _dot;

    public Iq4XsFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (tests pick each available tier).</summary>
    public Iq4XsFormat(SimdLevel level) => _dot = Iq4XsDot.Select(level);

    public override GgmlType Type => GgmlType.IQ4_XS;

    public override bool CanFromFloat => true;

    public override GgmlType VecDotType => GgmlType.Q8_K;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        sbyte* values = KvaluesIq4nl;
        for (long i = 0; i < n / 256; i++, src += BlockBytes)
        {
            float d = Fp16.ToSingle(*(ushort*)src);
            ushort scalesH = *(ushort*)(src + 2);
            byte* scalesL = src + 4;
            byte* qs = src + 8;
            for (int ib = 0; ib < 8; ib++, qs += 16, dst += 32)
            {
                int ls = ((scalesL[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
                float dl = d * (ls - 32);
                for (int j = 0; j < 16; j++)
                {
                    dst[j] = dl * values[qs[j] & 0xf];
                    dst[j + 16] = dl * values[qs[j] >> 4];
                }
            }
        }
    }

    public override void FromFloat(float* src, byte* dst, long n)
    {
        byte* l = stackalloc byte[256];
        float* scales = stackalloc float[8];
        new Span<byte>(l, 256).Clear();
        for (long i = 0; i < n / 256; i++, src += 256, dst += BlockBytes)
        {
            Iq4Quantizer.QuantizeBlock(256, src, (ushort*)dst, dst + 8, (ushort*)(dst + 2), dst + 4, scales, l, 7);
        }
    }

    public override float VecDot(long n, byte* x, byte* y) => _dot(n, x, y);
}
