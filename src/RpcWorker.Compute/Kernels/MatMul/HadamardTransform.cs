using System.Numerics;
using System.Numerics.Tensors;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// MUL_MAT with op_params[1] = GGML_HINT_SRC0_IS_HADAMARD: ggml-cpu skips src0 and runs a fast Walsh–Hadamard transform
/// of every src1 row scaled by 1/√n (<c>ggml_compute_forward_fwht</c>). Used when src1 is F32, its rows have a
/// power-of-two length and the output rows have the same length; otherwise the node is an ordinary product.
/// </summary>
internal static unsafe class HadamardTransform
{
    public const int HintIndex = 1;
    public const int SrcIsHadamard = 1;

    public static bool Applies(Tensor node, Tensor src1)
    {
        long n = src1.Ne[0];
        return node.Params[HintIndex] == SrcIsHadamard && src1.Type == GgmlType.F32 && n > 0 && (n & (n - 1)) == 0
            && node.Ne[0] == n && n <= int.MaxValue;
    }

    public static void Compute(in ComputeParams p, Tensor node, Tensor src1)
    {
        int n = (int)src1.Ne[0];
        long ne11 = src1.Ne[1];
        long ne12 = src1.Ne[2];
        long nr = ne11 * ne12 * src1.Ne[3];
        long per = (nr + p.Nth - 1) / p.Nth;
        long start = p.Ith * per;
        long end = Math.Min(start + per, nr);
        float scale = 1.0f / MathF.Sqrt(n);
        for (long r = start; r < end; r++)
        {
            long i13 = r / (ne11 * ne12);
            long i12 = (r - (i13 * ne11 * ne12)) / ne11;
            long i11 = r - (i13 * ne11 * ne12) - (i12 * ne11);
            var src = new ReadOnlySpan<float>(src1.RowPtr(i11, i12, i13), n);
            float* dst = (float*)node.RowPtr(i11, i12, i13);
            TensorPrimitives.Multiply(src, scale, new Span<float>(dst, n));
            for (int len = 1; len < n; len <<= 1)
            {
                for (int i = 0; i < n; i += 2 * len)
                {
                    float* lo = dst + i;
                    float* hi = lo + len;
                    int j = 0;
                    if (len >= Vector<float>.Count)
                    {
                        for (; j < len; j += Vector<float>.Count)
                        {
                            Vector<float> a = Vector.Load(lo + j);
                            Vector<float> b = Vector.Load(hi + j);
                            Vector.Store(a + b, lo + j);
                            Vector.Store(a - b, hi + j);
                        }
                    }
                    for (; j < len; j++)
                    {
                        float a = lo[j];
                        float b = hi[j];
                        lo[j] = a + b;
                        hi[j] = a - b;
                    }
                }
            }
        }
    }
}
