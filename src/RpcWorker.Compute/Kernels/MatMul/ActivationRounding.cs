using System.Numerics;
using System.Runtime.CompilerServices;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// Rounds activations the way ggml converts them into an F16/BF16 weight's <c>vec_dot_type</c>, but keeps them as floats
/// (every fp16/bf16 value is exact in fp32), so the float kernels multiply exactly the operands ggml multiplies.
/// </summary>
internal static unsafe class ActivationRounding
{
    private const int Chunk = 256;

    /// <summary>fp32 → fp16 (round to nearest even) → fp32, with the bit-level rounding of <see cref="RowDot.RoundToHalf(float*, int, SimdLevel)"/>.</summary>
    public static void RoundToHalf(float* src, float* dst, long n)
    {
        while (n > 0)
        {
            int len = (int)Math.Min(n, Chunk);
            Buffer.MemoryCopy(src, dst, len * sizeof(float), len * sizeof(float));
            RowDot.RoundToHalf(dst, len, SimdSupport.Active);
            src += len;
            dst += len;
            n -= len;
        }
    }

    /// <summary>fp32 → bf16 (<c>ggml_compute_fp32_to_bf16</c>: round to nearest even, NaN made quiet) → fp32.</summary>
    public static void RoundToBf16(float* src, float* dst, long n)
    {
        long i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            long vn = n - (n % Vector<uint>.Count);
            var magnitude = new Vector<uint>(0x7fffffff);
            var infinity = new Vector<uint>(0x7f800000);
            var bias = new Vector<uint>(0x7fff);
            var one = new Vector<uint>(1);
            var high = new Vector<uint>(0xffff0000);
            var quiet = new Vector<uint>(0x00400000);
            for (; i < vn; i += Vector<uint>.Count)
            {
                Vector<uint> u = Unsafe.ReadUnaligned<Vector<uint>>(src + i);
                Vector<uint> nan = Vector.GreaterThan(u & magnitude, infinity);
                Vector<uint> rounded = (u + bias + (Vector.ShiftRightLogical(u, 16) & one)) & high;
                Vector<uint> quieted = (u & high) | quiet;
                Unsafe.WriteUnaligned(dst + i, Vector.ConditionalSelect(nan, quieted, rounded));
            }
        }
        for (; i < n; i++)
        {
            dst[i] = Bf16.ToSingle(Bf16.FromSingle(src[i]));
        }
    }
}
