using System.Numerics.Tensors;

namespace RpcWorker.Compute.Formats;

/// <summary>F32 rows: copies, and a float dot product.</summary>
internal sealed unsafe class F32Format : RowFormat
{
    public override GgmlType Type => GgmlType.F32;

    public override bool CanFromFloat => true;

    public override bool CanVecDot => true;

    public override void ToFloat(byte* src, float* dst, long n) => Buffer.MemoryCopy(src, dst, n * 4, n * 4);

    public override void FromFloat(float* src, byte* dst, long n) => Buffer.MemoryCopy(src, dst, n * 4, n * 4);

    public override float VecDot(long n, byte* x, byte* y)
    {
        float sum = 0;
        for (long i = 0; i < n; i += int.MaxValue)
        {
            int len = (int)Math.Min(n - i, int.MaxValue);
            sum += TensorPrimitives.Dot(new ReadOnlySpan<float>((float*)x + i, len), new ReadOnlySpan<float>((float*)y + i, len));
        }
        return sum;
    }
}
