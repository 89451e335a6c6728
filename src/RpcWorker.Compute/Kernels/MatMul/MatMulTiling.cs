namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// How a product of <c>rows</c> weight rows by <c>cols</c> columns (in each of <c>planes</c> independent planes) is cut into
/// work items of at most <see cref="RowBlock"/> × <see cref="ColBlock"/>, handed out dynamically to the team.
/// </summary>
internal readonly record struct MatMulTiling(int RowBlock, int ColBlock, long RowBlocks, long ColBlocks)
{
    /// <summary>Floats between packed weight rows and between converted activation columns (64-byte multiples).</summary>
    public static long PaddedK(long k) => (k + 15) & ~15L;

    /// <summary>Largest row block whose widened F32 copy stays near 256 KiB (the pack scratch of one thread).</summary>
    public static int MaxPackRows(long k) => (int)Math.Clamp((65536 / Math.Max(PaddedK(k), 1)) & ~3L, 4, 64);

    /// <summary>True when F16/BF16 weight blocks are widened to F32 before the tiles run (enough columns to reuse them).</summary>
    public static bool Packs(WeightKind kind, long cols) => kind is WeightKind.F16 or WeightKind.Bf16 && cols >= 4;

    public static MatMulTiling Choose(WeightKind kind, long k, long rows, long cols, long planes, int threads)
    {
        long rb;
        long cb;
        if (kind == WeightKind.Quantized)
        {
            // 64 x 64: the Q4_0/Q5_0/Q8_0 prefill panels unpack each weight row group once per item for all of its
            // columns and prepare each column once for all of its rows (64 x 64 measured 1.3-1.4x faster than 16 x 16
            // there, K-quant tiles neutral).
            rb = 64;
            cb = 64;
        }
        else if (cols < 4)
        {
            rb = 64;
            cb = cols;
        }
        else
        {
            long kp = Math.Max(PaddedK(k), 1);
            rb = Packs(kind, cols) ? MaxPackRows(k) : 32;
            cb = Math.Clamp((131072 / kp) & ~3L, 4, 128);
        }
        rb = Math.Min(rb, Math.Max(rows, 1));
        cb = Math.Min(cb, Math.Max(cols, 1));
        long target = 4L * threads;
        while (Items(rows, cols, planes, rb, cb) < target && rb > 4)
        {
            rb = Math.Max(4, (rb / 2) & ~3L);
        }
        while (Items(rows, cols, planes, rb, cb) < target && cb > 4)
        {
            cb = Math.Max(4, (cb / 2) & ~3L);
        }
        while (Items(rows, cols, planes, rb, cb) > int.MaxValue / 2)
        {
            rb *= 2;
            cb *= 2;
        }
        return new MatMulTiling((int)rb, (int)cb, Ceil(rows, rb), Ceil(cols, cb));
    }

    public long ItemsPerPlane => RowBlocks * ColBlocks;

    private static long Items(long rows, long cols, long planes, long rb, long cb) => planes * Ceil(rows, rb) * Ceil(cols, cb);

    private static long Ceil(long a, long b) => (a + b - 1) / b;
}
