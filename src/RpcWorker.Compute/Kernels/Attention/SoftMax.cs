using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// SOFT_MAX (<c>ggml_compute_forward_soft_max_f32</c>): per row, softmax(x·scale + slope·mask) with an optional per-head
/// sink logit. The mask (F16/F32) is indexed by the row and broadcast over dims 2 and 3 by modulo; ALiBi slopes follow
/// ggml (m0/m1 from <c>max_bias</c> and the head count ne02). Rows of src0/dst may be strided; elements are packed.
/// </summary>
[SkipLocalsInit]
internal sealed unsafe class SoftMaxKernel : IOpKernel
{
    private const int MaskChunk = 256;

    private readonly SimdLevel _level;

    public SoftMaxKernel()
        : this(SimdSupport.Active)
    {
    }

    internal SoftMaxKernel(SimdLevel level) => _level = level;

    public string? Validate(Tensor node)
    {
        Tensor? src0 = node.Src[0];
        if (src0 is null)
        {
            return "soft_max needs src0";
        }
        if (node.Type != GgmlType.F32 || src0.Type != GgmlType.F32)
        {
            return "soft_max supports f32 input and output only";
        }
        if (!TensorLayout.SameShape(src0, node))
        {
            return "soft_max output shape differs from src0";
        }
        if (src0.Nb[0] != sizeof(float) || node.Nb[0] != sizeof(float))
        {
            return "soft_max rows must be packed";
        }
        if (src0.Ne[0] > int.MaxValue)
        {
            return "soft_max row too long";
        }
        if (node.Src[1] is { } mask)
        {
            if (mask.Type is not (GgmlType.F16 or GgmlType.F32))
            {
                return "soft_max mask must be f16 or f32";
            }
            if (mask.IsEmpty || mask.Nb[0] != mask.Info.TypeSize)
            {
                return "soft_max mask rows must be packed and non-empty";
            }
            if (mask.Ne[0] < src0.Ne[0] || mask.Ne[1] < src0.Ne[1])
            {
                return "soft_max mask is smaller than the input rows";
            }
        }
        if (node.Src[2] is { } sinks)
        {
            if (sinks.Type != GgmlType.F32 || !sinks.IsContiguous || sinks.NElements < src0.Ne[2])
            {
                return "soft_max sinks must be contiguous f32 with one value per head";
            }
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src0 = node.Src[0]!;
        Tensor? mask = node.Src[1];
        Tensor? sinks = node.Src[2];

        float scale = node.Params.GetFloat(0);
        float maxBias = node.Params.GetFloat(1);

        long ne00 = src0.Ne[0], ne01 = src0.Ne[1], ne02 = src0.Ne[2], ne03 = src0.Ne[3];
        long nr = ne01 * ne02 * ne03;
        long dr = (nr + p.Nth - 1) / p.Nth;
        long ir0 = dr * p.Ith;
        long ir1 = Math.Min(ir0 + dr, nr);
        if (ir0 >= ir1)
        {
            return;
        }

        uint nHead = (uint)ne02;
        uint nHeadLog2 = 1u << (int)Math.Floor(Math.Log2(nHead));
        float m0 = MathF.Pow(2.0f, -maxBias / nHeadLog2);
        float m1 = MathF.Pow(2.0f, -(maxBias / 2.0f) / nHeadLog2);

        int n = (int)ne00;
        float* sk = sinks is null ? null : (float*)sinks.Data;
        float* tmp = stackalloc float[MaskChunk];

        for (long ir = ir0; ir < ir1; ir++)
        {
            long i01 = ir % ne01;
            long i02 = ir / ne01 % ne02;
            long i03 = ir / (ne01 * ne02);

            uint h = (uint)i02;
            float slope = maxBias > 0.0f ? h < nHeadLog2 ? MathF.Pow(m0, h + 1) : MathF.Pow(m1, 2 * (h - nHeadLog2) + 1) : 1.0f;

            float* sp = (float*)src0.RowPtr(i01, i02, i03);
            float* dp = (float*)node.RowPtr(i01, i02, i03);
            var dst = new Span<float>(dp, n);

            TensorPrimitives.Multiply(new ReadOnlySpan<float>(sp, n), scale, dst);
            if (mask is not null)
            {
                byte* mp = mask.RowPtr(i01, i02 % mask.Ne[2], i03 % mask.Ne[3]);
                if (mask.Type == GgmlType.F16)
                {
                    for (int i = 0; i < n; i += MaskChunk)
                    {
                        int len = Math.Min(MaskChunk, n - i);
                        Fp16.ToSingle((ushort*)mp + i, tmp, len);
                        Span<float> part = dst.Slice(i, len);
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(tmp, len), slope, part, part);
                    }
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(mp, n), slope, dst, dst);
                }
            }

            float max = VecMath.Max(dp, n, float.NegativeInfinity, _level);
            if (sk is not null)
            {
                max = max > sk[i02] ? max : sk[i02];
            }

            double sum = VecMath.ExpSum(dp, dp, n, max, _level);
            if (sk is not null)
            {
                sum += MathF.Exp(sk[i02] - max);
            }

            RowDot.Scale(dp, (float)(1.0 / sum), n, _level);
        }
    }
}
