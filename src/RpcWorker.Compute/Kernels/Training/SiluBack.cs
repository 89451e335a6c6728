using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>SILU_BACK: <c>dx = dy·σ(x)·(1 + x·(1 − σ(x)))</c> (src0 = dy, src1 = x), F32 or F16 rows.</summary>
internal sealed unsafe class SiluBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? dy = node.Src[0], x = node.Src[1];
        if (dy is null || x is null || node.Type is not (GgmlType.F32 or GgmlType.F16) || dy.Type != node.Type || x.Type != node.Type)
        {
            return "dy, x and the destination must all be f32 or all f16";
        }
        if (!TensorLayout.SameShape(x, node) || !TensorLayout.SameShape(x, dy))
        {
            return "dy, x and the destination must have one shape";
        }
        return node.IsContiguous1 && x.IsContiguous1 && dy.IsContiguous1 ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor dy = node.Src[0]!, x = node.Src[1]!;
        long nc = x.Ne[0];
        (long ir0, long ir1) = p.Share(x.NRows);
        bool f16 = node.Type == GgmlType.F16;
        for (long ir = ir0; ir < ir1; ir++)
        {
            byte* d = node.DataPtr + TrainingLayout.RowOffset(node, ir);
            byte* xs = x.DataPtr + TrainingLayout.RowOffset(x, ir);
            byte* gs = dy.DataPtr + TrainingLayout.RowOffset(dy, ir);
            for (long i = 0; i < nc; i++)
            {
                if (f16)
                {
                    float r = Backward(Fp16.ToSingle(((ushort*)xs)[i]), Fp16.ToSingle(((ushort*)gs)[i]));
                    ((ushort*)d)[i] = Fp16.FromSingle(r);
                }
                else
                {
                    ((float*)d)[i] = Backward(((float*)xs)[i], ((float*)gs)[i]);
                }
            }
        }
    }

    private static float Backward(float x, float dy)
    {
        float s = 1.0f / (1.0f + MathF.Exp(-x));
        return dy * s * (1.0f + x * (1.0f - s));
    }
}
