namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>Shared validation and row loop of the parameterized F32/F16 element maps (CLAMP, LEAKY_RELU).</summary>
internal static unsafe class ElementMap
{
    public static string? Validate(Tensor node)
    {
        Tensor? a = node.Src[0];
        if (a is null)
        {
            return "missing source";
        }
        if (a.Type is not (GgmlType.F32 or GgmlType.F16) || node.Type != a.Type)
        {
            return "only F32 and F16 are supported";
        }
        if (!Rows.SameShape(a, node) || !Rows.PackedRows(a) || !Rows.PackedRows(node))
        {
            return "src0 and dst must have the same shape and contiguous rows";
        }
        return Rows.RowFits(a) ? null : "row too long";
    }

    /// <summary>Applies <c>f(x, p0, p1)</c> to row <paramref name="ir"/> of <paramref name="a"/> into <paramref name="node"/>.</summary>
    public static void Row(Tensor a, Tensor node, long ir, int n, float* buf, float p0, float p1, delegate*<float, float, float, float> f)
    {
        byte* x = Rows.Row(a, ir);
        byte* z = Rows.Row(node, ir);
        if (a.Type == GgmlType.F32)
        {
            float* xs = (float*)x;
            float* zs = (float*)z;
            for (int i = 0; i < n; i++)
            {
                zs[i] = f(xs[i], p0, p1);
            }
            return;
        }
        for (int i0 = 0; i0 < n; i0 += RowConvert.Chunk)
        {
            int len = Math.Min(RowConvert.Chunk, n - i0);
            RowConvert.Load(GgmlType.F16, x + (long)i0 * 2, 2, buf, len);
            for (int i = 0; i < len; i++)
            {
                buf[i] = f(buf[i], p0, p1);
            }
            RowConvert.Store(GgmlType.F16, buf, z + (long)i0 * 2, 2, len);
        }
    }
}
