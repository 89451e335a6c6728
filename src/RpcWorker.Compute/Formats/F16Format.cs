namespace RpcWorker.Compute.Formats;

/// <summary>F16 rows (IEEE half).</summary>
internal sealed unsafe class F16Format : RowFormat
{
    public override GgmlType Type => GgmlType.F16;

    public override bool CanFromFloat => true;

    public override void ToFloat(byte* src, float* dst, long n) => Fp16.ToSingle((ushort*)src, dst, n);

    public override void FromFloat(float* src, byte* dst, long n) => Fp16.FromSingle(src, (ushort*)dst, n);
}
