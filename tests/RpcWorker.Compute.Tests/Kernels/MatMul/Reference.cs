using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

/// <summary>Element access over arbitrary strides and the rounding ggml applies to activations, for scalar references.</summary>
internal static unsafe class Reference
{
    public static float Get(Tensor t, long i0, long i1, long i2, long i3)
    {
        byte* p = t.ElementPtr(i0, i1, i2, i3);
        return t.Type switch
        {
            GgmlType.F32 => *(float*)p,
            GgmlType.F16 => Fp16.ToSingle(*(ushort*)p),
            GgmlType.BF16 => Bf16.ToSingle(*(ushort*)p),
            GgmlType.I32 => *(int*)p,
            _ => throw new NotSupportedException(t.Type.ToString()),
        };
    }

    /// <summary>An activation value as ggml multiplies it with weights of <paramref name="weightType"/>.</summary>
    public static double Activation(GgmlType weightType, float x) => weightType switch
    {
        GgmlType.F16 => Fp16.ToSingle(Fp16.FromSingle(x)),
        GgmlType.BF16 => Bf16.ToSingle(Bf16.FromSingle(x)),
        _ => x,
    };

    public static void AssertClose(double expected, double magnitude, float actual, string where, double relative = 2e-5)
    {
        double tolerance = (relative * magnitude) + 1e-30;
        if (!(Math.Abs(actual - expected) <= tolerance))
        {
            Assert.Fail($"{where}: expected {expected} (±{tolerance}), got {actual}");
        }
    }
}
