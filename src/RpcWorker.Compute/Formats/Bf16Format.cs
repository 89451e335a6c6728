namespace RpcWorker.Compute.Formats;

/// <summary>BF16 rows.</summary>
internal sealed unsafe class Bf16Format : RowFormat
{
    public override GgmlType Type => GgmlType.BF16;

    public override bool CanFromFloat => true;

    public override void ToFloat(byte* src, float* dst, long n) => Bf16.ToSingle((ushort*)src, dst, n);

    public override void FromFloat(float* src, byte* dst, long n) => Bf16.FromSingle(src, (ushort*)dst, n);
}
