using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Convolution;

/// <summary>
/// POOL_1D: max or average over windows of k0 with stride s0 and padding p0 along dim 0 of an F32/F16 source into
/// F32; the average divides by the number of in-range elements (ggml-cpu semantics, single-threaded).
/// </summary>
internal sealed unsafe class Pool1D : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0];
        if (!ConvGeometry.IsFloatOrHalf(src) || node.Type != GgmlType.F32)
        {
            return "pool_1d needs an f32/f16 source and an f32 destination";
        }
        if (node.Params[0] is not (0 or 1))
        {
            return "pool op must be max or avg";
        }
        if (node.Ne[1] != src!.Ne[1] || node.Ne[2] != src.Ne[2] || node.Ne[3] != src.Ne[3])
        {
            return "destination must keep the source's rows";
        }
        if (!UniformRows(src) || !UniformRows(node))
        {
            return "rows of source and destination must be evenly strided with contiguous elements";
        }
        return null;
    }

    private static bool UniformRows(Tensor t) =>
        t.Nb[0] == t.Info.TypeSize && t.Nb[2] == t.Ne[1] * t.Nb[1] && t.Nb[3] == t.Ne[2] * t.Nb[2];

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!;
        bool max = node.Params[0] == 0;
        int k = node.Params[1], s = node.Params[2], pad = node.Params[3];
        long iw = src.Ne[0];
        long ow = node.Ne[0];
        bool half = src.Type == GgmlType.F16;
        long nr = src.NRows;
        for (long ir = 0; ir < nr; ir++)
        {
            byte* srow = src.DataPtr + ir * src.Nb[1];
            float* drow = (float*)(node.DataPtr + ir * node.Nb[1]);
            for (long o = 0; o < ow; o++)
            {
                float res = max ? -float.MaxValue : 0f;
                int count = 0;
                long start = o * s - pad;
                for (int ki = 0; ki < k; ki++)
                {
                    long j = start + ki;
                    if (j < 0 || j >= iw)
                    {
                        continue;
                    }
                    float v = ConvGeometry.Load(srow, j, half);
                    res = max ? MaxLikeStd(v, res) : res + v;
                    count++;
                }
                drow[o] = max ? res : count > 0 ? res / count : 0f;
            }
        }
    }

    /// <summary><c>std::max(a, b)</c>: b unless b &lt; a (so a NaN in b stays, a NaN in a is dropped).</summary>
    internal static float MaxLikeStd(float a, float b) => a < b ? b : a;
}
