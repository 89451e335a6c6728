using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Kernels.Layout;

/// <summary>
/// GGML_OP_UPSCALE (F32, op_params[0] = mode | flags): resamples src0 to the destination's shape. Modes: 0 nearest,
/// 1 bilinear (with flag 1&lt;&lt;9 antialiased like PyTorch's <c>antialias=True</c>), 2 bicubic (a = -0.75); flag 1&lt;&lt;8
/// aligns corners (for dims 0 and 1). Dims 2 and 3 always use nearest. The float arithmetic follows ggml-cpu step by
/// step; source coordinates are clamped into the source, which only matters where ggml would read outside it.
/// Planes (i2) are dealt round-robin across the team.
/// </summary>
internal sealed unsafe class UpscaleKernel : IOpKernel
{
    private const int ModeNearest = 0;
    private const int ModeBilinear = 1;
    private const int ModeBicubic = 2;
    private const int FlagAlignCorners = 1 << 8;
    private const int FlagAntialias = 1 << 9;

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
        if (src.IsEmpty)
        {
            return "empty source";
        }
        return (node.Params[0] & 0xFF) <= ModeBicubic ? null : "unknown scale mode";
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        int flags = node.Params[0];
        int mode = flags & 0xFF;
        var g = new Geometry(src, node, (flags & FlagAlignCorners) != 0);
        for (long i3 = 0; i3 < node.Ne[3]; i3++)
        {
            long i03 = Clamp((long)(i3 / g.Sf3), src.Ne[3]);
            for (long i2 = p.Ith; i2 < node.Ne[2]; i2 += p.Nth)
            {
                long i02 = Clamp((long)(i2 / g.Sf2), src.Ne[2]);
                byte* plane = src.DataPtr + i02 * src.Nb[2] + i03 * src.Nb[3];
                for (long i1 = 0; i1 < node.Ne[1]; i1++)
                {
                    byte* yrow = node.RowPtr(i1, i2, i3);
                    switch (mode)
                    {
                        case ModeNearest:
                            Nearest(src, plane, yrow, node.Nb[0], node.Ne[0], i1, in g);
                            break;
                        case ModeBilinear when (flags & FlagAntialias) != 0:
                            Antialiased(src, plane, yrow, node.Nb[0], node.Ne[0], i1, in g);
                            break;
                        case ModeBilinear:
                            Bilinear(src, plane, yrow, node.Nb[0], node.Ne[0], i1, in g);
                            break;
                        default:
                            Bicubic(src, plane, yrow, node.Nb[0], node.Ne[0], i1, in g);
                            break;
                    }
                }
            }
        }
    }

    private static long Clamp(long i, long n) => Math.Clamp(i, 0, n - 1);

    private static float At(Tensor src, byte* plane, long x, long y) => *(float*)(plane + x * src.Nb[0] + y * src.Nb[1]);

    private static void Nearest(Tensor src, byte* plane, byte* yrow, long nb0, long ne0, long i1, in Geometry g)
    {
        long i01 = Clamp((long)(i1 / g.Sf1), src.Ne[1]);
        for (long i0 = 0; i0 < ne0; i0++)
        {
            long i00 = Clamp((long)(i0 / g.Sf0), src.Ne[0]);
            *(float*)(yrow + i0 * nb0) = At(src, plane, i00, i01);
        }
    }

    private static void Bilinear(Tensor src, byte* plane, byte* yrow, long nb0, long ne0, long i1, in Geometry g)
    {
        long ne00 = src.Ne[0], ne01 = src.Ne[1];
        float y = ((i1 + g.PixelOffset) / g.Sf1) - g.PixelOffset;
        long y0 = (long)MathF.Floor(y);
        long y1 = y0 + 1;
        y0 = Math.Max(0, Math.Min(y0, ne01 - 1));
        y1 = Math.Max(0, Math.Min(y1, ne01 - 1));
        float dy = y - y0;
        dy = StdMax(0.0f, StdMin(dy, 1.0f));
        for (long i0 = 0; i0 < ne0; i0++)
        {
            float x = ((i0 + g.PixelOffset) / g.Sf0) - g.PixelOffset;
            long x0 = (long)MathF.Floor(x);
            long x1 = x0 + 1;
            x0 = Math.Max(0, Math.Min(x0, ne00 - 1));
            x1 = Math.Max(0, Math.Min(x1, ne00 - 1));
            float dx = x - x0;
            dx = StdMax(0.0f, StdMin(dx, 1.0f));
            float a = At(src, plane, x0, y0);
            float b = At(src, plane, x1, y0);
            float c = At(src, plane, x0, y1);
            float d = At(src, plane, x1, y1);
            float val = (a * (1 - dx) * (1 - dy)) + (b * dx * (1 - dy)) + (c * (1 - dx) * dy) + (d * dx * dy);
            *(float*)(yrow + i0 * nb0) = val;
        }
    }

    /// <summary><c>std::min</c>: <c>b &lt; a ? b : a</c> (NaN handling differs from <see cref="Math.Min(float, float)"/>).</summary>
    private static float StdMin(float a, float b) => b < a ? b : a;

    /// <summary><c>std::max</c>: <c>a &lt; b ? b : a</c>.</summary>
    private static float StdMax(float a, float b) => a < b ? b : a;

    private static float Triangle(float x) => StdMax(1.0f - MathF.Abs(x), 0.0f);

    private static void Antialiased(Tensor src, byte* plane, byte* yrow, long nb0, long ne0, long i1, in Geometry g)
    {
        long ne00 = src.Ne[0], ne01 = src.Ne[1];
        float po = g.PixelOffset;
        float support1 = StdMax(1.0f, 1.0f / g.Sf1);
        float invscale1 = 1.0f / support1;
        float support0 = StdMax(1.0f, 1.0f / g.Sf0);
        float invscale0 = 1.0f / support0;
        float y = (i1 + po) / g.Sf1;
        long yMin = Math.Max((long)(y - support1 + po), 0);
        long yMax = Math.Min((long)(y + support1 + po), ne01);
        for (long i0 = 0; i0 < ne0; i0++)
        {
            float x = (i0 + po) / g.Sf0;
            long xMin = Math.Max((long)(x - support0 + po), 0);
            long xMax = Math.Min((long)(x + support0 + po), ne00);
            float val = 0.0f;
            float total = 0.0f;
            for (long sy = yMin; sy < yMax; sy++)
            {
                float wy = Triangle((sy - y + po) * invscale1);
                for (long sx = xMin; sx < xMax; sx++)
                {
                    float wx = Triangle((sx - x + po) * invscale0);
                    float w = wx * wy;
                    if (w <= 0.0f)
                    {
                        continue;
                    }
                    val += At(src, plane, sx, sy) * w;
                    total += w;
                }
            }
            if (total > 0.0f)
            {
                val /= total;
            }
            *(float*)(yrow + i0 * nb0) = val;
        }
    }

    private static float Weight1(float x) => ((((-0.75f + 2) * x) - (-0.75f + 3)) * x * x) + 1;

    private static float Weight2(float x) => ((((-0.75f * x) - (5 * -0.75f)) * x) + (8 * -0.75f)) * x - (4 * -0.75f);

    private static float Cubic(float p0, float p1, float p2, float p3, float x) =>
        (p0 * Weight2(x + 1)) + (p1 * Weight1(x + 0)) + (p2 * Weight1(1 - x)) + (p3 * Weight2(2 - x));

    private static void Bicubic(Tensor src, byte* plane, byte* yrow, long nb0, long ne0, long i1, in Geometry g)
    {
        float y = ((i1 + g.PixelOffset) / g.Sf1) - g.PixelOffset;
        long y0 = (long)MathF.Floor(y);
        float dy = y - y0;
        for (long i0 = 0; i0 < ne0; i0++)
        {
            float x = ((i0 + g.PixelOffset) / g.Sf0) - g.PixelOffset;
            long x0 = (long)MathF.Floor(x);
            float dx = x - x0;
            float r0 = CubicRow(src, plane, x0, y0 - 1, dx);
            float r1 = CubicRow(src, plane, x0, y0, dx);
            float r2 = CubicRow(src, plane, x0, y0 + 1, dx);
            float r3 = CubicRow(src, plane, x0, y0 + 2, dx);
            *(float*)(yrow + i0 * nb0) = Cubic(r0, r1, r2, r3, dy);
        }
    }

    /// <summary>The cubic interpolation along x of source row <paramref name="y"/> (clamped), as ggml's inner bicubic.</summary>
    private static float CubicRow(Tensor src, byte* plane, long x0, long y, float dx)
    {
        long ne00 = src.Ne[0];
        long yy = Math.Max(0, Math.Min(y, src.Ne[1] - 1));
        return Cubic(
            At(src, plane, Math.Max(0, Math.Min(x0 - 1, ne00 - 1)), yy),
            At(src, plane, Math.Max(0, Math.Min(x0, ne00 - 1)), yy),
            At(src, plane, Math.Max(0, Math.Min(x0 + 1, ne00 - 1)), yy),
            At(src, plane, Math.Max(0, Math.Min(x0 + 2, ne00 - 1)), yy),
            dx);
    }

    /// <summary>Scale factors and pixel offset, computed in float exactly as ggml-cpu does.</summary>
    private readonly struct Geometry
    {
        public readonly float Sf0, Sf1, Sf2, Sf3, PixelOffset;

        public Geometry(Tensor src, Tensor dst, bool alignCorners)
        {
            Sf0 = (float)dst.Ne[0] / src.Ne[0];
            Sf1 = (float)dst.Ne[1] / src.Ne[1];
            Sf2 = (float)dst.Ne[2] / src.Ne[2];
            Sf3 = (float)dst.Ne[3] / src.Ne[3];
            PixelOffset = 0.5f;
            if (alignCorners)
            {
                PixelOffset = 0.0f;
                Sf0 = dst.Ne[0] > 1 && src.Ne[0] > 1 ? (float)(dst.Ne[0] - 1) / (src.Ne[0] - 1) : Sf0;
                Sf1 = dst.Ne[1] > 1 && src.Ne[1] > 1 ? (float)(dst.Ne[1] - 1) / (src.Ne[1] - 1) : Sf1;
            }
        }
    }
}
