using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_TIMESTEP_EMBEDDING (F32, op_params = {dim, max_period}): row i of the [dim, n] result holds cos(t·f_j) in
/// its first half and sin(t·f_j) in its second, f_j = expf(-logf(max_period)·j/half), t = timesteps[i]; an odd dim ends
/// in a 0. The frequencies are split across the team.
/// </summary>
internal sealed unsafe class TimestepEmbeddingKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } src)
        {
            return "missing source";
        }
        if (src.Type != GgmlType.F32 || node.Type != GgmlType.F32)
        {
            return "source and destination must be f32";
        }
        if (node.Ne[0] != node.Params[0] || node.Ne[1] != src.Ne[0] || node.Ne[2] != 1 || node.Ne[3] != 1)
        {
            return "destination must be [dim, timesteps]";
        }
        return src.Nb[0] == sizeof(float) && node.Nb[0] == sizeof(float) ? null : "rows must be packed";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        int dim = node.Params[0];
        int maxPeriod = node.Params[1];
        int half = dim / 2;
        float* t = (float*)src.DataPtr;
        float logPeriod = MathF.Log(maxPeriod);
        for (long i = 0; i < src.Ne[0]; i++)
        {
            float* embed = (float*)(node.DataPtr + i * node.Nb[1]);
            float timestep = t[i];
            for (long j = p.Ith; j < half; j += p.Nth)
            {
                float freq = MathF.Exp(-logPeriod * j / half);
                float arg = timestep * freq;
                embed[j] = MathF.Cos(arg);
                embed[j + half] = MathF.Sin(arg);
            }
            if (dim % 2 != 0 && p.Ith == 0)
            {
                embed[2 * half] = 0f;
            }
        }
    }
}
