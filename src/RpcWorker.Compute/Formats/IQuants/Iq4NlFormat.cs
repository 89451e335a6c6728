using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>IQ4_NL rows: blocks of 32 with a fp16 scale and 16 bytes of nibbles indexing the non-linear levels.</summary>
internal sealed unsafe class Iq4NlFormat : RowFormat
{
    public const int BlockBytes = 18;

    private readonly delegate*<long, byte*, byte*, float> _dot;

    public Iq4NlFormat()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A format whose dot product uses <paramref name="level"/> (tests pick each available tier).</summary>
    public Iq4NlFormat(SimdLevel level) => _dot = Iq4NlDot.Select(level);

    public override GgmlType Type => GgmlType.IQ4_NL;

    public override bool CanFromFloat => true;

    public override GgmlType VecDotType => GgmlType.Q8_0;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n)
    {
        sbyte* values = KvaluesIq4nl;
        for (long i = 0; i < n / 32; i++, src += BlockBytes, dst += 32)
        {
            float d = Fp16.ToSingle(*(ushort*)src);
            byte* qs = src + 2;
            for (int j = 0; j < 16; j++)
            {
                dst[j] = d * values[qs[j] & 0xf];
                dst[j + 16] = d * values[qs[j] >> 4];
            }
        }
    }

    public override void FromFloat(float* src, byte* dst, long n)
    {
        byte* l = stackalloc byte[32];
        new Span<byte>(l, 32).Clear();
        float scale;
        ushort unusedH;
        for (long i = 0; i < n / 32; i++, src += 32, dst += BlockBytes)
        {
            Iq4Quantizer.QuantizeBlock(32, src, (ushort*)dst, dst + 2, &unusedH, null, &scale, l, -1);
        }
    }

    public override float VecDot(long n, byte* x, byte* y) => _dot(n, x, y);
}
