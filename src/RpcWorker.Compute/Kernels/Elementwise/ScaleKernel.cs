using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// SCALE (ops.cpp <c>ggml_compute_forward_scale_f32</c>): <c>dst = src0·s + b</c> with s = op_params f32 [0] and
/// b = f32 [1]; when b is 0 it is a plain product (<c>ggml_vec_scale_f32</c>), otherwise a fused multiply-add
/// (<c>ggml_vec_mad1_f32</c>). F32, contiguous, split by rows.
/// </summary>
internal sealed unsafe class ScaleKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? a = node.Src[0];
        if (a is null)
        {
            return "missing source";
        }
        if (a.Type != GgmlType.F32 || node.Type != GgmlType.F32)
        {
            return "only F32 is supported";
        }
        if (!Rows.SameShape(a, node) || !a.IsContiguous || !node.IsContiguous)
        {
            return "src0 and dst must be contiguous and of the same shape";
        }
        return Rows.RowFits(a) ? null : "row too long";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        float s = node.Params.GetFloat(0);
        float b = node.Params.GetFloat(1);
        int n = (int)a.Ne[0];
        Rows.ThreadRange(p, a.NRows, out long r0, out long r1);
        for (long ir = r0; ir < r1; ir++)
        {
            var x = new ReadOnlySpan<float>(Rows.Row(a, ir), n);
            var z = new Span<float>(Rows.Row(node, ir), n);
            if (b == 0.0f)
            {
                TensorPrimitives.Multiply(x, s, z);
            }
            else
            {
                MultiplyAdd((float*)Rows.Row(a, ir), s, b, (float*)Rows.Row(node, ir), n);
            }
        }
    }

    /// <summary><c>z[i] = fma(x[i], s, b)</c>.</summary>
    private static void MultiplyAdd(float* x, float s, float b, float* z, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vs = Vector512.Create(s);
            Vector512<float> vb = Vector512.Create(b);
            for (; i + 16 <= n; i += 16)
            {
                Vector512.FusedMultiplyAdd(Vector512.Load(x + i), vs, vb).Store(z + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vs = Vector256.Create(s);
            Vector256<float> vb = Vector256.Create(b);
            for (; i + 8 <= n; i += 8)
            {
                Vector256.FusedMultiplyAdd(Vector256.Load(x + i), vs, vb).Store(z + i);
            }
        }
        for (; i < n; i++)
        {
            z[i] = MathF.FusedMultiplyAdd(x[i], s, b);
        }
    }
}
