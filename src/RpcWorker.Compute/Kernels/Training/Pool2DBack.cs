using System.Runtime.InteropServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>
/// POOL_2D_BACK: gradient of POOL_2D. src0 = gradients of the pooled output [PX, PY, planes] (f32), src1 = the
/// forward input (same type and shape as the destination). Max pooling routes each gradient to the first strict
/// maximum of its window; average pooling spreads gradient/(k0·k1) over the window's in-range cells. An f16
/// destination follows ggml-cpu exactly, including its average path adding the f16 bit patterns as integers.
/// Planes are independent, so they are split over the team.
/// </summary>
internal sealed unsafe class Pool2DBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? grad = node.Src[0];
        Tensor? fwd = node.Src[1];
        if (!KernelChecks.Is(grad, GgmlType.F32) || fwd is null || node.Type is not (GgmlType.F32 or GgmlType.F16) || fwd.Type != node.Type)
        {
            return "pool_2d_back needs f32 gradients and an f32/f16 forward input of the destination's type";
        }
        if (node.Params[0] is not (0 or 1))
        {
            return "pool op must be max or avg";
        }
        if (!node.IsContiguous || !fwd.IsContiguous || !TensorLayout.SameShape(node, fwd))
        {
            return "destination and forward input must be contiguous and of one shape";
        }
        bool planes = grad!.Ne[2] == node.Ne[2] && grad.Ne[3] == node.Ne[3];
        return grad.IsContiguous && planes ? null : "gradients must be contiguous with the destination's planes";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor grad = node.Src[0]!;
        Tensor fwd = node.Src[1]!;
        bool max = node.Params[0] == 0;
        int k0 = node.Params[1], k1 = node.Params[2], s0 = node.Params[3], s1 = node.Params[4], p0 = node.Params[5], p1 = node.Params[6];
        bool half = node.Type == GgmlType.F16;
        long px = grad.Ne[0], py = grad.Ne[1];
        long w = node.Ne[0], h = node.Ne[1];
        long planes = node.Ne[2] * node.Ne[3];
        float ka = k0 * k1;
        (long plane0, long plane1) = p.Share(planes);
        for (long plane = plane0; plane < plane1; plane++)
        {
            byte* dplane = node.DataPtr + plane * node.Nb[2];
            byte* fplane = fwd.DataPtr + plane * fwd.Nb[2];
            float* splane = (float*)grad.DataPtr + plane * px * py;
            NativeMemory.Clear(dplane, (nuint)node.Nb[2]);
            for (long oy = 0; oy < py; oy++)
            {
                for (long ox = 0; ox < px; ox++)
                {
                    float grad0 = splane[oy * px + ox];
                    long ix = ox * s0 - p0;
                    long iy = oy * s1 - p1;
                    if (max)
                    {
                        RouteToMax(dplane, fplane, node.Nb[1], w, h, ix, iy, k0, k1, grad0, half);
                    }
                    else
                    {
                        Spread(dplane, node.Nb[1], w, h, ix, iy, k0, k1, grad0 / ka, half);
                    }
                }
            }
        }
    }

    private static void RouteToMax(byte* dplane, byte* fplane, long rowBytes, long w, long h, long ix, long iy, int k0, int k1, float grad, bool half)
    {
        float maxval = -float.MaxValue;
        long jmax = -1, ymax = -1;
        for (int ky = 0; ky < k1; ky++)
        {
            long y = iy + ky;
            if (y < 0 || y >= h)
            {
                continue;
            }
            byte* frow = fplane + rowBytes * y;
            for (int kx = 0; kx < k0; kx++)
            {
                long j = ix + kx;
                if (j < 0 || j >= w)
                {
                    continue;
                }
                float v = half ? Fp16.ToSingle(((ushort*)frow)[j]) : ((float*)frow)[j];
                if (v <= maxval)
                {
                    continue;
                }
                maxval = v;
                jmax = j;
                ymax = y;
            }
        }
        if (jmax < 0)
        {
            return;
        }
        byte* drow = dplane + rowBytes * ymax;
        if (half)
        {
            ushort* cell = (ushort*)drow + jmax;
            *cell = Fp16.FromSingle(grad + Fp16.ToSingle(*cell));
        }
        else
        {
            ((float*)drow)[jmax] += grad;
        }
    }

    private static void Spread(byte* dplane, long rowBytes, long w, long h, long ix, long iy, int k0, int k1, float grad, bool half)
    {
        ushort gradBits = half ? Fp16.FromSingle(grad) : (ushort)0;
        for (int ky = 0; ky < k1; ky++)
        {
            long y = iy + ky;
            if (y < 0 || y >= h)
            {
                continue;
            }
            byte* drow = dplane + rowBytes * y;
            for (int kx = 0; kx < k0; kx++)
            {
                long j = ix + kx;
                if (j < 0 || j >= w)
                {
                    continue;
                }
                if (half)
                {
                    ((ushort*)drow)[j] += gradBits;
                }
                else
                {
                    ((float*)drow)[j] += grad;
                }
            }
        }
    }
}
